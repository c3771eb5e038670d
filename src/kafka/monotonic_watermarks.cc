#include "kafka/monotonic_watermarks.h"

#include <string>

namespace kprogress {

Result<std::vector<Watermarks>> MonotonicWatermarks::watermarks(
    const std::vector<TopicPartition>& tps, Deadline d) {
  auto marks = inner_.watermarks(tps, d);
  if (!marks) return marks;
  std::lock_guard lock(mu_);
  const auto now = clock_.steady_now();
  forget_old(now);
  std::string stale;
  for (const Watermarks& w : *marks) {
    auto it = seen_.find(w.tp);
    if (it == seen_.end() || now - it->second.at > memory_ ||
        w.high_watermark.value() >= it->second.high_watermark) {
      continue;
    }
    const auto ago = std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second.at);
    if (!stale.empty()) stale += ", ";
    stale += w.tp.topic + "-" + std::to_string(w.tp.partition.value()) + " answered " +
             std::to_string(w.high_watermark.value()) + " after " +
             std::to_string(it->second.high_watermark) + " " + std::to_string(ago.count()) +
             " ms before";
  }
  if (!stale.empty()) {
    return Error::unavailable("end offsets went back, a stale partition leader answered (" + stale +
                              "); retry in a moment");
  }
  for (const Watermarks& w : *marks) seen_[w.tp] = {w.high_watermark.value(), now};
  return marks;
}

void MonotonicWatermarks::forget_old(std::chrono::steady_clock::time_point now) {
  if (now - last_forget_ < memory_) return;  // one sweep per `memory` at most
  last_forget_ = now;
  for (auto it = seen_.begin(); it != seen_.end();) {
    it = now - it->second.at > memory_ ? seen_.erase(it) : std::next(it);
  }
}

}  // namespace kprogress
