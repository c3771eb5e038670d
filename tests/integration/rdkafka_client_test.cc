// RdKafkaClient against a real Kafka, checked against kafka-consumer-groups (the oracle) and
// against what the tests themselves wrote.
#include "kafka/rdkafka/rdkafka_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "kafka/wire/wire_client.h"
#include "kafka_tool.h"
#include "test_cluster.h"
#include "wait.h"

namespace kprogress {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing_support_rows = std::vector<testing::GroupToolRow>;
using testing::ProducedRecord;
using testing::TestCluster;

Deadline ten_seconds() { return Deadline::after(seconds(10)); }

// Record timestamps for the tests: an hour ago plus `i` ms. Recent on purpose: the broker's
// retention (7 days by default) deletes records whose timestamps are older at its next check.
int64_t recent_ms(int64_t i) {
  static const int64_t base = SystemClock::instance().now_ms() - 3600 * 1000;
  return base + i;
}

TopicPartition tp(const std::string& topic, int32_t p) { return {topic, PartitionId(p)}; }

std::map<TopicPartition, testing::GroupToolRow> by_partition(const testing_support_rows& rows) {
  std::map<TopicPartition, testing::GroupToolRow> out;
  for (const auto& r : rows) out[tp(r.topic, r.partition)] = r;
  return out;
}

std::vector<ProducedRecord> records(int32_t partition, int n, const std::string& prefix = "v") {
  std::vector<ProducedRecord> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({partition, prefix + "-k" + std::to_string(i), prefix + std::to_string(i), {}});
  }
  return out;
}

class RdKafkaClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RdKafkaOptions options;
    options.bootstrap_servers = TestCluster::bootstrap();
    options.client_id = "kprogress-it";
    options.reader_name = TestCluster::unique_name("it");
    auto created = RdKafkaClient::create(options);
    ASSERT_TRUE(created.ok()) << created.error().message;
    client_ = std::move(*created);
  }

  // The client's committed offsets as a map, asserting success.
  std::map<TopicPartition, int64_t> committed(const std::string& group) {
    auto r = client_->committed_offsets(group, ten_seconds());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    std::map<TopicPartition, int64_t> out;
    if (r.ok()) {
      for (const auto& c : *r) out[c.tp] = c.offset.value();
    }
    return out;
  }

  std::map<TopicPartition, Watermarks> marks(const std::vector<TopicPartition>& tps) {
    auto r = client_->watermarks(tps, ten_seconds());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    std::map<TopicPartition, Watermarks> out;
    if (r.ok()) {
      for (const auto& w : *r) out[w.tp] = w;
    }
    return out;
  }

  RecordRangeResult newest(const TopicPartition& p, int64_t from, int64_t until) {
    auto r = client_->newest_records({{p, Offset(from), Offset(until)}}, ten_seconds());
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->size(), 1u);
    return r->front();
  }

  TestCluster cluster_;
  std::unique_ptr<KafkaClient> client_;
};

// Committed offsets and high watermarks are the CURRENT-OFFSET and LOG-END-OFFSET of
// kafka-consumer-groups, also while a transaction is open (HW, not the last stable offset).
TEST_F(RdKafkaClientTest, CommittedOffsetsAndWatermarksMatchKafkaConsumerGroups) {
  const std::string topic = TestCluster::unique_name("kp-offsets");
  const std::string group = TestCluster::unique_name("kp-group");
  cluster_.create_topic(topic, 3);
  cluster_.produce(topic, records(0, 5));
  cluster_.produce(topic, records(1, 3));
  cluster_.commit_offsets(group, {{{topic, 0}, 2}, {{topic, 1}, 3}});
  auto open = cluster_.begin_transaction();
  open->produce(topic, records(0, 2, "open"));

  const auto got = committed(group);
  EXPECT_EQ(got, (std::map<TopicPartition, int64_t>{{tp(topic, 0), 2}, {tp(topic, 1), 3}}));
  const auto wm = marks({tp(topic, 0), tp(topic, 1), tp(topic, 2)});
  ASSERT_EQ(wm.size(), 3u);
  EXPECT_EQ(wm.at(tp(topic, 0)).high_watermark.value(), 7);  // 5 + 2 not yet committed
  EXPECT_EQ(wm.at(tp(topic, 1)).high_watermark.value(), 3);
  EXPECT_EQ(wm.at(tp(topic, 2)).high_watermark.value(), 0);
  EXPECT_EQ(wm.at(tp(topic, 0)).log_start.value(), 0);

  const auto rows =
      by_partition(testing::describe_group_with_tool(TestCluster::bootstrap(), group));
  ASSERT_EQ(rows.size(), got.size());
  for (const auto& [p, offset] : got) {
    ASSERT_TRUE(rows.count(p)) << p.to_string();
    EXPECT_EQ(rows.at(p).current_offset, offset) << p.to_string();
    EXPECT_EQ(rows.at(p).log_end_offset, wm.at(p).high_watermark.value()) << p.to_string();
    EXPECT_EQ(rows.at(p).lag, wm.at(p).high_watermark.value() - offset) << p.to_string();
  }
  open->abort();

  auto groups = client_->list_groups(ten_seconds());
  ASSERT_TRUE(groups.ok()) << groups.error().message;
  EXPECT_EQ(std::count_if(groups->begin(), groups->end(),
                          [&](const GroupListing& g) { return g.group_id == group; }),
            1);
}

