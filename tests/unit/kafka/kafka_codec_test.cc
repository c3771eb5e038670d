// kprogress's own FindCoordinator and OffsetFetch: the bytes it sends, and what it makes of
// answers, malformed ones included. The same requests against a real broker, and their answers
// against librdkafka's and kafka-consumer-groups', are in rdkafka_client_test.
#include "kafka/wire/kafka_codec.h"

#include <gtest/gtest.h>

#include "kafka/wire/wire_client.h"

namespace kprogress::wire {
namespace {

// Builds an answer the way a broker encodes it.
class Bytes {
 public:
  Bytes& i8(int8_t v) { return be(static_cast<uint8_t>(v), 1); }
  Bytes& i16(int16_t v) { return be(static_cast<uint16_t>(v), 2); }
  Bytes& i32(int32_t v) { return be(static_cast<uint32_t>(v), 4); }
  Bytes& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
  Bytes& str(const std::string& s) {
    i16(static_cast<int16_t>(s.size()));
    s_ += s;
    return *this;
  }
  Bytes& null_str() { return i16(-1); }
  std::string get() const { return s_; }

 private:
  Bytes& be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) s_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
  std::string s_;
};

TEST(KafkaCodec, FindCoordinatorRequestBytes) {
  const std::string want = Bytes()
                               .i32(2 + 2 + 4 + 4 + 3 + 1)  // size
                               .i16(10)                     // FindCoordinator
                               .i16(2)                      // version
                               .i32(7)                      // correlation id
                               .str("kp")                   // client id
                               .str("g")                    // key
                               .i8(0)                       // key type: group
                               .get();
  EXPECT_EQ(find_coordinator_request(7, "kp", "g"), want);
}

TEST(KafkaCodec, OffsetFetchAllRequestBytes) {
  const std::string want = Bytes()
                               .i32(2 + 2 + 4 + 4 + 4 + 4)
                               .i16(9)  // OffsetFetch
                               .i16(5)
                               .i32(-3)
                               .str("kp")
                               .str("gg")
                               .i32(-1)  // topics: null (all)
                               .get();
  EXPECT_EQ(offset_fetch_all_request(-3, "kp", "gg"), want);
}

std::string coordinator_answer(int32_t correlation, int16_t error) {
  return Bytes()
      .i32(correlation)
      .i32(0)
      .i16(error)
      .null_str()
      .i32(3)
      .str("broker-3.example")
      .i32(9093)
      .get();
}

TEST(KafkaCodec, FindCoordinatorAnswer) {
  auto a = parse_find_coordinator_response(coordinator_answer(11, 0), 11);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->error_code, 0);
  EXPECT_EQ(a->node_id, 3);
  EXPECT_EQ(a->host, "broker-3.example");
  EXPECT_EQ(a->port, 9093);
  auto loading = parse_find_coordinator_response(coordinator_answer(12, 15), 12);
  ASSERT_TRUE(loading.ok());
  EXPECT_EQ(loading->error_code, 15);
}

TEST(KafkaCodec, FindCoordinatorAnswerThatIsWrongIsRefused) {
  const std::string good = coordinator_answer(11, 0);
  auto other = parse_find_coordinator_response(good, 12);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("not 12"), std::string::npos) << other.error().message;
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(parse_find_coordinator_response(good.substr(0, cut), 11).ok()) << cut;
  }
  EXPECT_FALSE(parse_find_coordinator_response(good + "x", 11).ok());
}

std::string offsets_answer(int32_t correlation) {
  return Bytes()
      .i32(correlation)
      .i32(0)  // throttle
      .i32(2)  // topics
      .str("orders")
      .i32(2)
      .i32(0)
      .i64(42)
      .i32(5)
      .str("")
      .i16(0)
      .i32(1)
      .i64(-1)
      .i32(-1)
      .null_str()
      .i16(0)  // no commit
      .str("t\"x")
      .i32(1)
      .i32(7)
      .i64(9)
      .i32(-1)
      .str("meta")
      .i16(0)
      .i16(0)  // group error
      .get();
}

TEST(KafkaCodec, OffsetFetchAnswer) {
  auto a = parse_offset_fetch_response(offsets_answer(5), 5);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->error_code, 0);
  ASSERT_EQ(a->partitions.size(), 3u);
  EXPECT_EQ(a->partitions[0].topic, "orders");
  EXPECT_EQ(a->partitions[0].partition, 0);
  EXPECT_EQ(a->partitions[0].offset, 42);
  EXPECT_EQ(a->partitions[1].offset, -1);
  EXPECT_EQ(a->partitions[1].metadata, "");
  EXPECT_EQ(a->partitions[2].topic, "t\"x");
  EXPECT_EQ(a->partitions[2].partition, 7);
  EXPECT_EQ(a->partitions[2].metadata, "meta");
}

