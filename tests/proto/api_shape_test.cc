// The shape of wire API v1: services and their methods, enum conventions, and that every
// element of every .proto file carries a comment (read from the descriptor set protoc wrote
// with --include_source_info, since the generated pool has no comments).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fleetgrid/v1/admin.grpc.pb.h"
#include "fleetgrid/v1/job.grpc.pb.h"
#include "fleetgrid/v1/node.grpc.pb.h"

namespace fleetgrid::v1 {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptorProto;
using google::protobuf::FileDescriptorSet;
using google::protobuf::ServiceDescriptor;

std::set<std::string> MethodNames(const ServiceDescriptor* s) {
  std::set<std::string> out;
  for (int i = 0; i < s->method_count(); ++i) out.insert(s->method(i)->name());
  return out;
}

TEST(ProtoApiShape, ServicesHaveExpectedMethods) {
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  // Referencing the descriptors keeps the generated objects linked in.
  ASSERT_EQ(NodeService::service_full_name(), std::string("fleetgrid.v1.NodeService"));
  (void)NodeMessage::descriptor();
  (void)JobSpec::descriptor();
  (void)NodeInfo::descriptor();
  const std::map<std::string, std::set<std::string>> expected = {
      {"fleetgrid.v1.NodeService",
       {"Enroll", "RenewCredential", "Connect", "FetchInput", "UploadResult", "UploadCheckpoint",
        "FetchCheckpoint"}},
      {"fleetgrid.v1.JobService",
       {"UploadInput", "SubmitJob", "GetJob", "ListJobs", "ListTasks", "CancelJob", "WatchJob",
        "FetchResults"}},
      {"fleetgrid.v1.AdminService",
       {"ListNodes", "GetNode", "GetFleetStats", "DrainNode", "RevokeCredential", "IssueJoinToken",
        "RevokeJoinToken", "ListJoinTokens", "IssueApiToken", "RevokeApiToken", "ListApiTokens"}},
  };
  for (const auto& [name, methods] : expected) {
    const ServiceDescriptor* s = pool->FindServiceByName(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_EQ(MethodNames(s), methods) << name;
  }
}

TEST(ProtoApiShape, StreamingKinds) {
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  (void)NodeMessage::descriptor();
  (void)JobSpec::descriptor();
  struct Want {
    const char* method;
    bool client_streaming;
    bool server_streaming;
  };
  for (const Want& w : {
           Want{"fleetgrid.v1.NodeService.Connect", true, true},
           Want{"fleetgrid.v1.NodeService.FetchInput", false, true},
           Want{"fleetgrid.v1.NodeService.UploadResult", true, false},
           Want{"fleetgrid.v1.NodeService.Enroll", false, false},
           Want{"fleetgrid.v1.JobService.UploadInput", true, false},
           Want{"fleetgrid.v1.JobService.WatchJob", false, true},
           Want{"fleetgrid.v1.JobService.FetchResults", false, true},
       }) {
    const auto* m = pool->FindMethodByName(w.method);
    ASSERT_NE(m, nullptr) << w.method;
    EXPECT_EQ(m->client_streaming(), w.client_streaming) << w.method;
    EXPECT_EQ(m->server_streaming(), w.server_streaming) << w.method;
  }
}

FileDescriptorSet LoadProtoset() {
  FileDescriptorSet set;
  std::ifstream in(FLEETGRID_PROTOSET, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << FLEETGRID_PROTOSET;
  EXPECT_TRUE(set.ParseFromIstream(&in)) << FLEETGRID_PROTOSET;
  return set;
}

std::vector<const FileDescriptorProto*> PackageFiles(const FileDescriptorSet& set) {
  std::vector<const FileDescriptorProto*> out;
  for (const FileDescriptorProto& f : set.file()) {
    if (f.package() == "fleetgrid.v1") out.push_back(&f);
  }
  return out;
}

// Paths (SourceCodeInfo numbering) of every element that must be documented.
// Field numbers of descriptor.proto: FileDescriptorProto message_type=4, enum_type=5,
// service=6, syntax=12; DescriptorProto field=2, nested_type=3, enum_type=4, oneof_decl=8;
// EnumDescriptorProto value=2; ServiceDescriptorProto method=2.
using Path = std::vector<int>;

void MessagePaths(const google::protobuf::DescriptorProto& m, const Path& at,
                  const std::string& name, std::map<Path, std::string>* out);

void EnumPaths(const google::protobuf::EnumDescriptorProto& e, const Path& at,
               const std::string& name, std::map<Path, std::string>* out) {
  (*out)[at] = name;
  for (int i = 0; i < e.value_size(); ++i) {
    Path p = at;
    p.insert(p.end(), {2, i});
    (*out)[p] = name + "." + e.value(i).name();
  }
}

void MessagePaths(const google::protobuf::DescriptorProto& m, const Path& at,
                  const std::string& name, std::map<Path, std::string>* out) {
  if (m.options().map_entry()) return;
  (*out)[at] = name;
  auto sub = [&](int tag, int i) {
    Path p = at;
    p.insert(p.end(), {tag, i});
    return p;
  };
  for (int i = 0; i < m.field_size(); ++i) (*out)[sub(2, i)] = name + "." + m.field(i).name();
  for (int i = 0; i < m.oneof_decl_size(); ++i) {
    // Synthetic oneofs of proto3 `optional` fields have no source of their own.
    const std::string& oneof = m.oneof_decl(i).name();
    if (!oneof.empty() && oneof[0] == '_') continue;
    (*out)[sub(8, i)] = name + "." + oneof;
  }
  for (int i = 0; i < m.nested_type_size(); ++i) {
    MessagePaths(m.nested_type(i), sub(3, i), name + "." + m.nested_type(i).name(), out);
  }
  for (int i = 0; i < m.enum_type_size(); ++i) {
    EnumPaths(m.enum_type(i), sub(4, i), name + "." + m.enum_type(i).name(), out);
  }
}

TEST(ProtoApiShape, EveryElementIsDocumented) {
  const FileDescriptorSet set = LoadProtoset();
  const auto files = PackageFiles(set);
  EXPECT_GE(files.size(), 4u);
  for (const FileDescriptorProto* f : files) {
    SCOPED_TRACE(f->name());
    std::map<Path, std::string> want;
    for (int i = 0; i < f->message_type_size(); ++i) {
      MessagePaths(f->message_type(i), {4, i}, f->message_type(i).name(), &want);
    }
    for (int i = 0; i < f->enum_type_size(); ++i) {
      EnumPaths(f->enum_type(i), {5, i}, f->enum_type(i).name(), &want);
    }
    for (int i = 0; i < f->service_size(); ++i) {
      want[{6, i}] = f->service(i).name();
      for (int j = 0; j < f->service(i).method_size(); ++j) {
        want[{6, i, 2, j}] = f->service(i).name() + "." + f->service(i).method(j).name();
      }
    }
    std::set<Path> documented;
    std::string file_comment;
    for (const auto& loc : f->source_code_info().location()) {
      const Path p(loc.path().begin(), loc.path().end());
      if (!loc.leading_comments().empty() || !loc.trailing_comments().empty()) {
        documented.insert(p);
      }
      if (p == Path{12}) file_comment = loc.leading_comments();
    }
    ASSERT_FALSE(want.empty());
    for (const auto& [path, name] : want) {
      EXPECT_TRUE(documented.count(path)) << name << " has no comment";
    }
    // The file comment lists the error statuses the API uses.
    for (const char* status : {"INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION",
                               "RESOURCE_EXHAUSTED", "UNAUTHENTICATED", "PERMISSION_DENIED"}) {
      EXPECT_NE(file_comment.find(status), std::string::npos)
          << "file comment does not mention " << status;
    }
  }
}

TEST(ProtoApiShape, EnumsStartWithUnspecifiedAndArePrefixed) {
  const FileDescriptorSet set = LoadProtoset();
  int enums = 0;
  for (const FileDescriptorProto* f : PackageFiles(set)) {
    for (const auto& e : f->enum_type()) {
      ++enums;
      // FooBar -> FOO_BAR_
      std::string prefix;
      for (char c : e.name()) {
        if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty()) prefix += '_';
        prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      prefix += '_';
      ASSERT_GT(e.value_size(), 1) << e.name();
      EXPECT_EQ(e.value(0).number(), 0) << e.name();
      EXPECT_EQ(e.value(0).name(), prefix + "UNSPECIFIED") << e.name();
      for (const auto& v : e.value()) {
        EXPECT_EQ(v.name().rfind(prefix, 0), 0u) << v.name() << " lacks prefix " << prefix;
      }
    }
  }
  EXPECT_GE(enums, 10);
}

TEST(ProtoApiShape, GeneratedPoolMatchesProtoset) {
  // Every file protoc saw is in the generated pool (none was left out of the library).
  const FileDescriptorSet set = LoadProtoset();
  (void)NodeMessage::descriptor();
  (void)JobSpec::descriptor();
  (void)NodeInfo::descriptor();
  for (const FileDescriptorProto* f : PackageFiles(set)) {
    const auto* generated = DescriptorPool::generated_pool()->FindFileByName(f->name());
    ASSERT_NE(generated, nullptr) << f->name();
    EXPECT_EQ(generated->message_type_count(), f->message_type_size()) << f->name();
  }
}

}  // namespace
}  // namespace fleetgrid::v1
