// The collector over a real Kafka: lag in seconds is exact (the age of the oldest unconsumed
// record, from timestamps the test produced), the lag equals kafka-consumer-groups', and a
// cycle's Kafka calls do not grow with partitions.
#include "progress/collector.h"

#include <gtest/gtest.h>

#include "kafka/rdkafka/rdkafka_client.h"
#include "kafka_tool.h"
#include "test_cluster.h"

namespace kprogress {
namespace {

using testing::ProducedRecord;
using testing::TestCluster;

// A wall clock the test sets, so that "now - record timestamp" has an exact expected value.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(int64_t now) : now_(now) {}
  int64_t now_ms() const override { return now_; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  void advance(int64_t ms) { now_ += ms; }

 private:
  int64_t now_;
};

TEST(CollectorIntegration, LagSecondsIsTheAgeOfTheOldestUnconsumedRecord) {
  TestCluster cluster;
  const std::string topic = TestCluster::unique_name("lagsec");
  const std::string group = TestCluster::unique_name("g");
  cluster.create_topic(topic, 2);
  // Recent timestamps (older ones would be deleted by the broker's retention).
  const int64_t t0 = SystemClock::instance().now_ms() - 600000;
  std::vector<ProducedRecord> recs;
  for (int i = 0; i < 10; ++i) recs.push_back({0, "k", "v", t0 + i * 1000});  // p0: t0, t0+1s, ...
  for (int i = 0; i < 3; ++i) recs.push_back({1, "k", "v", t0 + i});
  cluster.produce(topic, recs);
  cluster.commit_offsets(group, {{{topic, 0}, 4}, {{topic, 1}, 3}});  // p0 lags 6, p1 none

  RdKafkaOptions o;
  o.bootstrap_servers = TestCluster::bootstrap();
  o.reader_name = "collector-it";
  auto kafka = RdKafkaClient::create(o);
  ASSERT_TRUE(kafka.ok()) << kafka.error().message;
  const int64_t now = t0 + 3600000;  // an hour after the first record
  FixedClock clock(now);
  CollectorOptions options;
  options.include = {group};
  auto collector = Collector::create("it", **kafka, clock, options);
  ASSERT_TRUE(collector.ok());
  (*collector)->run_cycle();
  auto snapshot = (*collector)->snapshot();
  ASSERT_FALSE(snapshot->last_cycle.error.has_value()) << *snapshot->last_cycle.error;
  const GroupSnapshot* g = snapshot->find(group);
  ASSERT_NE(g, nullptr);
  const PartitionSnapshot& p0 = g->partitions.at({topic, PartitionId(0)});
  const PartitionSnapshot& p1 = g->partitions.at({topic, PartitionId(1)});
  // The oldest record not yet consumed on p0 is offset 4, produced at t0 + 4 s.
  ASSERT_TRUE(p0.lag_seconds.has_value());
  EXPECT_DOUBLE_EQ(*p0.lag_seconds, (now - (t0 + 4000)) / 1000.0);
  ASSERT_TRUE(p1.lag_seconds.has_value());
  EXPECT_EQ(*p1.lag_seconds, 0.0);
  EXPECT_DOUBLE_EQ(*g->max_lag_seconds, *p0.lag_seconds);
  EXPECT_EQ(p0.progress.last_timestamp, t0 + 3000);  // record 3, the last consumed

  // The oracle agrees on offsets and lag.
  for (const auto& row : testing::describe_group_with_tool(TestCluster::bootstrap(), group)) {
    const PartitionSnapshot& p = g->partitions.at({row.topic, PartitionId(row.partition)});
    ASSERT_TRUE(row.current_offset && row.log_end_offset && row.lag);
    EXPECT_EQ(p.progress.committed->value(), *row.current_offset);
    EXPECT_EQ(p.progress.high_watermark.value(), *row.log_end_offset);
    EXPECT_EQ(p.progress.lag, *row.lag);
  }

  // Unchanged commits: the next cycle reads no record, and asks Kafka the same few things.
  const uint64_t first_calls = snapshot->last_cycle.kafka_calls;
  (*collector)->run_cycle();
  EXPECT_EQ((*collector)->snapshot()->last_cycle.record_reads, 0u);
  EXPECT_LE((*collector)->snapshot()->last_cycle.kafka_calls, first_calls);
}

// STOP against STALL on real groups: a group whose consumer is gone (Empty, commits made without
// joining) and a group whose live member consumes but never commits, both stuck with lag.
TEST(CollectorIntegration, AGroupWithoutMembersIsStopALiveStuckMemberIsStall) {
  TestCluster cluster;
  const std::string topic = TestCluster::unique_name("stop");
  const std::string dead = TestCluster::unique_name("dead");
  const std::string stuck = TestCluster::unique_name("stuck");
  cluster.create_topic(topic, 1);
  const int64_t t0 = SystemClock::instance().now_ms() - 60000;
  std::vector<ProducedRecord> recs;
  for (int i = 0; i < 10; ++i) recs.push_back({0, "k", "v", t0 + i});
  cluster.produce(topic, recs);
  cluster.commit_offsets(dead, {{{topic, 0}, 3}});
  cluster.commit_offsets(stuck, {{{topic, 0}, 5}});
  auto member = cluster.start_consumer(stuck, {topic}, "stuck-client");  // never commits
  ASSERT_TRUE(member->wait_assigned(1));

  RdKafkaOptions o;
  o.bootstrap_servers = TestCluster::bootstrap();
  o.reader_name = "collector-stop-it";
  auto kafka = RdKafkaClient::create(o);
  ASSERT_TRUE(kafka.ok()) << kafka.error().message;
  FixedClock clock(SystemClock::instance().now_ms());
  CollectorOptions options;
  options.include = {dead, stuck};
  options.evaluation.window_samples = 2;  // one cycle apart: spans 10 s of the test's clock
  options.evaluation.min_samples = 2;
  auto collector = Collector::create("it", **kafka, clock, options);
  ASSERT_TRUE(collector.ok());
  for (int i = 0; i < 3; ++i) {  // the third cycle's window no longer reaches the first sight
    (*collector)->run_cycle();
    clock.advance(10000);
  }
  auto snapshot = (*collector)->snapshot();
  ASSERT_FALSE(snapshot->last_cycle.error.has_value()) << *snapshot->last_cycle.error;
  const GroupSnapshot* d = snapshot->find(dead);
  const GroupSnapshot* s = snapshot->find(stuck);
  ASSERT_TRUE(d && s);
  EXPECT_EQ(d->state, GroupState::kEmpty);
  EXPECT_EQ(s->state, GroupState::kStable);
  const PartitionSnapshot& dp = d->partitions.at({topic, PartitionId(0)});
  const PartitionSnapshot& sp = s->partitions.at({topic, PartitionId(0)});
  EXPECT_EQ(dp.progress.lag, 7);
  EXPECT_EQ(sp.progress.lag, 5);
  EXPECT_FALSE(sp.progress.member_id().empty());
  EXPECT_EQ(status_name(dp.evaluation.status), "STOP");
  EXPECT_EQ(status_name(sp.evaluation.status), "STALL");
  EXPECT_EQ(status_name(d->evaluation.status), "ERR");
  EXPECT_EQ(status_name(s->evaluation.status), "ERR");
  member->stop();
}

}  // namespace
}  // namespace kprogress
