// ManualClock: a wall clock that moves only when a test says so, for tests whose answers carry
// times (history samples, lag in seconds, bodies compared byte for byte). Deadlines still run on
// the real monotonic clock, so calls cannot wait forever.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace kprogress::testing {

class ManualClock final : public Clock {
 public:
  int64_t now_ms() const override { return now_; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  void advance(int64_t ms) { now_ += ms; }

 private:
  std::atomic<int64_t> now_{1'800'000'000'000};
};

}  // namespace kprogress::testing
