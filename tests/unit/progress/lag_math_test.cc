#include "progress/lag_math.h"

#include <gtest/gtest.h>

namespace kprogress {
namespace {

TEST(PartitionLag, TableOfCases) {
  struct Case {
    int64_t committed, hw, want;
  } cases[] = {
      {0, 0, 0},
      {0, 10, 10},
      {9, 10, 1},
      {10, 10, 0},
      {12, 10, 0},  // committed past the high watermark (e.g. after truncation): never negative
      {0, INT64_MAX, INT64_MAX},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(partition_lag(Offset(c.committed), Offset(c.hw)), c.want)
        << "committed=" << c.committed << " hw=" << c.hw;
  }
}

TEST(PlanLastTimestamp, TableOfCases) {
  struct Case {
    int64_t committed, log_start;
    std::optional<int64_t> known;
  } cases[] = {
      {0, 0, kNothingConsumed},   // consumed nothing
      {-1, 0, kNothingConsumed},  // defensive: never a negative commit in the answer
      {5, 5, kTimestampUnknown},  // consumed records all removed by retention
      {3, 5, kTimestampUnknown},  // committed below the log start
      {6, 5, std::nullopt},       // record 5 still there: read it
      {1, 0, std::nullopt},
  };
  for (const auto& c : cases) {
    auto plan = plan_last_timestamp(Offset(c.committed), Offset(c.log_start));
    EXPECT_EQ(plan.known, c.known) << "committed=" << c.committed << " log_start=" << c.log_start;
    if (!plan.known) {
      EXPECT_EQ(plan.search_from, Offset(c.log_start));
    }
  }
}

TEST(WidenSearch, DoublesTowardsTheFloor) {
  // committed 100, windows [99,100) -> [98,100) -> [96,100) -> [92,100) ... floor 90.
  EXPECT_EQ(widen_search(Offset(100), Offset(99), Offset(0)), Offset(98));
  EXPECT_EQ(widen_search(Offset(100), Offset(98), Offset(0)), Offset(96));
  EXPECT_EQ(widen_search(Offset(100), Offset(96), Offset(90)), Offset(92));
  EXPECT_EQ(widen_search(Offset(100), Offset(92), Offset(90)), Offset(90));
  EXPECT_EQ(widen_search(Offset(100), Offset(90), Offset(90)), std::nullopt);
}

PartitionProgress part(int32_t p, std::optional<int64_t> committed, int64_t lag, int64_t ts) {
  PartitionProgress out;
  out.tp = {"t", PartitionId(p)};
  if (committed) out.committed = Offset(*committed);
  out.lag = lag;
  out.last_timestamp = ts;
  return out;
}

TEST(Aggregate, SumsLagAndTakesNewestTimestampOverCommittedPartitions) {
  TopicProgress t;
  t.topic = "t";
  t.partitions = {part(2, 5, 3, 1000), part(0, 1, 4, 3000), part(1, std::nullopt, 0, -1),
                  part(3, 0, 7, kNothingConsumed)};
  aggregate(t);
  EXPECT_EQ(t.total_lag, 14);
  EXPECT_EQ(t.last_timestamp, 3000);
  ASSERT_EQ(t.partitions.size(), 4u);
  EXPECT_EQ(t.partitions[0].tp.partition.value(), 0);
  EXPECT_EQ(t.partitions[3].tp.partition.value(), 3);
}

TEST(Aggregate, UnknownTimestampsOnlyGiveUnknown) {
  TopicProgress t;
  t.partitions = {part(0, 5, 1, kTimestampUnknown), part(1, 5, 1, kTimestampUnknown)};
  aggregate(t);
  EXPECT_EQ(t.last_timestamp, kTimestampUnknown);
}

TEST(Aggregate, GroupOverTopicsSkipsTopicsWithoutCommits) {
  GroupProgress g;
  TopicProgress a, b, c;
  a.topic = "b-topic";
  a.partitions = {part(0, 5, 2, 500)};
  b.topic = "a-topic";
  b.partitions = {part(0, 5, 3, 700)};
  c.topic = "c-topic";
  c.partitions = {part(0, std::nullopt, 0, kTimestampUnknown)};
  g.topics = {a, b, c};
  aggregate(g);
  EXPECT_EQ(g.total_lag, 5);
  EXPECT_EQ(g.last_timestamp, 700);
  EXPECT_EQ(g.topics[0].topic, "a-topic");
}

TEST(Aggregate, GroupWithoutCommitsHasConsumedNothing) {
  GroupProgress g;
  aggregate(g);
  EXPECT_EQ(g.total_lag, 0);
  EXPECT_EQ(g.last_timestamp, kNothingConsumed);
}

}  // namespace
}  // namespace kprogress
