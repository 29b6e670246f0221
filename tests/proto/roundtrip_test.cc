// Round-trips every message type of package fleetgrid.v1, found through the generated
// descriptor pool, with every field filled by reflection (each oneof member in turn).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "fleetgrid/v1/admin.pb.h"
#include "fleetgrid/v1/common.pb.h"
#include "fleetgrid/v1/job.pb.h"
#include "fleetgrid/v1/node.pb.h"

namespace fleetgrid::v1 {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;
using google::protobuf::Reflection;
using google::protobuf::util::MessageDifferencer;

// Every .proto file of the package. Touching one type per file keeps its generated object
// linked in, so that the generated pool knows the file.
const std::vector<std::string>& PackageFiles() {
  static const auto* files = [] {
    (void)Digest::descriptor();
    (void)NodeMessage::descriptor();
    (void)JobSpec::descriptor();
    (void)NodeInfo::descriptor();
    return new std::vector<std::string>{
        "fleetgrid/v1/common.proto",
        "fleetgrid/v1/node.proto",
        "fleetgrid/v1/job.proto",
        "fleetgrid/v1/admin.proto",
    };
  }();
  return *files;
}

// Nested messages deeper than this are left empty (guards against recursive types).
constexpr int kMaxDepth = 6;

const EnumValueDescriptor* NonZeroEnumValue(const EnumDescriptor* e, int index) {
  std::vector<const EnumValueDescriptor*> values;
  for (int i = 0; i < e->value_count(); ++i) {
    if (e->value(i)->number() != 0) values.push_back(e->value(i));
  }
  if (values.empty()) return nullptr;
  return values[index % values.size()];
}

// Fills `m`: every singular field, two elements in each repeated field, member
// `variant % size` of each oneof. `salt` makes values differ between sibling elements.
// Returns false (with a gtest failure) if some field could not be given a non-default value.
bool Fill(Message* m, int variant, int salt, int depth) {
  const Descriptor* d = m->GetDescriptor();
  const Reflection* r = m->GetReflection();
  salt %= 1000;
  if (d->full_name() == "google.protobuf.Timestamp" ||
      d->full_name() == "google.protobuf.Duration") {
    // Keep well-known types in their valid range (JSON refuses others).
    r->SetInt64(m, d->FindFieldByName("seconds"), 1'700'000'000 + salt);
    r->SetInt32(m, d->FindFieldByName("nanos"), 1000 * salt + 1);
    return true;
  }
  bool ok = true;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (const auto* oneof = f->real_containing_oneof()) {
      if (oneof->field(variant % oneof->field_count()) != f) continue;
    }
    const int count = f->is_repeated() ? 2 : 1;
    for (int k = 0; k < count; ++k) {
      const int n = salt * 1000 + f->number() * 10 + k + 1;
      const bool add = f->is_repeated();
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          add ? r->AddInt32(m, f, -n) : r->SetInt32(m, f, -n);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          add ? r->AddInt64(m, f, -(int64_t{n} << 33)) : r->SetInt64(m, f, -(int64_t{n} << 33));
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          add ? r->AddUInt32(m, f, n) : r->SetUInt32(m, f, n);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          add ? r->AddUInt64(m, f, uint64_t(n) << 40) : r->SetUInt64(m, f, uint64_t(n) << 40);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          add ? r->AddDouble(m, f, n + 0.25) : r->SetDouble(m, f, n + 0.25);
          break;
        case FieldDescriptor::CPPTYPE_FLOAT:
          add ? r->AddFloat(m, f, n + 0.5f) : r->SetFloat(m, f, n + 0.5f);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          add ? r->AddBool(m, f, k == 0) : r->SetBool(m, f, true);
          break;
        case FieldDescriptor::CPPTYPE_STRING: {
          std::string v = "v" + std::to_string(n);
          if (f->type() == FieldDescriptor::TYPE_BYTES) v += std::string("\0\xff\x80", 3);
          add ? r->AddString(m, f, v) : r->SetString(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_ENUM: {
          const EnumValueDescriptor* v = NonZeroEnumValue(f->enum_type(), n);
          if (v == nullptr) {
            ADD_FAILURE() << f->full_name() << ": enum has no non-zero value";
            ok = false;
            break;
          }
          add ? r->AddEnum(m, f, v) : r->SetEnum(m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth >= kMaxDepth) break;
          ok &= Fill(add ? r->AddMessage(m, f) : r->MutableMessage(m, f), variant, n, depth + 1);
          break;
      }
    }
  }
  return ok;
}

// Number of fields Fill sets at the top level (one member per oneof; messages only above
// the depth limit). Real oneofs come before synthetic ones in oneof_decl().
int ExpectedSetFields(const Descriptor* d, int depth) {
  int n = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth >= kMaxDepth) continue;
    if (f->real_containing_oneof() == nullptr) ++n;
  }
  for (int i = 0; i < d->real_oneof_decl_count(); ++i) ++n;
  return n;
}

int Variants(const Descriptor* d) {
  int v = 1;
  for (int i = 0; i < d->real_oneof_decl_count(); ++i) {
    v = std::max(v, d->oneof_decl(i)->field_count());
  }
  return v;
}

void CollectMessages(const Descriptor* d, std::vector<const Descriptor*>* out) {
  if (d->options().map_entry()) return;
  out->push_back(d);
  for (int i = 0; i < d->nested_type_count(); ++i) CollectMessages(d->nested_type(i), out);
}

std::vector<const Descriptor*> AllMessages() {
  std::vector<const Descriptor*> out;
  for (const std::string& name : PackageFiles()) {
    const FileDescriptor* file = DescriptorPool::generated_pool()->FindFileByName(name);
    if (file == nullptr) {
      ADD_FAILURE() << name << " not in the generated pool";
      continue;
    }
    EXPECT_EQ(file->package(), "fleetgrid.v1") << name;
    for (int i = 0; i < file->message_type_count(); ++i) {
      CollectMessages(file->message_type(i), &out);
    }
  }
  return out;
}

// Serializes `m`, parses into a fresh instance, and compares; also through JSON (used by
// the CLI and for debugging). Returns a description of the first difference, or "".
std::string RoundTrip(const Message& m) {
  std::unique_ptr<Message> parsed(m.New());
  std::string wire;
  if (!m.SerializeToString(&wire)) return "serialize failed";
  if (!parsed->ParseFromString(wire)) return "parse failed";
  MessageDifferencer diff;
  std::string report;
  diff.ReportDifferencesToString(&report);
  if (!diff.Compare(m, *parsed)) return "binary: " + report;

  std::string json;
  if (auto s = google::protobuf::util::MessageToJsonString(m, &json); !s.ok()) {
    return "to json: " + s.ToString();
  }
  std::unique_ptr<Message> from_json(m.New());
  if (auto s = google::protobuf::util::JsonStringToMessage(json, from_json.get()); !s.ok()) {
    return "from json: " + s.ToString();
  }
  if (!MessageDifferencer::Equals(m, *from_json)) return "json differs: " + json;
  return "";
}

TEST(ProtoRoundTrip, EveryMessageTypeRoundTripsWithEveryFieldSet) {
  const std::vector<const Descriptor*> messages = AllMessages();
  // The API has ~80 message types; a sharp drop means files went missing from the pool.
  EXPECT_GE(messages.size(), 75u);

  int round_trips = 0;
  for (const Descriptor* d : messages) {
    SCOPED_TRACE(d->full_name());
    const Message* prototype = MessageFactory::generated_factory()->GetPrototype(d);
    ASSERT_NE(prototype, nullptr);
    for (int variant = 0; variant < Variants(d); ++variant) {
      SCOPED_TRACE("variant " + std::to_string(variant));
      std::unique_ptr<Message> m(prototype->New());
      ASSERT_TRUE(Fill(m.get(), variant, 0, 0));

      std::vector<const FieldDescriptor*> set;
      m->GetReflection()->ListFields(*m, &set);
      EXPECT_EQ(static_cast<int>(set.size()), ExpectedSetFields(d, 0));
      if (d->field_count() > 0) {
        // The comparison must be able to fail: a filled message differs from an empty one.
        EXPECT_FALSE(MessageDifferencer::Equals(*m, *prototype));
      }
      EXPECT_EQ(RoundTrip(*m), "");
      ++round_trips;
    }
  }
  std::cout << "round-tripped " << messages.size() << " message types in " << round_trips
            << " variants\n";
}

TEST(ProtoRoundTrip, EachOneofMemberSurvivesAlone) {
  // Envelope messages: the member set before the round trip is the one set after.
  for (const Descriptor* d : {NodeMessage::descriptor(), CoordinatorMessage::descriptor()}) {
    const auto* oneof = d->FindOneofByName("kind");
    ASSERT_NE(oneof, nullptr) << d->full_name();
    for (int i = 0; i < oneof->field_count(); ++i) {
      std::unique_ptr<Message> m(MessageFactory::generated_factory()->GetPrototype(d)->New());
      ASSERT_TRUE(Fill(m.get(), i, 0, 0));
      std::unique_ptr<Message> parsed(m->New());
      ASSERT_TRUE(parsed->ParseFromString(m->SerializeAsString()));
      const FieldDescriptor* got = parsed->GetReflection()->GetOneofFieldDescriptor(*parsed, oneof);
      ASSERT_NE(got, nullptr);
      EXPECT_EQ(got->name(), oneof->field(i)->name()) << d->full_name();
    }
  }
}

TEST(ProtoRoundTrip, ChangedFieldIsDetected) {
  // Guards the harness itself: a one-field change after parsing must be seen.
  std::unique_ptr<Message> m(Assignment().New());
  ASSERT_TRUE(Fill(m.get(), 0, 0, 0));
  Assignment parsed;
  ASSERT_TRUE(parsed.ParseFromString(m->SerializeAsString()));
  EXPECT_TRUE(MessageDifferencer::Equals(*m, parsed));
  parsed.mutable_attempt()->set_lease_epoch(parsed.attempt().lease_epoch() + 1);
  EXPECT_FALSE(MessageDifferencer::Equals(*m, parsed));
}

}  // namespace
}  // namespace fleetgrid::v1
