// RefusalReason: why the coordinator refused a car's credential, in a form the car agent can
// act on without reading the status message (which is for people and may be reworded).
//
// On the wire it is the trailing metadata `x-fleetgrid-reason` of the refused call (an
// UNAUTHENTICATED status), e.g. `x-fleetgrid-reason: credential-revoked`. Inside the
// coordinator it rides on the absl::Status as a payload, from where the refusal is decided
// (Identities, the brain) to the gRPC edge that turns it into metadata.
//
// A revoked or expired credential will never be accepted again (the car needs a new join
// token); an unknown one may be the coordinator having lost it (the car enrolls again).
// Enroll refuses join tokens the same way: a revoked, expired or used-up token, or one for
// another owner, will never enroll this car (an operator must give it a new one); an
// unknown one may be the coordinator having lost it.
#pragma once

#include <string_view>

#include "common/status.h"

namespace fleetgrid {

enum class RefusalReason {
  kNone,               // no reason given (an older coordinator, or not a credential refusal)
  kCredentialUnknown,  // no such node, or the secret is none of its credentials
  kCredentialRevoked,  // revoked by an operator
  kCredentialExpired,  // past its expiry
  kJoinTokenUnknown,   // Enroll: no such join token
  kJoinTokenRevoked,   // Enroll: the join token was revoked
  kJoinTokenExpired,   // Enroll: the join token is past its expiry
  kJoinTokenUsedUp,    // Enroll: the join token has enrolled its maximum of cars
  kJoinTokenOwner,     // Enroll: the join token enrolls cars of another owner
};

// A refusal that retrying cannot change: the car stops (revoked or expired credential; a
// join token revoked, expired, used up or for another owner).
bool IsFinalRefusal(RefusalReason r);

// The trailing metadata key that carries the reason.
inline constexpr char kRefusalReasonKey[] = "x-fleetgrid-reason";

// The wire name: "credential-unknown", "credential-revoked", "credential-expired",
// "join-token-unknown", "join-token-revoked", "join-token-expired", "join-token-used-up",
// "join-token-owner"; "" for kNone.
std::string_view RefusalReasonName(RefusalReason r);
// The reason named `name`; kNone for anything else (a name from a newer coordinator).
RefusalReason ParseRefusalReason(std::string_view name);

// The reason in a gRPC client's trailing metadata (ClientContext::GetServerTrailingMetadata(),
// once the call is done); kNone without one. A template so that this library needs no gRPC.
template <typename Trailers>
RefusalReason RefusalReasonFromTrailers(const Trailers& trailers) {
  auto it = trailers.find(kRefusalReasonKey);
  if (it == trailers.end()) return RefusalReason::kNone;
  return ParseRefusalReason(std::string_view(it->second.data(), it->second.size()));
}

// `s` carrying `r` (as a payload; kNone removes it).
absl::Status WithRefusalReason(absl::Status s, RefusalReason r);
// The reason `s` carries; kNone if none.
RefusalReason RefusalReasonOf(const absl::Status& s);

}  // namespace fleetgrid