// A transactional producer's commit marker sits at committed-1: the newest data record below
// the committed offset is the one before the marker, and the marker alone is no record.
TEST_F(RdKafkaClientTest, TransactionMarkerAtCommittedMinusOne) {
  const std::string topic = TestCluster::unique_name("kp-txn");
  const std::string group = TestCluster::unique_name("kp-group");
  cluster_.create_topic(topic, 1);
  std::vector<ProducedRecord> batch = records(0, 3);
  for (size_t i = 0; i < batch.size(); ++i) batch[i].timestamp_ms = recent_ms(1000 * i);
  const auto offsets = cluster_.produce_transaction(topic, batch, /*commit=*/true);
  ASSERT_EQ(offsets, (std::vector<int64_t>{0, 1, 2}));  // the marker is offset 3
  cluster_.commit_offsets(group, {{{topic, 0}, 4}});    // past the marker, as a consumer commits

  // commit_transaction returns before the coordinator has written the marker to the partition.
  EXPECT_TRUE(testing::wait_until(
      [&] { return marks({tp(topic, 0)}).at(tp(topic, 0)).high_watermark.value() == 4; },
      seconds(10)));
  const auto rows =
      by_partition(testing::describe_group_with_tool(TestCluster::bootstrap(), group));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.at(tp(topic, 0)).current_offset, 4);
  EXPECT_EQ(rows.at(tp(topic, 0)).log_end_offset, 4);
  EXPECT_EQ(committed(group).at(tp(topic, 0)), 4);

  const auto marker_only = newest(tp(topic, 0), 3, 4);
  EXPECT_FALSE(marker_only.error.has_value()) << marker_only.error->message;
  EXPECT_FALSE(marker_only.record.has_value());

  const auto walked_back = newest(tp(topic, 0), 0, 4);
  ASSERT_FALSE(walked_back.error.has_value()) << walked_back.error->message;
  ASSERT_TRUE(walked_back.record.has_value());
  EXPECT_EQ(walked_back.record->offset.value(), 2);
  EXPECT_EQ(walked_back.record->timestamp.value(), recent_ms(2000));

  // An aborted transaction's records are data records under read_uncommitted; its marker is not.
  const auto aborted = cluster_.produce_transaction(topic, records(0, 2, "ab"), /*commit=*/false);
  ASSERT_EQ(aborted, (std::vector<int64_t>{4, 5}));  // abort marker at 6
  EXPECT_TRUE(testing::wait_until(
      [&] { return marks({tp(topic, 0)}).at(tp(topic, 0)).high_watermark.value() == 7; },
      seconds(10)));
  const auto after_abort = newest(tp(topic, 0), 6, 7);
  EXPECT_FALSE(after_abort.error.has_value());
  EXPECT_FALSE(after_abort.record.has_value());
}

