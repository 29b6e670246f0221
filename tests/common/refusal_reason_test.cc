// RefusalReason: the wire names the car agent relies on, and the payload that carries a
// reason through the coordinator to the gRPC edge.
#include "common/refusal_reason.h"

#include <gtest/gtest.h>

namespace fleetgrid {
namespace {

// Would catch: a wire name changed on one side only (the agent would stop telling a
// revoked car from one the coordinator forgot).
TEST(RefusalReason, WireNamesAreStable) {
  EXPECT_EQ(RefusalReasonName(RefusalReason::kCredentialRevoked), "credential-revoked");
  EXPECT_EQ(RefusalReasonName(RefusalReason::kCredentialExpired), "credential-expired");
  EXPECT_EQ(RefusalReasonName(RefusalReason::kCredentialUnknown), "credential-unknown");
  EXPECT_EQ(RefusalReasonName(RefusalReason::kJoinTokenUnknown), "join-token-unknown");
  EXPECT_EQ(RefusalReasonName(RefusalReason::kJoinTokenRevoked), "join-token-revoked");
  EXPECT_EQ(RefusalReasonName(RefusalReason::kJoinTokenExpired), "join-token-expired");
  EXPECT_EQ(RefusalReasonName(RefusalReason::kJoinTokenUsedUp), "join-token-used-up");
  EXPECT_EQ(RefusalReasonName(RefusalReason::kJoinTokenOwner), "join-token-owner");
  EXPECT_EQ(RefusalReasonName(RefusalReason::kNone), "");
  for (RefusalReason r : {RefusalReason::kCredentialRevoked, RefusalReason::kCredentialExpired,
                          RefusalReason::kCredentialUnknown, RefusalReason::kJoinTokenUnknown,
                          RefusalReason::kJoinTokenRevoked, RefusalReason::kJoinTokenExpired,
                          RefusalReason::kJoinTokenUsedUp, RefusalReason::kJoinTokenOwner}) {
    EXPECT_EQ(ParseRefusalReason(RefusalReasonName(r)), r);
  }
  EXPECT_EQ(ParseRefusalReason(""), RefusalReason::kNone);
  EXPECT_EQ(ParseRefusalReason("credential-stolen"), RefusalReason::kNone);
  EXPECT_EQ(ParseRefusalReason("Credential-Revoked"), RefusalReason::kNone);
}

// Would catch: the reason lost when the status is copied or moved on its way to the edge,
// or read from the message instead of the payload.
TEST(RefusalReason, RidesOnTheStatusNotItsMessage) {
  absl::Status s = WithRefusalReason(absl::UnauthenticatedError("credential cr-1 expired"),
                                     RefusalReason::kCredentialRevoked);
  const absl::Status copy = s;
  EXPECT_EQ(RefusalReasonOf(copy), RefusalReason::kCredentialRevoked);
  EXPECT_EQ(copy.message(), "credential cr-1 expired");
  EXPECT_EQ(RefusalReasonOf(absl::UnauthenticatedError("credential revoked")),
            RefusalReason::kNone);
  EXPECT_EQ(RefusalReasonOf(WithRefusalReason(s, RefusalReason::kNone)), RefusalReason::kNone);
  EXPECT_EQ(RefusalReasonOf(WithRefusalReason(absl::OkStatus(), RefusalReason::kCredentialExpired)),
            RefusalReason::kNone);  // an OK status carries nothing
}

// Would catch: a car stopping on a refusal that may pass (an unknown credential or join token
// can be the coordinator having lost it), or retrying forever on one that cannot.
TEST(RefusalReason, OnlyRefusalsThatCannotPassAreFinal) {
  for (RefusalReason r : {RefusalReason::kCredentialRevoked, RefusalReason::kCredentialExpired,
                          RefusalReason::kJoinTokenRevoked, RefusalReason::kJoinTokenExpired,
                          RefusalReason::kJoinTokenUsedUp, RefusalReason::kJoinTokenOwner}) {
    EXPECT_TRUE(IsFinalRefusal(r)) << RefusalReasonName(r);
  }
  for (RefusalReason r : {RefusalReason::kNone, RefusalReason::kCredentialUnknown,
                          RefusalReason::kJoinTokenUnknown}) {
    EXPECT_FALSE(IsFinalRefusal(r)) << RefusalReasonName(r);
  }
}

}  // namespace
}  // namespace fleetgrid
