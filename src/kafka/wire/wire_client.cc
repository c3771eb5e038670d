#include "kafka/wire/wire_client.h"

#include <algorithm>
#include <charconv>
#include <future>
#include <optional>

#include "kafka/wire/kafka_codec.h"

namespace kprogress::wire {
namespace {

constexpr size_t kMaxIdlePerBroker = 4;
constexpr size_t kMaxRememberedCoordinators = 100000;

std::string kafka_error(const std::string& what, int16_t code, const std::string& message) {
  std::string text = what + ": Kafka error code " + std::to_string(code);
  if (!message.empty()) text += " (" + message + ")";
  return text;
}

}  // namespace

Result<std::vector<BrokerAddress>> parse_bootstrap(const std::string& bootstrap) {
  std::vector<BrokerAddress> out;
  size_t at = 0;
  while (at <= bootstrap.size()) {
    size_t end = bootstrap.find(',', at);
    if (end == std::string::npos) end = bootstrap.size();
    std::string entry = bootstrap.substr(at, end - at);
    at = end + 1;
    entry.erase(0, entry.find_first_not_of(" \t"));
    entry.erase(entry.find_last_not_of(" \t") + 1);
    if (entry.empty()) continue;
    if (auto scheme = entry.find("://"); scheme != std::string::npos) entry.erase(0, scheme + 3);
    const size_t colon = entry.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
      return Error::invalid_argument("bootstrap entry \"" + entry + "\" is not host:port");
    }
    std::string host = entry.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    int port = 0;
    const std::string port_text = entry.substr(colon + 1);
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535) {
      return Error::invalid_argument("bootstrap entry \"" + entry + "\" has no valid port");
    }
    out.push_back({std::move(host), port});
  }
  if (out.empty()) return Error::invalid_argument("bootstrap servers are empty");
  return out;
}

WireClient::WireClient(std::vector<BrokerAddress> bootstrap, std::string client_id)
    : bootstrap_(std::move(bootstrap)), client_id_(std::move(client_id)) {}

Result<std::string> WireClient::ask(const BrokerAddress& to, const std::string& framed_request,
                                    Deadline deadline) {
  const std::string key = to.to_string();
  for (int attempt = 0;; ++attempt) {
    Connection c;
    {
      std::lock_guard lock(mu_);
      auto& idle = idle_[key];
      if (attempt == 0 && !idle.empty()) {
        c = std::move(idle.back());
        idle.pop_back();
      }
    }
    const bool pooled = c != nullptr;
    if (!pooled) {
      auto opened = BrokerConnection::open(to.host, to.port, deadline);
      if (!opened) return opened.error();
      c = std::move(*opened);
    }
    auto answer = c->round_trip(framed_request, deadline);
    if (!answer) {
      // A pooled connection may have been closed by the broker while idle: try a new one.
      if (pooled && answer.error().code == ErrorCode::kUnavailable) continue;
      return answer.error();
    }
    std::lock_guard lock(mu_);
    auto& idle = idle_[key];
    if (idle.size() < kMaxIdlePerBroker) idle.push_back(std::move(c));
    return answer;
  }
}

Result<BrokerAddress> WireClient::coordinator(const std::string& group_id, Deadline deadline) {
  {
    std::lock_guard lock(mu_);
    if (auto it = coordinators_.find(group_id); it != coordinators_.end()) return it->second;
  }
  std::string last_error = "no bootstrap server";
  for (const auto& broker : bootstrap_) {
    const int32_t id = ++correlation_;
    auto answer = ask(broker, find_coordinator_request(id, client_id_, group_id), deadline);
    if (!answer) {
      if (answer.error().code == ErrorCode::kDeadlineExceeded) {
        return answer.error().with_context("FindCoordinator for group " + group_id);
      }
      last_error = answer.error().message;
      continue;
    }
    auto parsed = parse_find_coordinator_response(*answer, id);
    if (!parsed) return parsed.error();
    if (parsed->error_code != 0) {
      return Error::unavailable(kafka_error("FindCoordinator for group " + group_id,
                                            parsed->error_code, parsed->error_message));
    }
    BrokerAddress found{parsed->host, parsed->port};
    std::lock_guard lock(mu_);
    if (coordinators_.size() >= kMaxRememberedCoordinators) coordinators_.clear();
    coordinators_[group_id] = found;
    return found;
  }
  return Error::unavailable("FindCoordinator for group " + group_id + ": " + last_error);
}

void WireClient::forget_coordinator(const std::string& group_id) {
  std::lock_guard lock(mu_);
  coordinators_.erase(group_id);
}

Result<std::vector<CommittedOffset>> WireClient::committed_offsets(const std::string& group_id,
                                                                   Deadline deadline) {
  auto to = coordinator(group_id, deadline);
  if (!to) return to.error();
  const int32_t id = ++correlation_;
  auto answer = ask(*to, offset_fetch_all_request(id, client_id_, group_id), deadline);
  if (!answer) {
    forget_coordinator(group_id);
    return answer.error();
  }
  auto parsed = parse_offset_fetch_response(*answer, id);
  if (!parsed) return parsed.error();
  const std::string what = "OffsetFetch for group " + group_id + " from " + to->to_string();
  if (parsed->error_code != 0) {
    forget_coordinator(group_id);  // NOT_COORDINATOR and its kind: ask again next time
    return Error::unavailable(kafka_error(what, parsed->error_code, ""));
  }
  std::vector<CommittedOffset> out;
  out.reserve(parsed->partitions.size());
  for (auto& p : parsed->partitions) {
    if (p.error_code != 0) {
      return Error::unavailable(kafka_error(
          what + " for " + p.topic + "-" + std::to_string(p.partition), p.error_code, ""));
    }
    if (p.offset < 0) continue;  // no commit
    out.push_back(
        {{std::move(p.topic), PartitionId(p.partition)}, Offset(p.offset), std::move(p.metadata)});
  }
  std::sort(out.begin(), out.end(),
            [](const CommittedOffset& a, const CommittedOffset& b) { return a.tp < b.tp; });
  return out;
}

Result<std::vector<ListedOffset>> WireClient::list_offsets(
    const std::vector<LeaderPartitions>& by_leader, int64_t spec, Deadline deadline) {
  const char* what = spec == kLatest ? "ListOffsets(latest)" : "ListOffsets(earliest)";
  // One request per leader, all at once (a broker answers each connection in turn).
  std::vector<std::future<Result<std::vector<ListedOffset>>>> asked;
  for (const auto& l : by_leader) {
    asked.push_back(std::async(std::launch::async, [this, &l, spec, deadline] {
      const int32_t id = ++correlation_;
      auto answer = ask(l.leader, list_offsets_request(id, client_id_, spec, l.topics), deadline);
      if (!answer) return Result<std::vector<ListedOffset>>(answer.error());
      return parse_list_offsets_response(*answer, id);
    }));
  }
  std::vector<ListedOffset> out;
  std::optional<Error> failed;
  for (size_t i = 0; i < asked.size(); ++i) {
    auto r = asked[i].get();
    if (!r) {
      if (!failed) failed = r.error().with_context(what);
      continue;
    }
    for (auto& o : *r) {
      if (o.error_code != 0 && !failed) {
        failed = Error::unavailable(kafka_error(std::string(what) + " for " + o.topic + "-" +
                                                    std::to_string(o.partition) + " from " +
                                                    by_leader[i].leader.to_string(),
                                                o.error_code, ""));
      }
      out.push_back(std::move(o));
    }
  }
  if (failed) return *failed;
  return out;
}

}  // namespace kprogress::wire