// Compaction removed the record at committed-1: the newest record that still exists is returned.
TEST_F(RdKafkaClientTest, CompactedRecordAtCommittedMinusOne) {
  const std::string topic = TestCluster::unique_name("kp-compact");
  cluster_.create_topic(topic, 1, 1,
                        {{"cleanup.policy", "compact"},
                         {"segment.ms", "100"},
                         {"min.cleanable.dirty.ratio", "0.01"},
                         {"delete.retention.ms", "100"}});
  // a@0, b@1, b@2, c@3: compaction drops offset 1 (b was written again at 2).
  std::vector<ProducedRecord> batch = {{0, "a", "a0", recent_ms(0)},
                                       {0, "b", "b1", recent_ms(1000)},
                                       {0, "b", "b2", recent_ms(2000)},
                                       {0, "c", "c3", recent_ms(3000)}};
  ASSERT_EQ(cluster_.produce(topic, batch), (std::vector<int64_t>{0, 1, 2, 3}));
  // Only closed segments are compacted: keep appending (each append after segment.ms rolls the
  // segment) until offset 1 is gone.
  int filler = 0;
  const bool compacted = testing::wait_until(
      [&] {
        cluster_.produce(topic, {{0, "filler", "f" + std::to_string(filler++), {}}});
        for (const auto& r : cluster_.read_all(topic, 0)) {
          if (r.offset == 1) return false;
        }
        return true;
      },
      seconds(90), milliseconds(300));
  ASSERT_TRUE(compacted) << "offset 1 of " << topic << " was not compacted away";

  const auto gone = newest(tp(topic, 0), 1, 2);  // [committed-1, committed) with committed = 2
  EXPECT_FALSE(gone.error.has_value()) << gone.error->message;
  EXPECT_FALSE(gone.record.has_value());
  const auto walked_back = newest(tp(topic, 0), 0, 2);
  ASSERT_FALSE(walked_back.error.has_value()) << walked_back.error->message;
  ASSERT_TRUE(walked_back.record.has_value());
  EXPECT_EQ(walked_back.record->offset.value(), 0);
  EXPECT_EQ(walked_back.record->timestamp.value(), recent_ms(0));
  // The record after the hole is still there.
  const auto next = newest(tp(topic, 0), 1, 3);
  ASSERT_TRUE(next.record.has_value());
  EXPECT_EQ(next.record->offset.value(), 2);
}

// DeleteRecords moved the log start past the committed offset: the record below it is gone
// (kNotFound, "removed by retention"), and the numbers still match the oracle.
TEST_F(RdKafkaClientTest, DeleteRecordsMovesLogStartPastCommitted) {
  const std::string topic = TestCluster::unique_name("kp-deleted");
  const std::string group = TestCluster::unique_name("kp-group");
  cluster_.create_topic(topic, 1);
  cluster_.produce(topic, records(0, 10));
  cluster_.commit_offsets(group, {{{topic, 0}, 5}});
  EXPECT_EQ(cluster_.delete_records(topic, 0, 7), 7);

  const auto wm = marks({tp(topic, 0)});
  EXPECT_EQ(wm.at(tp(topic, 0)).log_start.value(), 7);
  EXPECT_EQ(wm.at(tp(topic, 0)).high_watermark.value(), 10);
  const auto rows =
      by_partition(testing::describe_group_with_tool(TestCluster::bootstrap(), group));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.at(tp(topic, 0)).current_offset, 5);
  EXPECT_EQ(rows.at(tp(topic, 0)).log_end_offset, 10);
  EXPECT_EQ(rows.at(tp(topic, 0)).lag, 5);
  EXPECT_EQ(committed(group).at(tp(topic, 0)), 5);

  const auto removed = newest(tp(topic, 0), 4, 5);
  ASSERT_TRUE(removed.error.has_value());
  EXPECT_EQ(removed.error->code, ErrorCode::kNotFound) << removed.error->message;
  EXPECT_NE(removed.error->message.find("retention"), std::string::npos) << removed.error->message;
  EXPECT_FALSE(removed.record.has_value());

  const auto kept = newest(tp(topic, 0), 7, 10);
  ASSERT_FALSE(kept.error.has_value()) << kept.error->message;
  EXPECT_EQ(kept.record->offset.value(), 9);

  // Past the high watermark nothing was written: an empty answer, not an error.
  const auto beyond = newest(tp(topic, 0), 10, 15);
  EXPECT_FALSE(beyond.error.has_value()) << beyond.error->message;
  EXPECT_FALSE(beyond.record.has_value());
}

