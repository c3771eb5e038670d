#include "progress/progress_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "fake_kafka_client.h"

namespace kprogress {
namespace {

using testing::FakeKafkaClient;

// Polls `condition` for up to 5 s.
bool testing_wait(const std::function<bool()>& condition) {
  for (int i = 0; i < 500; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

class FixedClock final : public Clock {
 public:
  int64_t now_ms() const override { return 1700000000000; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
};

class ProgressServiceTest : public ::testing::Test {
 protected:
  Deadline deadline() { return Deadline::after(std::chrono::seconds(5)); }
  const PartitionProgress& find(const GroupProgress& g, const std::string& topic, int p) {
    for (const auto& t : g.topics)
      for (const auto& part : t.partitions)
        if (t.topic == topic && part.tp.partition.value() == p) return part;
    ADD_FAILURE() << "no " << topic << "-" << p;
    static PartitionProgress none;
    return none;
  }
  FakeKafkaClient kafka_;
  FixedClock clock_;
  ProgressService service_{kafka_, clock_};
};

TEST_F(ProgressServiceTest, LagAndLastTimestampPerPartition) {
  kafka_.create_topic("orders", 2);
  kafka_.produce("orders", 0, 10, 1000);  // offsets 0..9, ts 1000..1009
  kafka_.produce("orders", 1, 4, 2000);
  kafka_.commit("g", "orders", 0, 7);
  kafka_.commit("g", "orders", 1, 4);
  auto r = service_.group_progress("g", deadline());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(find(*r, "orders", 0).lag, 3);
  EXPECT_EQ(find(*r, "orders", 0).last_timestamp, 1006);  // record 6
  EXPECT_EQ(find(*r, "orders", 1).lag, 0);
  EXPECT_EQ(find(*r, "orders", 1).last_timestamp, 2003);
  EXPECT_EQ(r->total_lag, 3);
  EXPECT_EQ(r->last_timestamp, 2003);
  EXPECT_EQ(r->computed_at_ms, 1700000000000);
}

TEST_F(ProgressServiceTest, TransactionMarkerAtCommittedMinusOneIsSkipped) {
  kafka_.produce("tx", 0, 3, 100);  // 0,1,2
  kafka_.add_marker("tx", 0);       // 3
  kafka_.commit("g", "tx", 0, 4);
  auto r = service_.group_progress("g", deadline());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(find(*r, "tx", 0).last_timestamp, 102);
  EXPECT_EQ(find(*r, "tx", 0).last_record_offset, Offset(2));
}

TEST_F(ProgressServiceTest, CompactedRecordsWidenTheSearch) {
  auto& p = kafka_.partition("compact", 0);
  p.records = {{0, 10}, {1, 11}, {40, 50}, {41, 51}};  // 2..39 compacted away
  p.high_watermark = 100;                              // 42..99 compacted too
  kafka_.commit("g", "compact", 0, 39);
  auto r = service_.group_progress("g", deadline());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(find(*r, "compact", 0).last_timestamp, 11);
  EXPECT_EQ(find(*r, "compact", 0).last_record_offset, Offset(1));
  EXPECT_EQ(find(*r, "compact", 0).lag, 61);
}

TEST_F(ProgressServiceTest, NoDataRecordBelowCommitIsUnknown) {
  auto& p = kafka_.partition("markers", 0);
  p.records = {{0, 0, true}, {1, 0, true}};
  p.high_watermark = 2;
  kafka_.commit("g", "markers", 0, 2);
  auto r = service_.group_progress("g", deadline());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(find(*r, "markers", 0).last_timestamp, kTimestampUnknown);
}

TEST_F(ProgressServiceTest, RetentionAndCommitZero) {
  kafka_.produce("r", 0, 10, 100);
  kafka_.partition("r", 0).log_start = 8;  // DeleteRecords up to 8
  kafka_.produce("r", 1, 5, 100);
  kafka_.commit("g", "r", 0, 5);  // consumed records are gone
  kafka_.commit("g", "r", 1, 0);  // consumed nothing
  auto r = service_.group_progress("g", deadline());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(find(*r, "r", 0).last_timestamp, kTimestampUnknown);
  EXPECT_EQ(find(*r, "r", 0).lag, 5);
  EXPECT_EQ(find(*r, "r", 1).last_timestamp, kNothingConsumed);
  EXPECT_EQ(find(*r, "r", 1).lag, 5);
}

TEST_F(ProgressServiceTest, UncommittedPartitionsAreListedWithoutCommit) {
  kafka_.create_topic("t", 3);
  kafka_.produce("t", 0, 2, 1);
  kafka_.produce("t", 2, 9, 1);
  kafka_.commit("g", "t", 0, 2);
  auto r = service_.group_progress("g", deadline());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->topics.size(), 1u);
  ASSERT_EQ(r->topics[0].partitions.size(), 3u);
  EXPECT_FALSE(find(*r, "t", 2).has_commit());
  EXPECT_EQ(find(*r, "t", 2).lag, 0);  // no commit: never counted in a sum
  EXPECT_EQ(r->total_lag, 0);
}

TEST_F(ProgressServiceTest, AssignmentGivesOwnerWithoutLeadingSlash) {
  kafka_.produce("t", 0, 2, 1);
  kafka_.commit("g", "t", 0, 1);
  GroupMember m{"m-1", "client-a", "/10.0.0.7", "", {{"t", PartitionId(0)}}};
  kafka_.group("g").members = {m};
  kafka_.group("g").state = GroupState::kStable;
  auto r = service_.group_progress("g", deadline());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, GroupState::kStable);
  EXPECT_EQ(find(*r, "t", 0).client_id(), "client-a");
  EXPECT_EQ(find(*r, "t", 0).host(), "10.0.0.7");
  EXPECT_EQ(find(*r, "t", 0).member_id(), "m-1");
}

TEST_F(ProgressServiceTest, UnknownGroupIsNotFound) {
  auto r = service_.group_progress("nope", deadline());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST_F(ProgressServiceTest, ExistingGroupWithoutCommitsIsEmptySuccess) {
  kafka_.group("idle").state = GroupState::kEmpty;
  auto r = service_.group_progress("idle", deadline());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->topics.empty());
  EXPECT_EQ(r->total_lag, 0);
}

TEST_F(ProgressServiceTest, CommitsOnDeletedTopicAreMarked) {
  kafka_.commit("g", "gone", 0, 3);
  auto r = service_.group_progress("g", deadline());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->topics.size(), 1u);
  EXPECT_FALSE(r->topics[0].exists);
  EXPECT_EQ(r->total_lag, 0);
}

TEST_F(ProgressServiceTest, KafkaFailureIsAnErrorNotAPartialAnswer) {
  kafka_.produce("t", 0, 2, 1);
  kafka_.commit("g", "t", 0, 1);
  kafka_.fail_all = Error::unavailable("broker 1 is down");
  auto r = service_.group_progress("g", deadline());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("broker 1 is down"), std::string::npos);
}

TEST_F(ProgressServiceTest, TimestampsAreCachedByPartitionAndCommit) {
  kafka_.produce("t", 0, 5, 1);
  kafka_.commit("g", "t", 0, 3);
  ASSERT_TRUE(service_.group_progress("g", deadline()).ok());
  ASSERT_TRUE(service_.group_progress("g", deadline()).ok());
  EXPECT_EQ(kafka_.newest_records_calls, 1);
  kafka_.commit("g", "t", 0, 4);  // moved: one new read
  auto r = service_.group_progress("g", deadline());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(kafka_.newest_records_calls, 2);
  EXPECT_EQ(find(*r, "t", 0).last_timestamp, 4);
}

TEST_F(ProgressServiceTest, HiddenTimestampsReadNoRecords) {
  kafka_.produce("t", 0, 5, 1);
  kafka_.commit("g", "t", 0, 3);
  auto r = service_.group_progress("g", deadline(), {.want_last_timestamp = false});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(kafka_.newest_records_calls, 0);
}

TEST_F(ProgressServiceTest, ConcurrentIdenticalRequestsShareOneQuery) {
  kafka_.produce("t", 0, 5, 1);
  kafka_.commit("g", "t", 0, 3);
  std::promise<void> entered, release;
  auto release_future = release.get_future().share();
  std::atomic<int> calls{0};
  kafka_.on_committed_offsets = [&] {
    if (calls++ == 0) {
      entered.set_value();
      release_future.wait();
    }
  };
  auto first =
      std::async(std::launch::async, [&] { return service_.group_progress("g", deadline()); });
  entered.get_future().wait();  // the first query is in flight
  auto second =
      std::async(std::launch::async, [&] { return service_.group_progress("g", deadline()); });
  // The second caller registers as a follower before the first finishes: wait for it.
  ASSERT_TRUE(testing_wait([&] { return service_.queries_shared() == 1; }));
  release.set_value();
  auto a = first.get();
  auto b = second.get();
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->total_lag, b->total_lag);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(service_.queries_started(), 1u);
  // Once finished, the next request asks Kafka again (fresh by default).
  ASSERT_TRUE(service_.group_progress("g", deadline()).ok());
  EXPECT_EQ(service_.queries_started(), 2u);
}

