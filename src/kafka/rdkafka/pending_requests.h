// PendingRequests: admin requests that librdkafka still runs after the caller's deadline passed.
//
// Why they are kept: in librdkafka 2.0.2 an admin request that goes to a group coordinator
// (OffsetFetch, DescribeGroups) must never time out inside librdkafka while it still waits for
// that coordinator. If it does, librdkafka frees the request, and when the coordinator is found
// later its coordinator state machine uses the freed request and aborts the process
// (rd_kafka_enq_once_del_source_return: Assertion `eonce->refcnt > 0', in
// rd_kafka_admin_coord_response_parse; upstream librdkafka PR #5397). So those requests are
// given librdkafka's longest request timeout, and a caller whose own deadline passes leaves the
// request running: its result queue is parked here until the result arrives. One key (the group
// or groups asked for) has at most one request in flight: a new call for a key whose request is
// still parked fails at once instead of piling more requests onto an absent coordinator.
//
// Thread-safe.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "kafka/rdkafka/handles.h"

namespace kprogress::rdk {

class PendingRequests {
 public:
  PendingRequests() = default;
  PendingRequests(const PendingRequests&) = delete;
  PendingRequests& operator=(const PendingRequests&) = delete;

  // How long (ms) the parked request for `key` has been waiting, or nullopt when none is: first
  // releases every parked request whose result has arrived.
  std::optional<int64_t> waiting_ms(const std::string& key);

  // Parks `queue`, on which the request for `key` will deliver its result.
  void park(const std::string& key, QueuePtr queue);

  // Requests parked now (after releasing the finished ones).
  size_t size();

 private:
  using steady = std::chrono::steady_clock;
  struct Parked {
    QueuePtr queue;
    steady::time_point since;
  };
  void release_finished_locked();

  std::mutex mu_;
  std::map<std::string, Parked> parked_;
};

}  // namespace kprogress::rdk
