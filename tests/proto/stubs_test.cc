// The generated gRPC code compiles and links: stub signatures have the expected shapes,
// and an in-process server with the default (unimplemented) services answers through stubs.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <type_traits>
#include <utility>

#include "fleetgrid/v1/admin.grpc.pb.h"
#include "fleetgrid/v1/job.grpc.pb.h"
#include "fleetgrid/v1/node.grpc.pb.h"

namespace fleetgrid::v1 {
namespace {

// Unary, client-streaming, server-streaming and bidi stubs return what gRPC promises.
static_assert(std::is_same_v<decltype(std::declval<JobService::Stub&>().SubmitJob(
                                 nullptr, std::declval<const SubmitJobRequest&>(), nullptr)),
                             grpc::Status>);
static_assert(
    std::is_same_v<decltype(std::declval<NodeService::Stub&>().Connect(nullptr)),
                   std::unique_ptr<grpc::ClientReaderWriter<NodeMessage, CoordinatorMessage>>>);
static_assert(std::is_same_v<decltype(std::declval<NodeService::Stub&>().FetchInput(
                                 nullptr, std::declval<const FetchInputRequest&>())),
                             std::unique_ptr<grpc::ClientReader<DataChunk>>>);
static_assert(std::is_same_v<decltype(std::declval<NodeService::Stub&>().UploadResult(
                                 nullptr, std::declval<ResultAck*>())),
                             std::unique_ptr<grpc::ClientWriter<ResultChunk>>>);
static_assert(std::is_same_v<decltype(std::declval<JobService::Stub&>().WatchJob(
                                 nullptr, std::declval<const WatchJobRequest&>())),
                             std::unique_ptr<grpc::ClientReader<JobProgress>>>);
static_assert(std::is_same_v<decltype(std::declval<AdminService::Stub&>().GetFleetStats(
                                 nullptr, std::declval<const GetFleetStatsRequest&>(), nullptr)),
                             grpc::Status>);
// The service uses the callback API (docs/architecture.md): those base classes exist.
static_assert(std::is_base_of_v<grpc::Service, NodeService::CallbackService>);
static_assert(std::is_base_of_v<grpc::Service, JobService::CallbackService>);
static_assert(std::is_base_of_v<grpc::Service, AdminService::CallbackService>);

class InProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&node_);
    builder.RegisterService(&job_);
    builder.RegisterService(&admin_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  NodeService::Service node_;
  JobService::Service job_;
  AdminService::Service admin_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(InProcessTest, UnaryCallsReachTheDefaultServices) {
  auto jobs = JobService::NewStub(channel_);
  grpc::ClientContext ctx1;
  GetJobResponse job;
  EXPECT_EQ(jobs->GetJob(&ctx1, GetJobRequest(), &job).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);

  auto admin = AdminService::NewStub(channel_);
  grpc::ClientContext ctx2;
  GetFleetStatsResponse stats;
  EXPECT_EQ(admin->GetFleetStats(&ctx2, GetFleetStatsRequest(), &stats).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);

  auto node = NodeService::NewStub(channel_);
  grpc::ClientContext ctx3;
  EnrollResponse enrolled;
  EXPECT_EQ(node->Enroll(&ctx3, EnrollRequest(), &enrolled).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(InProcessTest, ConnectStreamReachesTheDefaultService) {
  auto node = NodeService::NewStub(channel_);
  grpc::ClientContext ctx;
  auto stream = node->Connect(&ctx);
  NodeMessage hello;
  hello.mutable_hello()->set_node_id(7);
  stream->Write(hello);  // May fail once the server has answered; the status tells.
  stream->WritesDone();
  CoordinatorMessage reply;
  EXPECT_FALSE(stream->Read(&reply));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace fleetgrid::v1
