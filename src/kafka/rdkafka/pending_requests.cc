#include "kafka/rdkafka/pending_requests.h"

namespace kprogress::rdk {

void PendingRequests::release_finished_locked() {
  for (auto it = parked_.begin(); it != parked_.end();) {
    // Each parked queue receives exactly one event: the request's result.
    EventPtr ev(rd_kafka_queue_poll(it->second.queue.get(), 0));
    it = ev ? parked_.erase(it) : std::next(it);
  }
}

std::optional<int64_t> PendingRequests::waiting_ms(const std::string& key) {
  std::lock_guard lock(mu_);
  release_finished_locked();
  auto it = parked_.find(key);
  if (it == parked_.end()) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - it->second.since)
      .count();
}

void PendingRequests::park(const std::string& key, QueuePtr queue) {
  std::lock_guard lock(mu_);
  parked_[key] = Parked{std::move(queue), steady::now()};
}

size_t PendingRequests::size() {
  std::lock_guard lock(mu_);
  release_finished_locked();
  return parked_.size();
}

}  // namespace kprogress::rdk