// Records produced with known timestamps come back with those timestamps, several partitions in
// one call, in the order of the queries.
TEST_F(RdKafkaClientTest, RecordTimestampsComeBack) {
  const std::string topic = TestCluster::unique_name("kp-ts");
  cluster_.create_topic(topic, 2);
  const int64_t base = recent_ms(0);
  std::vector<ProducedRecord> batch;
  for (int i = 0; i < 6; ++i) {
    batch.push_back({i % 2, "k" + std::to_string(i), "v" + std::to_string(i), base + 1111 * i});
  }
  const auto offsets = cluster_.produce(topic, batch);
  std::vector<RecordRangeQuery> queries;
  for (size_t i = 0; i < batch.size(); ++i) {
    queries.push_back({tp(topic, batch[i].partition), Offset(offsets[i]), Offset(offsets[i] + 1)});
  }
  auto got = client_->newest_records(queries, ten_seconds());
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto& r = (*got)[i];
    EXPECT_EQ(r.tp, queries[i].tp);
    ASSERT_FALSE(r.error.has_value()) << r.error->message;
    ASSERT_TRUE(r.record.has_value()) << i;
    EXPECT_EQ(r.record->offset.value(), offsets[i]);
    EXPECT_EQ(r.record->timestamp.value(), *batch[i].timestamp_ms);
  }
}

// A live member: describe_groups names it with the client id, host and assignment that
// kafka-consumer-groups shows.
TEST_F(RdKafkaClientTest, DescribeGroupWithLiveConsumer) {
  const std::string topic = TestCluster::unique_name("kp-live");
  const std::string group = TestCluster::unique_name("kp-group");
  const std::string client_id = TestCluster::unique_name("kp-member");
  cluster_.create_topic(topic, 2);
  cluster_.produce(topic, records(0, 3));
  auto member = cluster_.start_consumer(group, {topic}, client_id);
  ASSERT_TRUE(member->wait_assigned(2));

  GroupDescription described;
  const bool stable = testing::wait_until(
      [&] {
        auto r = client_->describe_groups({group}, ten_seconds());
        if (!r.ok() || r->size() != 1) return false;
        described = r->front();
        return described.state == GroupState::kStable && described.members.size() == 1;
      },
      seconds(30));
  ASSERT_TRUE(stable) << "state " << group_state_name(described.state);
  EXPECT_EQ(described.group_id, group);
  EXPECT_FALSE(described.is_simple);
  EXPECT_EQ(described.partition_assignor, "range");
  EXPECT_GE(described.coordinator_id, 0);
  const GroupMember& m = described.members.front();
  EXPECT_EQ(m.client_id, client_id);
  EXPECT_EQ(m.host, "/127.0.0.1");
  auto assignment = m.assignment;
  std::sort(assignment.begin(), assignment.end());
  EXPECT_EQ(assignment, (std::vector<TopicPartition>{tp(topic, 0), tp(topic, 1)}));

  const auto rows =
      by_partition(testing::describe_group_with_tool(TestCluster::bootstrap(), group));
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& [p, row] : rows) {
    EXPECT_EQ(row.consumer_id, m.member_id) << p.to_string();
    EXPECT_EQ(row.host, m.host) << p.to_string();
    EXPECT_EQ(row.client_id, client_id) << p.to_string();
    EXPECT_FALSE(row.current_offset.has_value());  // the member never committed
  }
  member->stop();

  // After the member left, the group is Empty and has no members.
  const bool empty = testing::wait_until(
      [&] {
        auto r = client_->describe_groups({group}, ten_seconds());
        return r.ok() && r->size() == 1 && r->front().state == GroupState::kEmpty &&
               r->front().members.empty();
      },
      seconds(30));
  EXPECT_TRUE(empty);
}

