// Status helpers on absl::Status / absl::StatusOr (codes identical to gRPC's).
//
// Debian's abseil lacks RETURN_IF_ERROR / ASSIGN_OR_RETURN; these are ours:
//   FG_RETURN_IF_ERROR(DoThing());
//   FG_ASSIGN_OR_RETURN(auto value, ComputeValue());
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FG_STATUS_CONCAT_INNER_(a, b) a##b
#define FG_STATUS_CONCAT_(a, b) FG_STATUS_CONCAT_INNER_(a, b)

#define FG_RETURN_IF_ERROR(expr)                          \
  do {                                                    \
    ::absl::Status fg_status_ = (expr);                   \
    if (!fg_status_.ok()) return fg_status_;              \
  } while (false)

#define FG_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).status();  \
  lhs = std::move(tmp).value()

#define FG_ASSIGN_OR_RETURN(lhs, expr) \
  FG_ASSIGN_OR_RETURN_IMPL_(FG_STATUS_CONCAT_(fg_statusor_, __LINE__), lhs, expr)
