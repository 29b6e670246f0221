#include "common/refusal_reason.h"

#include <string>
#include <utility>

#include "absl/strings/cord.h"

namespace fleetgrid {
namespace {

// The payload's type URL (absl asks for a URL naming the payload's format).
constexpr char kPayloadUrl[] = "type.fleetgrid/RefusalReason";

// Every reason but kNone with its wire name, the one list both directions read.
constexpr std::pair<RefusalReason, std::string_view> kNames[] = {
    {RefusalReason::kCredentialUnknown, "credential-unknown"},
    {RefusalReason::kCredentialRevoked, "credential-revoked"},
    {RefusalReason::kCredentialExpired, "credential-expired"},
    {RefusalReason::kJoinTokenUnknown, "join-token-unknown"},
    {RefusalReason::kJoinTokenRevoked, "join-token-revoked"},
    {RefusalReason::kJoinTokenExpired, "join-token-expired"},
    {RefusalReason::kJoinTokenUsedUp, "join-token-used-up"},
    {RefusalReason::kJoinTokenOwner, "join-token-owner"},
};

}  // namespace

std::string_view RefusalReasonName(RefusalReason r) {
  for (const auto& [reason, name] : kNames) {
    if (reason == r) return name;
  }
  return "";
}

RefusalReason ParseRefusalReason(std::string_view name) {
  for (const auto& [reason, wire] : kNames) {
    if (wire == name) return reason;
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
