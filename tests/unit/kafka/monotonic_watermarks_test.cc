// MonotonicWatermarks over the fake cluster: an end offset below one seen moments ago is refused
// (a stale leader), a growing one passes, and what was seen is forgotten after `memory`.
#include "kafka/monotonic_watermarks.h"

#include <gtest/gtest.h>

#include "fake_kafka_client.h"

namespace kprogress {
namespace {

class SteadyClock final : public Clock {
 public:
  int64_t now_ms() const override { return 1'800'000'000'000; }
  std::chrono::steady_clock::time_point steady_now() const override { return now_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

class MonotonicWatermarksTest : public ::testing::Test {
 protected:
  MonotonicWatermarksTest() {
    kafka_.create_topic("t", 2);
    kafka_.produce("t", 0, 15, 1000);
    kafka_.produce("t", 1, 3, 1000);
  }
  Result<std::vector<Watermarks>> read() {
    return guard_.watermarks({{"t", PartitionId(0)}, {"t", PartitionId(1)}},
                             Deadline::after(std::chrono::seconds(1)));
  }
  testing::FakeKafkaClient kafka_;
  SteadyClock clock_;
  MonotonicWatermarks guard_{kafka_, clock_, std::chrono::seconds(10)};
};

TEST_F(MonotonicWatermarksTest, GrowingEndOffsetsPass) {
  ASSERT_TRUE(read().ok());
  kafka_.produce("t", 0, 5, 2000);
  auto r = read();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].high_watermark.value(), 20);
}

TEST_F(MonotonicWatermarksTest, AnEndOffsetThatWentBackIsRefusedNamingThePartition) {
  ASSERT_TRUE(read().ok());
  clock_.advance(std::chrono::milliseconds(2500));
  kafka_.partition("t", 0).high_watermark = 10;  // what a resumed ex-leader answers
  auto r = read();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("t-0 answered 10 after 15 2500 ms before"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("t-1"), std::string::npos) << r.error().message;

  // The true leader answers again: accepted, and the refusal did not lower what was seen.
  kafka_.partition("t", 0).high_watermark = 15;
  EXPECT_TRUE(read().ok());
  kafka_.partition("t", 0).high_watermark = 12;
  EXPECT_FALSE(read().ok());
}

TEST_F(MonotonicWatermarksTest, WhatWasSeenIsForgottenAfterTheMemory) {
  ASSERT_TRUE(read().ok());
  kafka_.partition("t", 0).high_watermark = 0;  // the topic was deleted and created again
  clock_.advance(std::chrono::seconds(10));
  EXPECT_FALSE(read().ok());  // within the memory: refused
  clock_.advance(std::chrono::milliseconds(1));
  auto r = read();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].high_watermark.value(), 0);
}

}  // namespace
}  // namespace kprogress
