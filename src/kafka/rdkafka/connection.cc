#include "kafka/rdkafka/connection.h"

#include <spdlog/spdlog.h>

namespace kprogress::rdk {
namespace {

constexpr auto kRepeatQuiet = std::chrono::seconds(60);
constexpr size_t kRecentLines = 32;

ConnectionState* state_of(const rd_kafka_t* rk) {
  return static_cast<ConnectionState*>(rd_kafka_opaque(rk));
}

void log_cb(const rd_kafka_t* rk, int level, const char* facility, const char* line) {
  if (auto* s = state_of(rk)) s->on_log(level, facility, line);
}

void error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  if (auto* s = static_cast<ConnectionState*>(opaque)) {
    s->on_error(static_cast<rd_kafka_resp_err_t>(err), reason);
  }
}

}  // namespace

void ConnectionState::on_log(int level, const char* facility, const char* line) {
  // syslog levels: 0-3 are errors, 4 is a warning; librdkafka's lines below that are chatter.
  if (level > 4) {
    spdlog::debug("librdkafka {}: {}", facility, line);
    return;
  }
  if (should_log(line)) spdlog::warn("librdkafka {}: {}", facility, line);
}

bool ConnectionState::should_log(const std::string& line) {
  std::lock_guard lock(mu_);
  const auto now = steady::now();
  while (!recent_.empty() &&
         (recent_.size() > kRecentLines || now - recent_.front().second > kRepeatQuiet)) {
    recent_.pop_front();
  }
  for (const auto& [seen, at] : recent_) {
    if (seen == line) return false;
  }
  recent_.emplace_back(line, now);
  return true;
}

void ConnectionState::on_error(rd_kafka_resp_err_t err, const char* reason) {
  std::lock_guard lock(mu_);
  last_error_ = reason != nullptr ? reason : rd_kafka_err2str(err);
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    all_down_ = true;
  } else if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__RESOLVE ||
             err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL) {
    // Keep the connect error as the reason; ALL_BROKERS_DOWN's own text ("1/1 brokers are
    // down") says less.
    connect_error_ = last_error_;
  }
}

void ConnectionState::on_answer() {
  std::lock_guard lock(mu_);
  all_down_ = false;
}

std::optional<std::string> ConnectionState::unreachable_reason() const {
  std::lock_guard lock(mu_);
  if (!all_down_) return std::nullopt;
  return connect_error_.empty() ? last_error_ : connect_error_;
}

std::string ConnectionState::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

std::vector<int32_t> ConnectionState::note_brokers(const rd_kafka_metadata_t& md) {
  std::set<int32_t> now;
  for (int i = 0; i < md.broker_cnt; ++i) now.insert(md.brokers[i].id);
  std::lock_guard lock(mu_);
  std::vector<int32_t> gone;
  for (int32_t id : known_brokers_)
    if (now.count(id) == 0) gone.push_back(id);
  known_brokers_.insert(now.begin(), now.end());
  return gone;
}

Error no_answer_error(rd_kafka_t* rk, ConnectionState& state, const std::string& what,
                      int budget_ms) {
  rd_kafka_poll(rk, 0);  // serves error callbacks queued since the last call
  if (auto reason = state.unreachable_reason()) {
    return Error::unavailable("Kafka at " + state.bootstrap() + " is unreachable: " + *reason);
  }
  std::string message = what + " did not answer within " + std::to_string(budget_ms) + " ms";
  if (auto last = state.last_error(); !last.empty()) message += " (last error: " + last + ")";
  return Error::deadline_exceeded(std::move(message));
}

Result<HandlePtr> make_handle(rd_kafka_type_t type, const RdKafkaOptions& options,
                              const std::map<std::string, std::string>& role_properties,
                              ConnectionState* state) {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  auto set = [&](const std::string& key, const std::string& value) -> Result<void> {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      return Error::invalid_argument("librdkafka property " + key + ": " + errstr);
    }
    return {};
  };
  // Idle connections closed by the broker are normal; do not log each one.
  std::map<std::string, std::string> all = {{"log.connection.close", "false"}};
  for (const auto& [k, v] : options.properties) all[k] = v;
  all["bootstrap.servers"] = options.bootstrap_servers;
  all["client.id"] = options.client_id;
  for (const auto& [k, v] : role_properties) all[k] = v;
  for (const auto& [k, v] : all) {
    if (auto r = set(k, v); !r) return r.error();
  }
  rd_kafka_conf_set_opaque(conf.get(), state);
  rd_kafka_conf_set_log_cb(conf.get(), log_cb);
  rd_kafka_conf_set_error_cb(conf.get(), error_cb);

  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) return Error::invalid_argument(std::string("librdkafka: ") + errstr);
  conf.release();  // rd_kafka_new took it
  return HandlePtr(rk);
}

}  // namespace kprogress::rdk