TEST_F(ProgressServiceTest, OldestUnconsumedRecordForLagInSeconds) {
  kafka_.produce("t", 0, 3, 100);  // 0,1,2
  kafka_.add_marker("t", 0);       // 3
  kafka_.produce("t", 1, 4, 500);  // 0..3
  kafka_.commit("g", "t", 0, 3);   // only the marker left: no data record to consume
  kafka_.commit("g", "t", 1, 1);   // records 1..3 unconsumed; the oldest is 1 (ts 501)
  auto r = service_.group_progress("g", deadline());
  ASSERT_TRUE(r.ok());
  std::vector<PartitionProgress*> parts;
  for (auto& t : r->topics)
    for (auto& p : t.partitions) parts.push_back(&p);
  auto oldest = service_.records().oldest_unconsumed(parts, deadline());
  ASSERT_TRUE(oldest.ok());
  ASSERT_EQ(oldest->size(), 2u);
  for (const auto& o : *oldest) {
    if (o.partition->tp.partition.value() == 0) {
      EXPECT_FALSE(o.record.has_value());
    } else {
      ASSERT_TRUE(o.record.has_value());
      EXPECT_EQ(o.record->offset, Offset(1));
      EXPECT_EQ(o.record->timestamp, TimestampMs(501));
    }
  }
}

}  // namespace
}  // namespace kprogress