// kprogress's own OffsetFetch (src/kafka/wire, used for large groups) answers what librdkafka's
// admin call answers, and what kafka-consumer-groups shows: two topics, a partition without a
// commit, a group that does not exist.
TEST_F(RdKafkaClientTest, OwnRequestsAgreeWithLibrdkafkaAndTheOracle) {
  const std::string a = TestCluster::unique_name("kp-own-a");
  const std::string b = TestCluster::unique_name("kp-own-b");
  const std::string group = TestCluster::unique_name("kp-own");
  cluster_.create_topic(a, 3);
  cluster_.create_topic(b, 2);
  cluster_.produce(a, records(0, 4));
  cluster_.produce(a, records(2, 6));
  cluster_.produce(b, records(1, 3));
  cluster_.commit_offsets(group, {{{a, 0}, 4}, {{a, 2}, 1}, {{b, 1}, 3}});

  RdKafkaOptions options;
  options.bootstrap_servers = TestCluster::bootstrap();
  options.reader_name = TestCluster::unique_name("it-own");
  options.own_requests_min_partitions = 0;  // every group
  auto own_client = RdKafkaClient::create(options);
  ASSERT_TRUE(own_client.ok()) << own_client.error().message;
  auto own = (*own_client)->committed_offsets(group, ten_seconds());
  ASSERT_TRUE(own.ok()) << own.error().message;
  auto theirs = client_->committed_offsets(group, ten_seconds());  // librdkafka: a small group
  ASSERT_TRUE(theirs.ok()) << theirs.error().message;

  ASSERT_EQ(own->size(), 3u);
  ASSERT_EQ(own->size(), theirs->size());
  for (size_t i = 0; i < own->size(); ++i) {
    EXPECT_EQ((*own)[i].tp, (*theirs)[i].tp);
    EXPECT_EQ((*own)[i].offset, (*theirs)[i].offset) << (*own)[i].tp.to_string();
    EXPECT_EQ((*own)[i].metadata, (*theirs)[i].metadata) << (*own)[i].tp.to_string();
  }
  const auto rows =
      by_partition(testing::describe_group_with_tool(TestCluster::bootstrap(), group));
  for (const auto& c : *own) {
    ASSERT_TRUE(rows.count(c.tp)) << c.tp.to_string();
    EXPECT_EQ(rows.at(c.tp).current_offset, c.offset.value()) << c.tp.to_string();
  }
  // The same through the fetcher alone (the client above would fall back to librdkafka if it
  // failed, and still answer).
  auto brokers = wire::parse_bootstrap(TestCluster::bootstrap());
  ASSERT_TRUE(brokers.ok()) << brokers.error().message;
  wire::WireClient fetcher(*brokers, "kprogress-it");
  auto direct = fetcher.committed_offsets(group, ten_seconds());
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  ASSERT_EQ(direct->size(), theirs->size());
  for (size_t i = 0; i < direct->size(); ++i) {
    EXPECT_EQ((*direct)[i].tp, (*theirs)[i].tp);
    EXPECT_EQ((*direct)[i].offset, (*theirs)[i].offset) << (*direct)[i].tp.to_string();
  }
  // ListOffsets: the client's (through the fetcher's requests when it has Metadata) and the
  // fetcher's own, straight to the leader (the test cluster has one broker), against
  // librdkafka's, with a transaction open on a-0 (latest is the high watermark) and the log
  // start of b-1 moved by DeleteRecords.
  auto open = cluster_.begin_transaction();
  open->produce(a, records(0, 2, "open"));
  cluster_.delete_records(b, 1, 2);
  const std::vector<TopicPartition> all = {tp(a, 0), tp(a, 1), tp(a, 2), tp(b, 0), tp(b, 1)};
  auto their_marks = client_->watermarks(all, ten_seconds());
  ASSERT_TRUE(their_marks.ok()) << their_marks.error().message;
  ASSERT_TRUE((*own_client)->topics({a, b}, ten_seconds()).ok());
  auto own_marks = (*own_client)->watermarks(all, ten_seconds());
  ASSERT_TRUE(own_marks.ok()) << own_marks.error().message;
  std::vector<wire::TopicPartitions> wanted = {{a, {0, 1, 2}}, {b, {0, 1}}};
  auto listed_high = fetcher.list_offsets({{(*brokers)[0], wanted}}, wire::kLatest, ten_seconds());
  ASSERT_TRUE(listed_high.ok()) << listed_high.error().message;
  auto listed_low = fetcher.list_offsets({{(*brokers)[0], wanted}}, wire::kEarliest, ten_seconds());
  ASSERT_TRUE(listed_low.ok()) << listed_low.error().message;
  std::map<TopicPartition, std::pair<int64_t, int64_t>> listed;
  for (const auto& o : *listed_high) listed[tp(o.topic, o.partition)].second = o.offset;
  for (const auto& o : *listed_low) listed[tp(o.topic, o.partition)].first = o.offset;
  ASSERT_EQ(their_marks->size(), all.size());
  ASSERT_EQ(own_marks->size(), all.size());
  ASSERT_EQ(listed.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const Watermarks& w = (*their_marks)[i];
    EXPECT_EQ((*own_marks)[i].tp, w.tp);
    EXPECT_EQ((*own_marks)[i].high_watermark, w.high_watermark) << w.tp.to_string();
    EXPECT_EQ((*own_marks)[i].log_start, w.log_start) << w.tp.to_string();
    EXPECT_EQ(listed.at(w.tp).second, w.high_watermark.value()) << w.tp.to_string();
    EXPECT_EQ(listed.at(w.tp).first, w.log_start.value()) << w.tp.to_string();
  }
  EXPECT_EQ(listed.at(tp(a, 0)).second, 6);  // 4 + 2 not yet committed
  EXPECT_EQ(listed.at(tp(b, 1)).first, 2);
  open->abort();

  // The second call reuses the coordinator and the connection: same answer.
  auto again = (*own_client)->committed_offsets(group, ten_seconds());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->size(), own->size());

  auto nobody =
      (*own_client)->committed_offsets(TestCluster::unique_name("kp-own-nobody"), ten_seconds());
  ASSERT_TRUE(nobody.ok()) << nobody.error().message;
  EXPECT_TRUE(nobody->empty());
}

