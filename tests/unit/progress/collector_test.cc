// The collector over a fake Kafka and a fake clock: cycles, history, lag in seconds, status,
// failures, filters and expiry.
#include "progress/collector.h"

#include <gtest/gtest.h>

#include "fake_kafka_client.h"
#include "manual_clock.h"

namespace kprogress {
namespace {

using testing::FakeKafkaClient;
using testing::ManualClock;

class CollectorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Collector> make(CollectorOptions o = {}) {
    o.evaluation.min_samples = 2;
    auto c = Collector::create("i1", kafka_, clock_, o);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return std::move(*c);
  }
  const PartitionSnapshot& part(const InstanceSnapshot& s, const std::string& g,
                                const std::string& t, int p) {
    return s.find(g)->partitions.at({t, PartitionId(p)});
  }
  FakeKafkaClient kafka_;
  ManualClock clock_;
};

TEST_F(CollectorTest, NotReadyBeforeTheFirstCycle) {
  auto c = make();
  EXPECT_FALSE(c->snapshot()->ready());
  EXPECT_EQ(c->snapshot()->instance_id, "i1");
}

TEST_F(CollectorTest, OneCycleReadsEveryGroup) {
  kafka_.produce("t", 0, 10, clock_.now_ms() - 60000);  // ts = now-60s + offset
  kafka_.produce("t", 1, 4, clock_.now_ms() - 1000);
  kafka_.commit("a", "t", 0, 4);
  kafka_.commit("a", "t", 1, 4);
  kafka_.commit("b", "t", 0, 10);
  auto c = make();
  c->run_cycle();
  auto s = c->snapshot();
  ASSERT_TRUE(s->ready());
  EXPECT_FALSE(s->last_cycle.error.has_value());
  ASSERT_EQ(s->groups.size(), 2u);
  EXPECT_EQ(s->find("a")->total_lag, 6);
  EXPECT_EQ(s->find("b")->total_lag, 0);
  // Lag in seconds: the oldest unconsumed record of a-t-0 is offset 4, produced at now-60s+4ms.
  ASSERT_TRUE(part(*s, "a", "t", 0).lag_seconds.has_value());
  EXPECT_DOUBLE_EQ(*part(*s, "a", "t", 0).lag_seconds, (60000 - 4) / 1000.0);
  EXPECT_EQ(*part(*s, "a", "t", 1).lag_seconds, 0);
  EXPECT_EQ(part(*s, "a", "t", 0).progress.last_timestamp, clock_.now_ms() - 60000 + 3);
  EXPECT_DOUBLE_EQ(*s->find("a")->max_lag_seconds, (60000 - 4) / 1000.0);
  EXPECT_GT(s->last_cycle.kafka_calls, 0u);
}

TEST_F(CollectorTest, KafkaCallsGrowWithGroupsNotPartitions) {
  for (int p = 0; p < 50; ++p) kafka_.produce("wide", p, 3, clock_.now_ms());
  for (int p = 0; p < 50; ++p) kafka_.commit("g", "wide", p, 1);
  kafka_.group("g").state = GroupState::kStable;  // described (an Empty group is not)
  auto c = make();
  c->run_cycle();
  const uint64_t calls_50 = c->snapshot()->last_cycle.kafka_calls;
  // list + committed + describe + topics + watermarks + last records + oldest records.
  EXPECT_EQ(calls_50, 7u);
  // Unchanged commits: no record reads at all on the next cycle.
  clock_.advance(1000);
  c->run_cycle();
  EXPECT_EQ(c->snapshot()->last_cycle.record_reads, 0u);
  EXPECT_EQ(c->snapshot()->last_cycle.kafka_calls, 5u);
}

TEST_F(CollectorTest, EmptyGroupsAreKnownFromTheListingWithoutDescribingThem) {
  kafka_.produce("t", 0, 10, clock_.now_ms());
  kafka_.commit("idle", "t", 0, 4);  // Empty: its consumer is gone
  kafka_.commit("live", "t", 0, 6);
  kafka_.group("live").state = GroupState::kStable;
  kafka_.group("live").members = {{"m-1", "cid", "/10.0.0.1", "", {{"t", PartitionId(0)}}}};
  // Describing the Empty group would fail: it is not asked.
  kafka_.fail_describe.emplace("idle", Error::unavailable("not to be described"));
  auto c = make();
  c->run_cycle();
  auto s = c->snapshot();
  EXPECT_EQ(s->last_cycle.failed_groups, 0u);
  ASSERT_NE(s->find("idle"), nullptr);
  EXPECT_FALSE(s->find("idle")->error.has_value());
  EXPECT_EQ(s->find("idle")->state, GroupState::kEmpty);
  EXPECT_EQ(s->find("idle")->total_lag, 6);
  EXPECT_EQ(part(*s, "idle", "t", 0).progress.member_id(), "");
  EXPECT_EQ(s->find("live")->state, GroupState::kStable);
  EXPECT_EQ(part(*s, "live", "t", 0).progress.member_id(), "m-1");
  // Only the live group was described: removing Empty groups from the request changes nothing
  // in the call count, and a cycle with only Empty groups asks for no description at all.
  kafka_.group("live").state = GroupState::kEmpty;
  kafka_.group("live").members.clear();
  clock_.advance(1000);
  c->run_cycle();
  // list + committed x2 + topics + watermarks (records cached, no description).
  EXPECT_EQ(c->snapshot()->last_cycle.kafka_calls, 5u);
}

TEST_F(CollectorTest, HistoryGivesRatesAndStatus) {
  kafka_.produce("t", 0, 100, clock_.now_ms());
  kafka_.commit("g", "t", 0, 10);
  auto c = make();
  c->run_cycle();
  clock_.advance(10000);
  kafka_.produce("t", 0, 10, clock_.now_ms());  // +1 record/s
  kafka_.commit("g", "t", 0, 60);               // +5 records/s
  c->run_cycle();
  auto s = c->snapshot();
  const auto& p = part(*s, "g", "t", 0);
  EXPECT_EQ(p.history.size(), 2u);
  EXPECT_DOUBLE_EQ(*p.consume_rate, 5.0);
  EXPECT_DOUBLE_EQ(*p.produce_rate, 1.0);
  EXPECT_EQ(p.drain.state, DrainState::kDraining);
  EXPECT_DOUBLE_EQ(*p.drain.seconds, 50 / 4.0);
  EXPECT_TRUE(p.evaluation.complete);
}

TEST_F(CollectorTest, StalledConsumerIsFlagged) {
  kafka_.produce("t", 0, 10, clock_.now_ms());
  kafka_.commit("g", "t", 0, 2);
  auto c = make();
  for (int i = 0; i < 4; ++i) {
    c->run_cycle();
    clock_.advance(10000);
    kafka_.produce("t", 0, 1, clock_.now_ms());
  }
  auto s = c->snapshot();
  EXPECT_NE(part(*s, "g", "t", 0).evaluation.status, Status::kOk);
  EXPECT_NE(s->find("g")->evaluation.status, Status::kOk);
}

// Burrow's STOP (nobody commits) against STALL (a live consumer stuck at its offset): with no
// commit times from Kafka, the collector tells them apart by whether a member owns the partition.
TEST_F(CollectorTest, StuckWithoutAnOwnerIsStopWithALiveOwnerIsStall) {
  kafka_.produce("t", 0, 10, clock_.now_ms());
  kafka_.commit("dead", "t", 0, 2);
  kafka_.group("dead").state = GroupState::kEmpty;
  kafka_.commit("stuck", "t", 0, 2);
  kafka_.group("stuck").state = GroupState::kStable;
  GroupMember m{"m-1", "client-1", "/10.0.0.1", "", {{"t", PartitionId(0)}}};
  kafka_.group("stuck").members = {m};
  CollectorOptions o;
  o.evaluation.window_samples = 3;  // spans 20 s at one cycle per 10 s
  auto c = make(o);
  const int64_t first_cycle = clock_.now_ms();
  for (int i = 0; i < 3; ++i) {  // the window still reaches back to the first sight
    c->run_cycle();
    clock_.advance(10000);
    kafka_.produce("t", 0, 1, clock_.now_ms());
  }
  EXPECT_EQ(part(*c->snapshot(), "dead", "t", 0).evaluation.status, Status::kStall);
  c->run_cycle();  // now the offset has stood still for longer than the window spans
  auto s = c->snapshot();
  const PartitionSnapshot& dead = part(*s, "dead", "t", 0);
  EXPECT_EQ(dead.committed_since_ms, first_cycle);
  EXPECT_EQ(dead.evaluation.status, Status::kStop);
  EXPECT_EQ(dead.evaluation.rule, Rule::kStopped);
  EXPECT_EQ(s->find("dead")->evaluation.status, Status::kErr);
  EXPECT_EQ(part(*s, "stuck", "t", 0).evaluation.status, Status::kStall);

  // The dead group's consumer comes back and commits: the offset moves, and it is no longer STOP.
  kafka_.commit("dead", "t", 0, 8);
  clock_.advance(10000);
  c->run_cycle();
  const PartitionSnapshot& back = part(*c->snapshot(), "dead", "t", 0);
  EXPECT_EQ(back.committed_since_ms, clock_.now_ms());
  EXPECT_NE(back.evaluation.status, Status::kStop);
}

TEST_F(CollectorTest, OnlyAMarkerLeftIsNoLag) {
  kafka_.produce("tx", 0, 3, clock_.now_ms());
  kafka_.add_marker("tx", 0);      // offset 3; HW 4
  kafka_.commit("g", "tx", 0, 3);  // lag 1, but nothing to consume
  auto c = make();
  c->run_cycle();
  const auto& p = part(*c->snapshot(), "g", "tx", 0);
  EXPECT_EQ(p.progress.lag, 1);  // the contract's lag stays HW - committed
  EXPECT_TRUE(p.only_markers_left);
  EXPECT_EQ(*p.lag_seconds, 0);
  EXPECT_EQ(p.evaluation.status, Status::kOk);
}

TEST_F(CollectorTest, FiltersIncludeAndExclude) {
  kafka_.produce("t", 0, 1, clock_.now_ms());
  for (const char* g : {"orders-a", "orders-b", "audit", "orders-test"})
    kafka_.commit(g, "t", 0, 1);
  CollectorOptions o;
  o.include = {"orders-.*"};
  o.exclude = {".*-test"};
  auto c = make(o);
  c->run_cycle();
  auto s = c->snapshot();
  EXPECT_EQ(s->groups.size(), 2u);
  EXPECT_NE(s->find("orders-a"), nullptr);
  EXPECT_EQ(s->find("orders-test"), nullptr);
  EXPECT_EQ(s->find("audit"), nullptr);
}

TEST_F(CollectorTest, BadPatternIsAnError) {
  CollectorOptions o;
  o.include = {"("};
  auto c = Collector::create("i1", kafka_, clock_, o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("not a valid regex"), std::string::npos);
}

TEST_F(CollectorTest, FailedCycleKeepsTheLastNumbersAndSaysWhy) {
  kafka_.produce("t", 0, 5, clock_.now_ms());
  kafka_.commit("g", "t", 0, 1);
  auto c = make();
  c->run_cycle();
  const int64_t first_success = c->snapshot()->last_success_ms;
  kafka_.fail_all = Error::unavailable("broker 1 is down");
  clock_.advance(1000);
  c->run_cycle();
  auto s = c->snapshot();
  ASSERT_TRUE(s->last_cycle.error.has_value());
  EXPECT_NE(s->last_cycle.error->find("broker 1 is down"), std::string::npos);
  EXPECT_EQ(s->last_success_ms, first_success);
  EXPECT_EQ(s->find("g")->total_lag, 4);
  EXPECT_EQ(s->cycles, 2u);
}

TEST_F(CollectorTest, AGroupThatCannotBeDescribedFailsAloneNotTheCycle) {
  kafka_.produce("t", 0, 10, clock_.now_ms() - 60000);
  kafka_.commit("a", "t", 0, 4);
  kafka_.commit("b", "t", 0, 7);
  kafka_.group("a").state = GroupState::kStable;
  kafka_.group("b").state = GroupState::kStable;
  auto c = make();
  c->run_cycle();
  kafka_.fail_describe.emplace("b", Error::deadline_exceeded("DescribeGroups for b: no answer"));
  kafka_.commit("a", "t", 0, 6);
  clock_.advance(1000);
  c->run_cycle();
  auto s = c->snapshot();
  EXPECT_FALSE(s->last_cycle.error.has_value());
  EXPECT_EQ(s->last_cycle.failed_groups, 1u);
  EXPECT_EQ(s->find("a")->total_lag, 4);  // fresh
  EXPECT_FALSE(s->find("a")->error.has_value());
  EXPECT_EQ(s->find("b")->total_lag, 3);  // kept from the cycle before, marked
  ASSERT_TRUE(s->find("b")->error.has_value());
  EXPECT_NE(s->find("b")->error->find("describing group b"), std::string::npos);
}

TEST_F(CollectorTest, VanishedGroupsExpireAfterTheConfiguredTime) {
  kafka_.produce("t", 0, 5, clock_.now_ms());
  kafka_.commit("g", "t", 0, 1);
  CollectorOptions o;
  o.expire_after = std::chrono::seconds(60);
  auto c = make(o);
  c->run_cycle();
  kafka_.remove_group("g");  // the group disappears from Kafka (offsets expired)
  clock_.advance(30000);
  c->run_cycle();
  EXPECT_NE(c->snapshot()->find("g"), nullptr) << "kept until expire_after";
  clock_.advance(31000);
  c->run_cycle();
  EXPECT_EQ(c->snapshot()->find("g"), nullptr);
}

TEST_F(CollectorTest, DeletedTopicLeavesNoGhostLag) {
  kafka_.produce("t", 0, 5, clock_.now_ms());
  kafka_.commit("g", "t", 0, 1);
  kafka_.commit("g", "gone", 0, 7);  // a topic that no longer exists
  auto c = make();
  c->run_cycle();
  auto s = c->snapshot();
  EXPECT_EQ(s->find("g")->total_lag, 4);
  EXPECT_EQ(s->find("g")->partitions.count({"gone", PartitionId(0)}), 0u);
}

TEST_F(CollectorTest, EmptyGroupKeepsReportingLag) {
  kafka_.produce("t", 0, 5, clock_.now_ms());
  kafka_.commit("g", "t", 0, 2);
  kafka_.group("g").state = GroupState::kEmpty;
  auto c = make();
  c->run_cycle();
  EXPECT_EQ(c->snapshot()->find("g")->total_lag, 3);
  EXPECT_EQ(c->snapshot()->find("g")->state, GroupState::kEmpty);
}

}  // namespace
}  // namespace kprogress
