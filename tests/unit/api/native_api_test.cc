// The native JSON API and /readyz over a fake Kafka and a real Collector.
#include "api/native/native_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_kafka_client.h"
#include "golden.h"
#include "manual_clock.h"

namespace kprogress {
namespace {

using json = nlohmann::json;

class NativeApiTest : public ::testing::Test {
 protected:
  NativeApiTest() {
    kafka_.produce("t", 0, 10, clock_.now_ms() - 5000);
    kafka_.commit("g", "t", 0, 4);
    kafka_.group("g").state = GroupState::kEmpty;
    CollectorOptions o;
    collector_ = std::move(*Collector::create("i1", kafka_, clock_, o));
    api_ = std::make_unique<NativeApi>(
        std::vector<NativeApi::Instance>{{"i1", "cn-hangzhou", &progress_, collector_.get()}},
        std::chrono::seconds(5));
  }
  static json body(const ApiResponse& r) { return json::parse(r.body); }

  testing::FakeKafkaClient kafka_;
  SystemClock clock_;
  ProgressService progress_{kafka_, clock_};
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<NativeApi> api_;
};

TEST_F(NativeApiTest, NotReadyUntilTheFirstCycle) {
  ApiResponse r = api_->ready();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(body(r)["waiting"][0]["instance"], "i1");
  collector_->run_cycle();
  EXPECT_EQ(api_->ready().status, 200);
}

TEST_F(NativeApiTest, ReadinessSaysWhyACycleFailed) {
  kafka_.fail_all = Error::unavailable("broker 2 is down");
  collector_->run_cycle();
  ApiResponse r = api_->ready();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(body(r)["waiting"][0]["reason"].get<std::string>().find("broker 2 is down"),
            std::string::npos);
}

TEST_F(NativeApiTest, InstancesAndGroups) {
  collector_->run_cycle();
  json instances = body(api_->instances());
  EXPECT_EQ(instances["instances"][0]["id"], "i1");
  EXPECT_EQ(instances["instances"][0]["health"]["ready"], true);
  json groups = body(api_->groups("i1"));
  ASSERT_EQ(groups["groups"].size(), 1u);
  EXPECT_EQ(groups["groups"][0]["group"], "g");
  EXPECT_EQ(groups["groups"][0]["total_lag"], 6);
  EXPECT_EQ(groups["groups"][0]["state"], "EMPTY");
  EXPECT_GT(groups["groups"][0]["max_lag_seconds"].get<double>(), 4.0);
  EXPECT_EQ(api_->groups("nope").status, 404);
}

TEST_F(NativeApiTest, OneGroupInFullFromTheCollector) {
  collector_->run_cycle();
  ApiResponse r = api_->group("i1", "g", false);
  ASSERT_EQ(r.status, 200) << r.body;
  json g = body(r);
  EXPECT_EQ(g["source"], "collector");
  const json& p = g["topics"][0]["partitions"][0];
  EXPECT_EQ(p["committed_offset"], 4);
  EXPECT_EQ(p["lag"], 6);
  EXPECT_EQ(p["history"].size(), 1u);
  // First sight of the commit: it has stood since this cycle's sample.
  EXPECT_EQ(p["committed_since_ms"], p["history"][0]["at_ms"]);
  EXPECT_TRUE(p.contains("lag_seconds"));
  EXPECT_TRUE(p.contains("status"));
}

TEST_F(NativeApiTest, UntrackedOrFreshGroupsAreReadFromKafka) {
  ApiResponse r = api_->group("i1", "g", true);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body(r)["source"], "kafka");
  EXPECT_EQ(api_->group("i1", "missing", false).status, 404);
  EXPECT_EQ(body(api_->group("i1", "missing", false))["error"]["code"], "GroupNotFound");
  kafka_.fail_all = Error::unavailable("down");
  EXPECT_EQ(api_->group("i1", "g", true).status, 503);
}

TEST_F(NativeApiTest, OnlySnapshotAnswersAreClaimedAsAnswersFromMemory) {
  EXPECT_FALSE(api_->group_in_memory("i1", "g", false));  // no cycle yet: asked from Kafka
  collector_->run_cycle();
  EXPECT_TRUE(api_->group_in_memory("i1", "g", false));
  EXPECT_FALSE(api_->group_in_memory("i1", "g", true));
  EXPECT_FALSE(api_->group_in_memory("i1", "missing", false));
  EXPECT_TRUE(api_->group_in_memory("i9", "g", false));  // an unknown instance is a quick 404
}

// The group bodies byte for byte against golden files (tests/golden/README.md): a Stable group
// with a member, a partition without a commit, names that need escaping (a quote, a byte that is
// not UTF-8), two cycles of history and rates, and both sources (the collector, and Kafka).
class NativeApiBodyTest : public ::testing::Test {
 protected:
  NativeApiBodyTest() {
    const int64_t t0 = clock_.now_ms() - 60'000;
    kafka_.produce("t", 0, 10, t0);
    kafka_.produce("t", 1, 5, t0);
    kafka_.produce("q\"\xff", 0, 3, t0);
    kafka_.commit("g", "t", 0, 4);
    kafka_.commit("g", "q\"\xff", 0, 3);
    testing::FakeGroup& g = kafka_.group("g");
    g.state = GroupState::kStable;
    g.members.push_back({"m-1", "client \"one\"", "/127.0.0.1", "", {{"t", PartitionId(0)}}});
    collector_ = std::move(*Collector::create("i1", kafka_, clock_, CollectorOptions{}));
    api_ = std::make_unique<NativeApi>(
        std::vector<NativeApi::Instance>{{"i1", "cn-hangzhou", &progress_, collector_.get()}},
        std::chrono::seconds(5));
  }

  testing::FakeKafkaClient kafka_;
  testing::ManualClock clock_;
  ProgressService progress_{kafka_, clock_};
  std::unique_ptr<Collector> collector_;
  std::unique_ptr<NativeApi> api_;
};

TEST_F(NativeApiBodyTest, GroupBodiesMatchTheGoldenFiles) {
  collector_->run_cycle();
  clock_.advance(10'000);
  kafka_.produce("t", 0, 4, clock_.now_ms() - 1'000);
  kafka_.commit("g", "t", 0, 6);
  collector_->run_cycle();

  const ApiResponse from_collector = api_->group("i1", "g", false);
  ASSERT_EQ(from_collector.status, 200);
  EXPECT_EQ(from_collector.body, testing::golden("native_group_collector.json"));
  const ApiResponse from_kafka = api_->group("i1", "g", true);
  ASSERT_EQ(from_kafka.status, 200);
  EXPECT_EQ(from_kafka.body, testing::golden("native_group_kafka.json"));
}

}  // namespace
}  // namespace kprogress