// The fetcher's every step has a deadline: a port where nothing listens fails at once, a
// "broker" that accepts the connection but never answers fails when the time is up.
TEST(OwnRequests, UnreachableOrSilentBrokersFailInTime) {
  auto closed = wire::parse_bootstrap("127.0.0.1:1");
  ASSERT_TRUE(closed.ok());
  auto refused =
      wire::WireClient(*closed, "it").committed_offsets("g", Deadline::after(seconds(5)));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << refused.error().message;
  EXPECT_NE(refused.error().message.find("127.0.0.1:1"), std::string::npos)
      << refused.error().message;

  // A listening socket that is never accepted from: the kernel completes the connection.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto silent = wire::parse_bootstrap("127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  ASSERT_TRUE(silent.ok());
  const auto start = std::chrono::steady_clock::now();
  auto timed_out =
      wire::WireClient(*silent, "it").committed_offsets("g", Deadline::after(milliseconds(300)));
  const auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().code, ErrorCode::kDeadlineExceeded) << timed_out.error().message;
  EXPECT_NE(timed_out.error().message.find("did not answer in time"), std::string::npos)
      << timed_out.error().message;
  EXPECT_GE(took, milliseconds(300));
}

// A group that does not exist: no commits, described as Dead; the oracle agrees it is absent.
TEST_F(RdKafkaClientTest, UnknownGroup) {
  const std::string group = TestCluster::unique_name("kp-nobody");
  auto offsets = client_->committed_offsets(group, ten_seconds());
  ASSERT_TRUE(offsets.ok()) << offsets.error().message;
  EXPECT_TRUE(offsets->empty());
  auto described = client_->describe_groups({group}, ten_seconds());
  ASSERT_TRUE(described.ok()) << described.error().message;
  ASSERT_EQ(described->size(), 1u);
  EXPECT_EQ(described->front().state, GroupState::kDead);
  EXPECT_TRUE(described->front().members.empty());
  bool missing = false;
  EXPECT_TRUE(testing::describe_group_with_tool(TestCluster::bootstrap(), group, &missing).empty());
  EXPECT_TRUE(missing);
}

