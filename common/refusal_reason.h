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
#pragma once

#include <string_view>

#include "common/status.h"

namespace fleetgrid {

enum class RefusalReason {
  kNone,               // no reason given (an older coordinator, or not a credential refusal)
  kCredentialUnknown,  // no such node, or the secret is none of its credentials
  kCredentialRevoked,  // revoked by an operator
  kCredentialExpired,  // past its expiry
};

// The trailing metadata key that carries the reason.
inline constexpr char kRefusalReasonKey[] = "x-fleetgrid-reason";

// The wire name: "credential-unknown", "credential-revoked", "credential-expired"; "" for
// kNone.
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
