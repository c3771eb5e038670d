// Creating librdkafka handles, and what their callbacks tell about reaching the cluster.
//
// ConnectionState is the opaque of every handle an RdKafkaClient creates. librdkafka calls its
// log and error callbacks from internal threads; it forwards log lines to spdlog (warnings and
// errors at warn, at most once a minute per distinct line; the rest at debug) and remembers the
// last error, so that a call that times out can say why ("Kafka at 127.0.0.1:1 is unreachable:
// Connect to ipv4#127.0.0.1:1 failed: Connection refused"). Thread-safe.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "kafka/rdkafka/handles.h"
#include "kafka/rdkafka/rdkafka_options.h"

namespace kprogress::rdk {

class ConnectionState {
 public:
  explicit ConnectionState(std::string bootstrap) : bootstrap_(std::move(bootstrap)) {}
  ConnectionState(const ConnectionState&) = delete;
  ConnectionState& operator=(const ConnectionState&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }

  // Called by librdkafka (any thread).
  void on_log(int level, const char* facility, const char* line);
  void on_error(rd_kafka_resp_err_t err, const char* reason);

  // A broker answered a call: whatever was down before is up now.
  void on_answer();

  // When every broker has been down since the last answer: the last connection error.
  std::optional<std::string> unreachable_reason() const;
  // The last error librdkafka reported, or "" (for context in timeout messages).
  std::string last_error() const;

  // False when this exact line was logged within the last minute (keeps loops from flooding).
  bool should_log(const std::string& line);

  // Remembers the brokers of a Metadata answer; returns the ids of brokers seen in an earlier
  // answer that this one no longer lists (KRaft lists only live, unfenced brokers).
  std::vector<int32_t> note_brokers(const rd_kafka_metadata_t& md);

 private:
  using steady = std::chrono::steady_clock;

  const std::string bootstrap_;
  mutable std::mutex mu_;
  std::string last_error_;
  std::string connect_error_;
  bool all_down_ = false;
  std::set<int32_t> known_brokers_;
  // Recently logged warning lines, to keep a reconnect loop from flooding the log.
  std::deque<std::pair<std::string, steady::time_point>> recent_;
};

// The timeout (or unreachability) error for a request described by `what`, e.g.
// "ListOffsets for orders-3" -> "ListOffsets for orders-3 did not answer within 10000 ms".
// Serves `rk`'s pending error callbacks first so that a refused connection is noticed.
Error no_answer_error(rd_kafka_t* rk, ConnectionState& state, const std::string& what,
                      int budget_ms);

// A new handle of `type` for `options`, with `role_properties` (what this handle is for) set
// after the caller's properties, and `state` as the opaque of its callbacks.
// kInvalidArgument names a property librdkafka rejected.
Result<HandlePtr> make_handle(rd_kafka_type_t type, const RdKafkaOptions& options,
                              const std::map<std::string, std::string>& role_properties,
                              ConnectionState* state);

}  // namespace kprogress::rdk