// Topics: partition counts; a topic that does not exist is left out. Watermarks of a partition
// that does not exist are an error naming it; reading one is kNotFound for that query only.
TEST_F(RdKafkaClientTest, TopicsAndMissingPartitions) {
  const std::string topic = TestCluster::unique_name("kp-topics");
  cluster_.create_topic(topic, 4);
  const std::string missing = TestCluster::unique_name("kp-missing");
  auto topics = client_->topics({topic, missing}, ten_seconds());
  ASSERT_TRUE(topics.ok()) << topics.error().message;
  ASSERT_EQ(topics->size(), 1u);
  EXPECT_EQ(topics->front().topic, topic);
  EXPECT_EQ(topics->front().partition_count, 4);

  auto wm = client_->watermarks({tp(topic, 0), tp(topic, 9), tp(topic, 1)}, ten_seconds());
  ASSERT_FALSE(wm.ok());
  EXPECT_NE(wm.error().message.find(topic + "-9"), std::string::npos) << wm.error().message;
  EXPECT_EQ(wm.error().message.find(topic + "-0"), std::string::npos) << wm.error().message;
  std::printf("watermarks of a missing partition: %s (%s)\n", wm.error().message.c_str(),
              std::string(error_code_name(wm.error().code)).c_str());

  // Reading a missing topic or partition is answered at once, not at the deadline.
  const auto t0 = std::chrono::steady_clock::now();
  auto got = client_->newest_records({{tp(missing, 0), Offset(0), Offset(1)},
                                      {tp(topic, 9), Offset(0), Offset(1)},
                                      {tp(topic, 1), Offset(0), Offset(1)}},
                                     ten_seconds());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, seconds(5));
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  ASSERT_TRUE((*got)[0].error.has_value());
  EXPECT_EQ((*got)[0].error->code, ErrorCode::kNotFound) << (*got)[0].error->message;
  ASSERT_TRUE((*got)[1].error.has_value());
  EXPECT_EQ((*got)[1].error->code, ErrorCode::kNotFound) << (*got)[1].error->message;
  EXPECT_FALSE((*got)[2].error.has_value()) << (*got)[2].error->message;  // empty partition
  EXPECT_FALSE((*got)[2].record.has_value());
}

// 200 partitions: watermarks in one call, equal to the oracle's LOG-END-OFFSET for each; the
// newest records of all 200 in one call.
TEST_F(RdKafkaClientTest, TwoHundredPartitions) {
  const std::string topic = TestCluster::unique_name("kp-wide");
  const std::string group = TestCluster::unique_name("kp-group");
  constexpr int kPartitions = 200;
  cluster_.create_topic(topic, kPartitions);
  std::vector<ProducedRecord> batch;
  std::map<std::pair<std::string, int32_t>, int64_t> commits;
  for (int p = 0; p < kPartitions; ++p) {
    for (int i = 0; i < p % 4; ++i) {
      batch.push_back({p, "k", "v" + std::to_string(i), recent_ms(p * 10 + i)});
    }
    commits[{topic, p}] = 0;
  }
  cluster_.produce(topic, batch);
  cluster_.commit_offsets(group, commits);

  std::vector<TopicPartition> all;
  for (int p = 0; p < kPartitions; ++p) all.push_back(tp(topic, p));
  const auto started = std::chrono::steady_clock::now();
  auto wm = client_->watermarks(all, ten_seconds());
  const auto wm_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  ASSERT_TRUE(wm.ok()) << wm.error().message;
  ASSERT_EQ(wm->size(), static_cast<size_t>(kPartitions));
  const auto rows =
      by_partition(testing::describe_group_with_tool(TestCluster::bootstrap(), group));
  ASSERT_EQ(rows.size(), static_cast<size_t>(kPartitions));
  for (const auto& w : *wm) {
    EXPECT_EQ(w.high_watermark.value(), w.tp.partition.value() % 4) << w.tp.to_string();
    EXPECT_EQ(rows.at(w.tp).log_end_offset, w.high_watermark.value()) << w.tp.to_string();
  }

  std::vector<RecordRangeQuery> queries;
  for (int p = 0; p < kPartitions; ++p) queries.push_back({tp(topic, p), Offset(0), Offset(p % 4)});
  // The same ranges ending one further: every partition with records reads until its EOF.
  std::vector<RecordRangeQuery> to_end;
  for (int p = 0; p < kPartitions; ++p) to_end.push_back({tp(topic, p), Offset(0), Offset(100)});
  for (const auto* qs : {&queries, &to_end}) {
    const auto t0 = std::chrono::steady_clock::now();
    auto got = client_->newest_records(*qs, ten_seconds());
    const auto took =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), static_cast<size_t>(kPartitions));
    for (int p = 0; p < kPartitions; ++p) {
      const auto& r = (*got)[p];
      ASSERT_FALSE(r.error.has_value()) << r.error->message;
      if (p % 4 == 0) {
        EXPECT_FALSE(r.record.has_value()) << p;
      } else {
        ASSERT_TRUE(r.record.has_value()) << p;
        EXPECT_EQ(r.record->offset.value(), p % 4 - 1);
        EXPECT_EQ(r.record->timestamp.value(), recent_ms(p * 10 + p % 4 - 1));
      }
    }
    std::printf("newest_records for %d partitions (%s): %lld ms\n", kPartitions,
                qs == &queries ? "until the committed offset" : "until EOF",
                static_cast<long long>(took.count()));
  }
  std::printf("watermarks for %d partitions: %lld ms\n", kPartitions,
              static_cast<long long>(wm_ms.count()));
}

