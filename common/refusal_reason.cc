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
    case RefusalReason::kNone:
      break;
  }
  return "";
}

RefusalReason ParseRefusalReason(std::string_view name) {
  for (RefusalReason r : {RefusalReason::kCredentialUnknown, RefusalReason::kCredentialRevoked,
                          RefusalReason::kCredentialExpired}) {
    if (name == RefusalReasonName(r)) return r;
  }
  return RefusalReason::kNone;
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
