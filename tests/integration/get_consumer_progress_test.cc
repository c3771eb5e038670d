// GetConsumerProgress over a real Kafka, end to end below HTTP: the alikafka API with the real
// librdkafka client, every scenario of DESIGN.md's "The numbers", each checked against Kafka's
// own kafka-consumer-groups on the same cluster (the oracle) and against the timestamps the test
// produced.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/alikafka/alikafka_api.h"
#include "kafka/rdkafka/rdkafka_client.h"
#include "kafka_tool.h"
#include "test_cluster.h"
#include "wait.h"

namespace kprogress {
namespace {

using json = nlohmann::json;
using testing::ProducedRecord;
using testing::TestCluster;

// Timestamps near now: the broker deletes records older than its retention (7 days) by time, so
// test data must not be dated in the past (an early version of these tests lost its records to
// retention within seconds).
int64_t recent(int64_t offset_ms) { return SystemClock::instance().now_ms() - 3600000 + offset_ms; }

// Records 0..n-1 with timestamps base+i.
std::vector<ProducedRecord> records(int partition, int n, int64_t base) {
  std::vector<ProducedRecord> out;
  for (int i = 0; i < n; ++i)
    out.push_back({partition, "k" + std::to_string(i), "v" + std::to_string(i), base + i});
  return out;
}

class GetConsumerProgressTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    RdKafkaOptions o;
    o.bootstrap_servers = TestCluster::bootstrap();
    o.reader_name = "it";
    auto c = RdKafkaClient::create(o);
    ASSERT_TRUE(c.ok()) << c.error().message;
    client_ = std::move(*c).release();
    progress_ = new ProgressService(*client_, SystemClock::instance());
    api_ = new AlikafkaApi({{"alikafka_it", "cn-hangzhou", progress_}}, nullptr,
                           {std::chrono::seconds(30)});
  }
  static void TearDownTestSuite() {
    delete api_;
    delete progress_;
    delete client_;
  }

  static ApiResponse call(const std::string& group, const std::string& version = "2019-09-16",
                          const std::string& extra = "") {
    ApiRequest r;
    r.method = "GET";
    r.path = "/";
    r.query = "Action=GetConsumerProgress&Version=" + version +
              "&Format=JSON&RegionId=cn-hangzhou&InstanceId=alikafka_it&ConsumerId=" + group +
              extra;
    return api_->handle(r);
  }

  static json progress(const std::string& group, const std::string& version = "2019-09-16",
                       const std::string& extra = "") {
    ApiResponse r = call(group, version, extra);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)["ConsumerProgress"];
  }

  // The partition's entry in a ConsumerProgress body, or null.
  static json partition(const json& cp, const std::string& topic, int p) {
    for (const auto& t : cp["TopicList"]["TopicList"])
      if (t["Topic"] == topic)
        for (const auto& o : t["OffsetList"]["OffsetList"])
          if (o["Partition"] == p) return o;
    return nullptr;
  }

  // Every committed partition in the body equals the oracle's row; the oracle has no committed
  // row that the body lacks; TotalDiff is the sum of the oracle's lags.
  static void expect_matches_oracle(const std::string& group, const json& cp) {
    auto rows = testing::describe_group_with_tool(TestCluster::bootstrap(), group);
    int64_t oracle_lag = 0;
    size_t committed_rows = 0;
    for (const auto& row : rows) {
      if (!row.current_offset) continue;  // "-": no commit, left out of the alikafka body
      ++committed_rows;
      SCOPED_TRACE(row.topic + "-" + std::to_string(row.partition));
      json p = partition(cp, row.topic, row.partition);
      ASSERT_FALSE(p.is_null()) << "missing from the body";
      EXPECT_EQ(p["ConsumerOffset"], *row.current_offset);
      ASSERT_TRUE(row.log_end_offset.has_value());
      EXPECT_EQ(p["BrokerOffset"], *row.log_end_offset);
      ASSERT_TRUE(row.lag.has_value());
      EXPECT_EQ(p["Accumulate"], std::max<int64_t>(0, *row.lag));
      oracle_lag += std::max<int64_t>(0, *row.lag);
    }
    size_t body_rows = 0;
    for (const auto& t : cp["TopicList"]["TopicList"])
      body_rows += t["OffsetList"]["OffsetList"].size();
    EXPECT_EQ(body_rows, committed_rows);
    EXPECT_EQ(cp["TotalDiff"], oracle_lag);
  }

  TestCluster cluster_;
  static KafkaClient* client_;
  static ProgressService* progress_;
  static AlikafkaApi* api_;
};

