// Clock and Deadline. All time that affects results goes through a Clock so that tests can use
// a fake one. Thread-safe: implementations must allow concurrent calls.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace kprogress {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, milliseconds since the Unix epoch.
  virtual int64_t now_ms() const = 0;
  // Monotonic time, for deadlines and durations.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  static const SystemClock& instance() {
    static const SystemClock clock;
    return clock;
  }
};

// A point in monotonic time by which a call must return. Every Kafka call takes one.
class Deadline {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit Deadline(time_point at) : at_(at) {}
  static Deadline after(std::chrono::milliseconds d) {
    return Deadline(std::chrono::steady_clock::now() + d);
  }
  time_point at() const { return at_; }
  bool expired() const { return std::chrono::steady_clock::now() >= at_; }
  // Milliseconds left, never negative; at least 1 while not expired (librdkafka treats 0 as
  // "do not wait", which is not what a caller with time left means).
  int remaining_ms() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    at_ - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return 0;
    return static_cast<int>(std::min<int64_t>(left, INT32_MAX));
  }
  // The earlier of this deadline and now + d.
  Deadline capped(std::chrono::milliseconds d) const {
    return Deadline(std::min(at_, std::chrono::steady_clock::now() + d));
  }

 private:
  time_point at_;
};

}  // namespace kprogress
