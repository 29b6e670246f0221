#include "common/refusal_reason.h"

#include <string>

#include "absl/strings/cord.h"

namespace fleetgrid {
namespace {

// The payload's type URL (absl asks for a URL naming the payload's format).
constexpr char kPayloadUrl[] = "type.fleetgrid/RefusalReason";

}  // namespace

std::string_view RefusalReasonName(RefusalReason r) {
  switch (r) {
    case RefusalReason::kCredentialUnknown:
      return "credential-unknown";
    case RefusalReason::kCredentialRevoked:
      return "credential-revoked";
    case RefusalReason::kCredentialExpired:
      return "credential-expired";
    case RefusalReason::kJoinTokenUnknown:
      return "join-token-unknown";
    case RefusalReason::kJoinTokenRevoked:
      return "join-token-revoked";
    case RefusalReason::kJoinTokenExpired:
      return "join-token-expired";
    case RefusalReason::kJoinTokenUsedUp:
      return "join-token-used-up";
    case RefusalReason::kJoinTokenOwner:
      return "join-token-owner";
    case RefusalReason::kNone:
      break;
  }
  return "";
}

RefusalReason ParseRefusalReason(std::string_view name) {
  for (RefusalReason r : {RefusalReason::kCredentialUnknown, RefusalReason::kCredentialRevoked,
                          RefusalReason::kCredentialExpired, RefusalReason::kJoinTokenUnknown,
                          RefusalReason::kJoinTokenRevoked, RefusalReason::kJoinTokenExpired,
                          RefusalReason::kJoinTokenUsedUp, RefusalReason::kJoinTokenOwner}) {
    if (name == RefusalReasonName(r)) return r;
  }
  return RefusalReason::kNone;
}

bool IsFinalRefusal(RefusalReason r) {
  switch (r) {
    case RefusalReason::kCredentialRevoked:
    case RefusalReason::kCredentialExpired:
    case RefusalReason::kJoinTokenRevoked:
    case RefusalReason::kJoinTokenExpired:
    case RefusalReason::kJoinTokenUsedUp:
    case RefusalReason::kJoinTokenOwner:
      return true;
    case RefusalReason::kNone:
    case RefusalReason::kCredentialUnknown:
    case RefusalReason::kJoinTokenUnknown:
      break;
  }
  return false;
}

absl::Status WithRefusalReason(absl::Status s, RefusalReason r) {
  if (r == RefusalReason::kNone) {
    s.ErasePayload(kPayloadUrl);
  } else {
    // Debian's abseil has its own string_view, not std's.
    const std::string_view name = RefusalReasonName(r);
    s.SetPayload(kPayloadUrl, absl::Cord(absl::string_view(name.data(), name.size())));
  }
  return s;
}

RefusalReason RefusalReasonOf(const absl::Status& s) {
  const auto p = s.GetPayload(kPayloadUrl);
  return p ? ParseRefusalReason(std::string(*p)) : RefusalReason::kNone;
}

}  // namespace fleetgrid