KafkaClient* GetConsumerProgressTest::client_ = nullptr;
ProgressService* GetConsumerProgressTest::progress_ = nullptr;
AlikafkaApi* GetConsumerProgressTest::api_ = nullptr;

TEST_F(GetConsumerProgressTest, GroupOverSeveralTopicsPartlyConsumed) {
  const std::string a = TestCluster::unique_name("orders"), b = TestCluster::unique_name("pay");
  const std::string group = TestCluster::unique_name("g");
  cluster_.create_topic(a, 3);
  cluster_.create_topic(b, 2);
  const int64_t t0 = recent(0);
  for (int p = 0; p < 3; ++p) cluster_.produce(a, records(p, 10 + p, t0 + p * 1000));
  for (int p = 0; p < 2; ++p) cluster_.produce(b, records(p, 5, t0 + 50000 + p * 1000));
  cluster_.commit_offsets(group, {{{a, 0}, 4}, {{a, 1}, 11}, {{a, 2}, 12}, {{b, 0}, 1}});

  json cp = progress(group);
  expect_matches_oracle(group, cp);
  EXPECT_EQ(cp["TotalDiff"], 6 + 0 + 0 + 4);
  EXPECT_EQ(partition(cp, a, 0)["LastTimestamp"], t0 + 3);          // record 3
  EXPECT_EQ(partition(cp, a, 1)["LastTimestamp"], t0 + 1000 + 10);  // record 10
  EXPECT_EQ(partition(cp, a, 2)["LastTimestamp"], t0 + 2000 + 11);
  EXPECT_EQ(partition(cp, b, 0)["LastTimestamp"], t0 + 50000);
  EXPECT_TRUE(partition(cp, b, 1).is_null());  // no commit: left out
  EXPECT_EQ(cp["LastTimestamp"], t0 + 50000);  // the newest over all partitions
  EXPECT_EQ(cp["state"], "EMPTY");

  // 2018-10-15 answers the same numbers in its own fields.
  json old = progress(group, "2018-10-15");
  EXPECT_EQ(old["TotalDiff"], cp["TotalDiff"]);
  EXPECT_FALSE(partition(old, a, 0).contains("Accumulate"));
  EXPECT_FALSE(old.contains("state"));

  // HideLastTimestamp: -1 everywhere, the offsets unchanged.
  json hidden = progress(group, "2019-09-16", "&HideLastTimestamp=True");
  EXPECT_EQ(hidden["LastTimestamp"], -1);
  EXPECT_EQ(partition(hidden, a, 0)["LastTimestamp"], -1);
  EXPECT_EQ(partition(hidden, a, 0)["ConsumerOffset"], 4);
}

TEST_F(GetConsumerProgressTest, LiveConsumerOwnsItsPartitions) {
  const std::string topic = TestCluster::unique_name("live");
  const std::string group = TestCluster::unique_name("g");
  cluster_.create_topic(topic, 2);
  const int64_t t0 = recent(0);
  cluster_.produce(topic, records(0, 5, t0 + 1000));
  cluster_.produce(topic, records(1, 5, t0 + 2000));
  auto consumer = cluster_.start_consumer(group, {topic}, "kp-live-client", /*auto_commit=*/true);
  ASSERT_TRUE(consumer->wait_assigned(2));
  // The member consumes and auto-commits everything; wait until the commits are visible.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto r = call(group);
        if (r.status != 200) return false;
        json cp = json::parse(r.body)["ConsumerProgress"];
        return cp["TotalDiff"] == 0 && !partition(cp, topic, 0).is_null() &&
               !partition(cp, topic, 1).is_null();
      },
      std::chrono::seconds(60)));
  json cp = progress(group);
  EXPECT_EQ(cp["state"], "STABLE");
  auto rows = testing::describe_group_with_tool(TestCluster::bootstrap(), group);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    json p = partition(cp, row.topic, row.partition);
    ASSERT_FALSE(p.is_null());
    EXPECT_EQ(p["ClientId"], row.client_id);
    EXPECT_EQ(p["MemberId"], row.consumer_id);
    EXPECT_EQ("/" + p["ClientIp"].get<std::string>(), row.host);
    EXPECT_EQ(p["ClientId"], "kp-live-client");
    EXPECT_EQ(p["LastTimestamp"], t0 + (row.partition == 0 ? 1004 : 2004));
  }
  expect_matches_oracle(group, cp);
  consumer->stop();
}

