// Job files of `fleetgrid submit`: cli::ParseJobYaml, then the coordinator's own check of
// what it produced (service::ToCoreJobSpec, default limits). The input is the YAML text.
// Checks: the parser answers with a spec or an error (no exception escapes), and a spec it
// accepts survives the wire (serialize, parse) unchanged.
#include <string>

#include "cli/job_file.h"
#include "coordinator/service/convert.h"
#include "tests/fuzz/fuzz_target.h"

using namespace fleetgrid;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto spec = cli::ParseJobYaml(std::string(fuzz::AsText(data, size)));
  if (!spec.ok()) return 0;
  v1::JobSpec wire;
  FG_FUZZ_CHECK(wire.ParseFromString(spec->SerializeAsString()));
  FG_FUZZ_CHECK(wire.SerializeAsString() == spec->SerializeAsString());
  (void)service::ToCoreJobSpec(wire, service::JobLimits{});
  return 0;
}
