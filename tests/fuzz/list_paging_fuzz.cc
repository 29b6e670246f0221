// The List and Get calls (ListJobs, ListTasks, ListNodes, FetchResults' ResultsOf, GetJob,
// GetNode) with their page tokens (ParsePage). The first input byte picks the call, the rest
// is its serialized request, answered by a real Brain holding 3 cars and 3 jobs (16, 3 and
// 2000 tasks). Checks: a next_page_token the brain hands out parses back, and a listing
// page never holds more than page_size (default 100, at most 1000) entries.
#include "coordinator/service/convert.h"
#include "tests/fuzz/brain_harness.h"

using namespace fleetgrid;

namespace {

template <typename Req>
bool Parse(Req& req, const uint8_t* data, size_t size) {
  return req.ParseFromArray(data, static_cast<int>(size));
}

uint32_t PageMax(uint32_t page_size) {
  return page_size == 0 ? 100 : std::min<uint32_t>(page_size, 1000);
}

void CheckToken(const std::string& token) {
  if (token.empty()) return;
  FG_FUZZ_CHECK(service::ParsePage(token, 0, 0).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzBrain h({.with_car = true, .with_listings = true, .recycle_every = 5000});
  if (size == 0) return 0;
  const uint8_t which = data[0] % 6;
  ++data;
  --size;
  service::Brain& brain = h.brain();
  using service::Brain;
  switch (which) {
    case 0: {
      v1::ListJobsRequest req;
      if (!Parse(req, data, size)) return 0;
      (void)service::ParsePage(req.page_token(), req.page_size(), 0);
      const auto r = h.Call<v1::ListJobsResponse>(
          [&](Brain::Reply<v1::ListJobsResponse> rep) { brain.ListJobs(req, std::move(rep)); });
      if (!r.ok()) return 0;
      FG_FUZZ_CHECK(static_cast<uint32_t>(r->jobs_size()) <= PageMax(req.page_size()));
      CheckToken(r->next_page_token());
      return 0;
    }
    case 1: {
      v1::ListTasksRequest req;
      if (!Parse(req, data, size)) return 0;
      const auto r = h.Call<v1::ListTasksResponse>(
          [&](Brain::Reply<v1::ListTasksResponse> rep) { brain.ListTasks(req, std::move(rep)); });
      if (!r.ok()) return 0;
      FG_FUZZ_CHECK(static_cast<uint32_t>(r->tasks_size()) <= PageMax(req.page_size()));
      CheckToken(r->next_page_token());
      return 0;
    }
    case 2: {
      v1::ListNodesRequest req;
      if (!Parse(req, data, size)) return 0;
      const auto r = h.Call<v1::ListNodesResponse>(
          [&](Brain::Reply<v1::ListNodesResponse> rep) { brain.ListNodes(req, std::move(rep)); });
      if (!r.ok()) return 0;
      FG_FUZZ_CHECK(static_cast<uint32_t>(r->nodes_size()) <= PageMax(req.page_size()));
      CheckToken(r->next_page_token());
      return 0;
    }
    case 3: {
      v1::FetchResultsRequest req;
      if (!Parse(req, data, size)) return 0;
      (void)h.Call<std::vector<v1::TaskResult>>([&](Brain::Reply<std::vector<v1::TaskResult>> rep) {
        brain.ResultsOf(req, std::move(rep));
      });
      return 0;
    }
    case 4: {
      v1::GetJobRequest req;
      if (!Parse(req, data, size)) return 0;
      (void)h.Call<v1::Job>(
          [&](Brain::Reply<v1::Job> rep) { brain.GetJob(req.job_id(), std::move(rep)); });
      return 0;
    }
    default: {
      v1::GetNodeRequest req;
      if (!Parse(req, data, size)) return 0;
      (void)h.Call<v1::NodeInfo>(
          [&](Brain::Reply<v1::NodeInfo> rep) { brain.GetNode(req.node_id(), std::move(rep)); });
      return 0;
    }
  }
}