TEST_F(GetConsumerProgressTest, TransactionMarkerAtCommittedMinusOne) {
  const std::string topic = TestCluster::unique_name("tx");
  const std::string group = TestCluster::unique_name("g");
  cluster_.create_topic(topic, 1);
  const int64_t t0 = recent(0);
  auto offsets = cluster_.produce_transaction(topic, records(0, 3, t0 + 5000), true);
  ASSERT_EQ(offsets.back(), 2);
  // The commit marker goes to offset 3 (written by the coordinator after the commit returns);
  // a consumer that read everything commits 4.
  ASSERT_TRUE(testing::wait_until([&] { return cluster_.watermarks(topic, 0).second == 4; },
                                  std::chrono::seconds(30)));
  cluster_.commit_offsets(group, {{{topic, 0}, 4}});
  json cp = progress(group);
  expect_matches_oracle(group, cp);
  EXPECT_EQ(partition(cp, topic, 0)["LastTimestamp"], t0 + 5002);  // the record before the marker
  EXPECT_EQ(partition(cp, topic, 0)["Accumulate"], 0);
}

TEST_F(GetConsumerProgressTest, CompactedRecordIsSkippedToTheNewestThatExists) {
  const std::string topic = TestCluster::unique_name("compact");
  const std::string group = TestCluster::unique_name("g");
  cluster_.create_topic(topic, 1, 1,
                        {{"cleanup.policy", "compact"},
                         {"segment.ms", "100"},
                         {"min.cleanable.dirty.ratio", "0.001"},
                         {"min.compaction.lag.ms", "0"},
                         {"delete.retention.ms", "100"}});
  // Offsets 0..4: keys a,b,c,d,e; then b,c,d again (offsets 5..7), so 1..3 are compactable.
  // Recent timestamps: segment.ms rolls segments by record time.
  const int64_t t0 = recent(0);
  cluster_.produce(topic, {{0, "a", "1", t0},
                           {0, "b", "1", t0 + 1},
                           {0, "c", "1", t0 + 2},
                           {0, "d", "1", t0 + 3},
                           {0, "e", "1", t0 + 4}});
  cluster_.produce(topic, {{0, "b", "2", t0 + 5}, {0, "c", "2", t0 + 6}, {0, "d", "2", t0 + 7}});
  cluster_.commit_offsets(group, {{{topic, 0}, 4}});  // consumed 0..3; record 3 will vanish
  // Keep rolling segments until the cleaner has removed offset 3.
  bool compacted = testing::wait_until(
      [&] {
        cluster_.produce(topic, {{0, "filler", "x", std::nullopt}});
        for (const auto& r : cluster_.read_all(topic, 0))
          if (r.offset == 3) return false;
        return true;
      },
      std::chrono::seconds(120), std::chrono::milliseconds(500));
  ASSERT_TRUE(compacted) << "the log cleaner did not compact within 120 s";
  json cp = progress(group);
  expect_matches_oracle(group, cp);
  EXPECT_EQ(partition(cp, topic, 0)["LastTimestamp"], t0);  // offset 0 ("a") is the newest left
}

TEST_F(GetConsumerProgressTest, RecordsRemovedByRetentionAreUnknown) {
  const std::string topic = TestCluster::unique_name("deleted");
  const std::string group = TestCluster::unique_name("g");
  cluster_.create_topic(topic, 2);
  const int64_t t0 = recent(0);
  cluster_.produce(topic, records(0, 10, t0 + 100));
  cluster_.produce(topic, records(1, 10, t0 + 100));
  cluster_.commit_offsets(group, {{{topic, 0}, 5}, {{topic, 1}, 8}});
  ASSERT_EQ(cluster_.delete_records(topic, 0, 7), 7);  // consumed records of p0 gone
  ASSERT_EQ(cluster_.delete_records(topic, 1, 6), 6);  // record 7 of p1 still there
  json cp = progress(group);
  expect_matches_oracle(group, cp);
  EXPECT_EQ(partition(cp, topic, 0)["LastTimestamp"], -1);
  EXPECT_EQ(partition(cp, topic, 1)["LastTimestamp"], t0 + 107);
}

