#include "sim/workload/job_trace.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/status.h"
#include "models/csv_file.h"

namespace fleetgrid::sim {
namespace {

// A finite decimal number, or nothing (empty field); an error naming column and value.
absl::StatusOr<bool> ReadNumber(const std::string& at, const std::string& column,
                                const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) {
    return absl::InvalidArgumentError(at + ": " + column + " \"" + text + "\" is not a number");
  }
  *out = v;
  return true;
}

}  // namespace

absl::StatusOr<JobTrace> LoadJobTrace(const JobTraceConfig& c, const std::string& dir) {
  absl::StatusOr<models::CsvFile> file = models::CsvFile::Open(c.file, dir);
  if (!file.ok()) return file.status();
  models::CsvFile& csv = *file;
  FG_ASSIGN_OR_RETURN(const size_t submit, csv.Column(c.submit_column));
  constexpr size_t kNone = std::numeric_limits<size_t>::max();
  size_t run_start = kNone, run_end = kNone, priority = kNone, keep = kNone;
  if (!c.run_start_column.empty()) {
    FG_ASSIGN_OR_RETURN(run_start, csv.Column(c.run_start_column));
    FG_ASSIGN_OR_RETURN(run_end, csv.Column(c.run_end_column));
  }
  if (!c.priority_column.empty()) {
    FG_ASSIGN_OR_RETURN(priority, csv.Column(c.priority_column));
  }
  if (!c.keep_column.empty()) {
    FG_ASSIGN_OR_RETURN(keep, csv.Column(c.keep_column));
  }
  size_t need = submit;
  for (size_t i : {run_start, run_end, priority, keep}) {
    if (i != kNone) need = std::max(need, i);
  }

  JobTrace out;
  std::vector<std::pair<double, TraceJob>> rows;  // trace time (s), job
  std::vector<std::string> f;
  while (csv.Next(f)) {
    ++out.rows;
    const std::string at = csv.At();
    if (csv.malformed()) return absl::InvalidArgumentError(at + ": malformed quoting");
    if (f.size() <= need) {
      return absl::InvalidArgumentError(at + ": " + std::to_string(f.size()) +
                                        " fields, the columns need " + std::to_string(need + 1));
    }
    if (keep != kNone &&
        std::find(c.keep_values.begin(), c.keep_values.end(), f[keep]) == c.keep_values.end()) {
      continue;
    }
    ++out.kept;
    double t = 0;
    FG_ASSIGN_OR_RETURN(const bool has_submit, ReadNumber(at, c.submit_column, f[submit], &t));
    if (!has_submit) return absl::InvalidArgumentError(at + ": " + c.submit_column + " is empty");
    TraceJob job;
    if (run_start != kNone) {
      double a = 0, b = 0;
      FG_ASSIGN_OR_RETURN(const bool has_a, ReadNumber(at, c.run_start_column, f[run_start], &a));
      FG_ASSIGN_OR_RETURN(const bool has_b, ReadNumber(at, c.run_end_column, f[run_end], &b));
      if (has_a && has_b) {
        if (b < a) {
          return absl::InvalidArgumentError(at + ": " + c.run_end_column + " is before " +
                                            c.run_start_column);
        }
        job.work = (b - a) * c.time_unit_s * c.work_per_second;
        if (job.work > 0) ++out.with_run_time;
      }
    }
    if (priority != kNone) {
      double p = 0;
      FG_ASSIGN_OR_RETURN(const bool has_p, ReadNumber(at, c.priority_column, f[priority], &p));
      if (has_p && (p != std::floor(p) || std::abs(p) > 1e9)) {
        return absl::InvalidArgumentError(at + ": " + c.priority_column + " \"" + f[priority] +
                                          "\" is not an integer");
      }
      job.priority = static_cast<int32_t>(p);
    }
    rows.emplace_back(t * c.time_unit_s, job);
  }
  if (out.kept == 0) {
    return absl::InvalidArgumentError(csv.name() + (out.rows == 0
                                                        ? ": no data rows below the header"
                                                        : ": the keep filter kept no row"));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const double first = rows.front().first;
  const double span = (rows.back().first - first) / c.rate_scale;
  out.jobs.reserve(rows.size());
  for (auto& [t, job] : rows) {
    job.at_s = (t - first) / c.rate_scale;
    out.jobs.push_back(job);
  }
  // One more mean gap after the last job, so that a looped file does not submit two jobs at
  // once where it wraps.
  const double gap = rows.size() > 1 ? span / static_cast<double>(rows.size() - 1) : 1.0;
  out.period_s = span + std::max(gap, 1e-3);
  return out;
}

}  // namespace fleetgrid::sim