TEST(KafkaCodec, OffsetFetchAnswerThatIsWrongIsRefused) {
  const std::string good = offsets_answer(5);
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(parse_offset_fetch_response(good.substr(0, cut), 5).ok()) << cut;
  }
  EXPECT_FALSE(parse_offset_fetch_response(good + "x", 5).ok());
  EXPECT_FALSE(parse_offset_fetch_response(good, 6).ok());
  // A count that the answer cannot hold is refused before anything is reserved for it.
  auto huge = parse_offset_fetch_response(Bytes().i32(5).i32(0).i32(INT32_MAX).get(), 5);
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("malformed OffsetFetch"), std::string::npos);
  // A topic name may not be null.
  EXPECT_FALSE(
      parse_offset_fetch_response(Bytes().i32(5).i32(0).i32(1).null_str().i32(0).i16(0).get(), 5)
          .ok());
}

TEST(KafkaCodec, GroupErrorsAndEmptyGroups) {
  auto not_coordinator = parse_offset_fetch_response(Bytes().i32(1).i32(0).i32(0).i16(16).get(), 1);
  ASSERT_TRUE(not_coordinator.ok());
  EXPECT_EQ(not_coordinator->error_code, 16);
  // A group without commits (or none at all): no topics; a null array reads as none.
  auto none = parse_offset_fetch_response(Bytes().i32(1).i32(0).i32(-1).i16(0).get(), 1);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->partitions.empty());
}

TEST(KafkaCodec, ListOffsetsRequestBytes) {
  const std::string body = Bytes()
                               .i16(2)  // ListOffsets
                               .i16(4)
                               .i32(9)
                               .str("kp")
                               .i32(-1)  // replica id
                               .i8(0)    // read_uncommitted
                               .i32(1)
                               .str("t")
                               .i32(2)
                               .i32(0)
                               .i32(-1)
                               .i64(-1)
                               .i32(3)
                               .i32(-1)
                               .i64(-1)
                               .get();
  EXPECT_EQ(list_offsets_request(9, "kp", kLatest, {{"t", {0, 3}}}),
            Bytes().i32(static_cast<int32_t>(body.size())).get() + body);
}

TEST(KafkaCodec, ListOffsetsAnswer) {
  const std::string good = Bytes()
                               .i32(9)
                               .i32(0)
                               .i32(1)
                               .str("t")
                               .i32(2)
                               .i32(0)
                               .i16(0)
                               .i64(-1)
                               .i64(120)
                               .i32(4)
                               .i32(3)
                               .i16(6)
                               .i64(-1)
                               .i64(-1)
                               .i32(-1)  // NOT_LEADER
                               .get();
  auto a = parse_list_offsets_response(good, 9);
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].topic, "t");
  EXPECT_EQ((*a)[0].offset, 120);
  EXPECT_EQ((*a)[0].error_code, 0);
  EXPECT_EQ((*a)[1].partition, 3);
  EXPECT_EQ((*a)[1].error_code, 6);
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(parse_list_offsets_response(good.substr(0, cut), 9).ok()) << cut;
  }
  EXPECT_FALSE(parse_list_offsets_response(good + "x", 9).ok());
  EXPECT_FALSE(parse_list_offsets_response(good, 8).ok());
}

TEST(Bootstrap, Forms) {
  auto b = parse_bootstrap("127.0.0.1:9092, PLAINTEXT://kafka-2:19092,[::1]:9093");
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->size(), 3u);
  EXPECT_EQ((*b)[0].host, "127.0.0.1");
  EXPECT_EQ((*b)[0].port, 9092);
  EXPECT_EQ((*b)[1].host, "kafka-2");
  EXPECT_EQ((*b)[1].port, 19092);
  EXPECT_EQ((*b)[2].host, "::1");
  EXPECT_EQ((*b)[2].port, 9093);
  EXPECT_FALSE(parse_bootstrap("").ok());
  EXPECT_FALSE(parse_bootstrap("kafka").ok());
  EXPECT_FALSE(parse_bootstrap("kafka:").ok());
  EXPECT_FALSE(parse_bootstrap("kafka:99999").ok());
  EXPECT_FALSE(parse_bootstrap("kafka:90x").ok());
}

}  // namespace
}  // namespace kprogress::wire