TEST_F(GetConsumerProgressTest, CommittedOffsetZeroConsumedNothing) {
  const std::string topic = TestCluster::unique_name("zero");
  const std::string group = TestCluster::unique_name("g");
  cluster_.create_topic(topic, 1);
  cluster_.produce(topic, records(0, 4, recent(100)));
  cluster_.commit_offsets(group, {{{topic, 0}, 0}});
  json cp = progress(group);
  expect_matches_oracle(group, cp);
  EXPECT_EQ(partition(cp, topic, 0)["LastTimestamp"], 0);
  EXPECT_EQ(partition(cp, topic, 0)["Accumulate"], 4);
}

TEST_F(GetConsumerProgressTest, GroupWithoutCommitsIsAnEmptySuccess) {
  const std::string topic = TestCluster::unique_name("empty");
  const std::string group = TestCluster::unique_name("g");
  cluster_.create_topic(topic, 1);
  auto consumer = cluster_.start_consumer(group, {topic}, "idle");  // nothing to consume
  ASSERT_TRUE(consumer->wait_assigned(1));
  json cp = progress(group);
  EXPECT_EQ(cp["TotalDiff"], 0);
  EXPECT_EQ(cp["TopicList"]["TopicList"].size(), 0u);
  EXPECT_EQ(cp["state"], "STABLE");
  consumer->stop();
}

TEST_F(GetConsumerProgressTest, UnknownGroupIsNotFound) {
  const std::string group = TestCluster::unique_name("nobody");
  ApiResponse r = call(group);
  EXPECT_EQ(r.status, 404);
  json j = json::parse(r.body);
  EXPECT_EQ(j["Code"], "InvalidConsumerId.NotFound");
  bool missing = false;
  auto rows = testing::describe_group_with_tool(TestCluster::bootstrap(), group, &missing);
  EXPECT_TRUE(missing) << "the oracle agrees the group does not exist";
}

TEST_F(GetConsumerProgressTest, TwoHundredPartitions) {
  const std::string topic = TestCluster::unique_name("wide");
  const std::string group = TestCluster::unique_name("g");
  cluster_.create_topic(topic, 200);
  const int64_t t0 = recent(0);
  std::vector<ProducedRecord> recs;
  std::map<std::pair<std::string, int32_t>, int64_t> commits;
  for (int p = 0; p < 200; ++p) {
    for (int i = 0; i < p % 5 + 1; ++i) recs.push_back({p, "k", "v", t0 + p * 10 + i});
    commits[{topic, p}] = p % 3;  // 0, 1 or 2
  }
  cluster_.produce(topic, recs);
  cluster_.commit_offsets(group, commits);
  json cp = progress(group);
  expect_matches_oracle(group, cp);
  for (int p = 0; p < 200; ++p) {
    const int64_t c = p % 3;
    const int64_t produced = p % 5 + 1;
    SCOPED_TRACE(p);
    json row = partition(cp, topic, p);
    ASSERT_FALSE(row.is_null());
    EXPECT_EQ(row["LastTimestamp"], c == 0 ? 0 : t0 + p * 10 + std::min(c, produced) - 1);
  }
}

TEST_F(GetConsumerProgressTest, UnreachableKafkaIsAnErrorWithinTheDeadline) {
  RdKafkaOptions o;
  o.bootstrap_servers = "127.0.0.1:1";
  o.reader_name = "unreachable";
  auto c = RdKafkaClient::create(o);
  ASSERT_TRUE(c.ok());
  ProgressService service(**c, SystemClock::instance());
  AlikafkaApi api({{"down", "cn-hangzhou", &service}}, nullptr, {std::chrono::seconds(2)});
  ApiRequest r;
  r.method = "GET";
  r.query =
      "Action=GetConsumerProgress&Version=2019-09-16&Format=JSON&RegionId=cn-hangzhou&"
      "InstanceId=down&ConsumerId=g";
  ApiResponse resp = api.handle(r);
  EXPECT_EQ(resp.status, 503) << resp.body;
  json j = json::parse(resp.body);
  EXPECT_EQ(j["Code"], "ServiceUnavailable");
  EXPECT_FALSE(j["Message"].get<std::string>().empty());
}

}  // namespace
}  // namespace kprogress