// Several threads at once on one client: every answer is complete and right.
TEST_F(RdKafkaClientTest, ConcurrentCalls) {
  const std::string topic = TestCluster::unique_name("kp-conc");
  const std::string group = TestCluster::unique_name("kp-group");
  cluster_.create_topic(topic, 3);
  for (int p = 0; p < 3; ++p) cluster_.produce(topic, records(p, 4));
  cluster_.commit_offsets(group, {{{topic, 0}, 1}, {{topic, 1}, 2}, {{topic, 2}, 3}});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto c = client_->committed_offsets(group, ten_seconds());
        if (!c.ok() || c->size() != 3) ++failures;
        auto w = client_->watermarks({tp(topic, 0), tp(topic, 1), tp(topic, 2)}, ten_seconds());
        if (!w.ok() || w->size() != 3 || w->at(0).high_watermark.value() != 4) ++failures;
        const int32_t p = (t + i) % 3;
        auto r = client_->newest_records({{tp(topic, p), Offset(0), Offset(p + 1)}}, ten_seconds());
        if (!r.ok() || !r->front().record || r->front().record->offset.value() != p) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

// Nothing listens at 127.0.0.1:1: every call fails within its deadline, saying so.
TEST(RdKafkaClientUnreachable, ErrorsWithinTheDeadline) {
  RdKafkaOptions options;
  options.bootstrap_servers = "127.0.0.1:1";
  auto created = RdKafkaClient::create(options);
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& client = **created;
  const milliseconds budget(3000);
  const milliseconds slack(700);
  auto check = [&](const char* call, auto&& run) {
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<Error> error = run(Deadline::after(budget));
    const auto took =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
    ASSERT_TRUE(error.has_value()) << call << " succeeded";
    EXPECT_TRUE(error->code == ErrorCode::kUnavailable ||
                error->code == ErrorCode::kDeadlineExceeded)
        << call << ": " << error->message;
    EXPECT_LE(took, budget + slack) << call;
    EXPECT_NE(error->message.find("127.0.0.1:1"), std::string::npos)
        << call << ": " << error->message;
    std::printf("%s: %lld ms, %s: %s\n", call, static_cast<long long>(took.count()),
                std::string(error_code_name(error->code)).c_str(), error->message.c_str());
  };
  auto err_of = [](const auto& r) -> std::optional<Error> {
    if (r.ok()) return std::nullopt;
    return r.error();
  };
  // All at once, from several threads, as a server would call.
  std::vector<std::thread> calls;
  calls.emplace_back(
      [&] { check("list_groups", [&](Deadline d) { return err_of(client.list_groups(d)); }); });
  calls.emplace_back([&] {
    check("describe_groups", [&](Deadline d) { return err_of(client.describe_groups({"g"}, d)); });
  });
  calls.emplace_back([&] {
    check("committed_offsets",
          [&](Deadline d) { return err_of(client.committed_offsets("g", d)); });
  });
  calls.emplace_back([&] {
    check("watermarks", [&](Deadline d) { return err_of(client.watermarks({tp("t", 0)}, d)); });
  });
  calls.emplace_back(
      [&] { check("topics", [&](Deadline d) { return err_of(client.topics({"t"}, d)); }); });
  calls.emplace_back([&] {
    check("newest_records", [&](Deadline d) -> std::optional<Error> {
      auto r = client.newest_records({{tp("t", 0), Offset(0), Offset(1)}}, d);
      if (!r.ok()) return r.error();
      return r->front().error;
    });
  });
  for (auto& c : calls) c.join();
  const auto t0 = std::chrono::steady_clock::now();
  created = Error::internal("destroyed");  // the destructor must not hang either
  EXPECT_LE(std::chrono::steady_clock::now() - t0, seconds(5));
}

}  // namespace
}  // namespace kprogress
