// The change log as the coordinator reads it back at start (Brain::Start): records decoded
// by DecodeChange, then replayed by core::Core::Restore. The input is a list of records,
// each a 2-byte little-endian length and that many bytes. Checks: a record that decodes
// encodes to bytes that decode to the same encoding (the codec is stable), and Restore
// answers any decodable log, valid or not, with a core or an error, never a crash.
// Logs that submit more than 10,000 tasks in all are not replayed: a corrupt record can
// claim 4e9 tasks, which is memory, not a bug this target looks for.
#include <vector>

#include "coordinator/core/core.h"
#include "coordinator/service/change_codec.h"
#include "tests/fuzz/fuzz_target.h"

using namespace fleetgrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<core::Change> log;
  uint64_t tasks = 0;
  const std::string_view in = fuzz::AsText(data, size);
  size_t pos = 0;
  while (size - pos >= 2) {
    const size_t n = static_cast<size_t>(data[pos]) | static_cast<size_t>(data[pos + 1]) << 8;
    pos += 2;
    const std::string_view record = in.substr(pos, std::min(n, size - pos));
    pos += record.size();
    auto c = service::DecodeChange(record);
    if (!c.ok()) continue;
    const std::string once = service::EncodeChange(*c);
    auto again = service::DecodeChange(once);
    FG_FUZZ_CHECK(again.ok());
    FG_FUZZ_CHECK(service::EncodeChange(*again) == once);
    if (const auto* j = std::get_if<core::change::JobSubmitted>(&*c)) tasks += j->spec.task_count;
    log.push_back(*std::move(c));
  }
  if (log.empty() || tasks > 10'000) return 0;
  core::CoreConfig cfg;
  cfg.record_changes = true;
  auto restored = core::Core::Restore(cfg, log, TimePoint::FromNanos(0) + Duration::Hours(1));
  if (!restored.ok()) return 0;
  // The restored core must be usable: the brain's first moves after a start.
  core::Decisions d;
  (*restored)->Tick((*restored)->NextWakeup(), d);
  return 0;
}
