// `kprogress describe` and `kprogress groups`: progress straight from a cluster, no server.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <future>
#include <nlohmann/json.hpp>

#include "api/native/progress_json.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "kafka/rdkafka/rdkafka_client.h"
#include "progress/progress_service.h"

namespace kprogress::cli {
namespace {

int exit_code_for(const Error& e) {
  switch (e.code) {
    case ErrorCode::kNotFound: return kExitNotFound;
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded: return kExitKafka;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMissingArgument: return kExitUsage;
    default: return kExitFailure;
  }
}

int fail(const Error& e) {
  std::fprintf(stderr, "kprogress: %s\n", e.message.c_str());
  return exit_code_for(e);
}

Result<std::unique_ptr<KafkaClient>> connect(const KafkaFlags& flags) {
  RdKafkaOptions o;
  o.bootstrap_servers = flags.bootstrap;
  o.properties = flags.properties;
  o.client_id = "kprogress-cli";
  o.reader_name = "cli";
  return RdKafkaClient::create(o);
}

// "2026-11-24T18:42:50.123Z"; the sentinels spelled out.
std::string format_timestamp(int64_t ms) {
  if (ms == kNothingConsumed) return "nothing consumed";
  if (ms < 0) return "unknown";
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

int run_describe(const KafkaFlags& flags, const std::string& group, const std::string& format) {
  auto kafka = connect(flags);
  if (!kafka) return fail(kafka.error());
  ProgressService service(**kafka, SystemClock::instance());
  auto progress = service.group_progress(group, Deadline::after(flags.timeout));
  if (!progress) return fail(progress.error());

  if (format == "json") {
    // Indented for people: the native API's compact body, parsed again (it is valid UTF-8).
    std::printf("%s\n", nlohmann::ordered_json::parse(progress_json(*progress)).dump(2).c_str());
    return kExitOk;
  }
  std::printf("GROUP %s  STATE %s  MEMBERS %zu  TOTAL-LAG %lld\n\n", group.c_str(),
              group_state_name(progress->state), progress->members.size(),
              static_cast<long long>(progress->total_lag));
  Table table({"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "LAST-CONSUMED",
               "CONSUMER-ID", "HOST", "CLIENT-ID"});
  for (const auto& t : progress->topics) {
    if (!t.exists) {
      table.add({t.topic, "-", "-", "-", "-", "-", "-", "-", "topic deleted"});
      continue;
    }
    for (const auto& p : t.partitions) {
      const bool c = p.has_commit();
      table.add({t.topic, std::to_string(p.tp.partition.value()),
                 c ? std::to_string(p.committed->value()) : "no commit",
                 std::to_string(p.high_watermark.value()), c ? std::to_string(p.lag) : "-",
                 c ? format_timestamp(p.last_timestamp) : "-", or_dash(p.member_id()),
                 or_dash(p.host().empty() ? "" : "/" + p.host()), or_dash(p.client_id())});
    }
  }
  std::fputs(table.render().c_str(), stdout);
  return kExitOk;
}

int run_groups(const KafkaFlags& flags, const std::string& format) {
  auto kafka = connect(flags);
  if (!kafka) return fail(kafka.error());
  const Deadline deadline = Deadline::after(flags.timeout);
  auto groups = (*kafka)->list_groups(deadline);
  if (!groups) return fail(groups.error());
  std::sort(groups->begin(), groups->end(),
            [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
  ProgressService service(**kafka, SystemClock::instance());
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  Table table({"GROUP", "STATE", "MEMBERS", "TOPICS", "LAG"});
  int status = kExitOk;
  for (const auto& g : *groups) {
    auto p = service.group_progress(g.group_id, deadline, {.want_last_timestamp = false});
    if (!p) {
      // One failing group does not hide the others; it is named and the exit code says so.
      table.add({g.group_id, group_state_name(g.state), "?", "?", "error: " + p.error().message});
      out.push_back({{"group", g.group_id}, {"error", p.error().message}});
      status = exit_code_for(p.error());
      continue;
    }
    size_t topics = std::count_if(p->topics.begin(), p->topics.end(),
                                  [](const TopicProgress& t) { return t.exists; });
    table.add({g.group_id, group_state_name(p->state), std::to_string(p->members.size()),
               std::to_string(topics), std::to_string(p->total_lag)});
    out.push_back({{"group", g.group_id},
                   {"state", group_state_name(p->state)},
                   {"members", p->members.size()},
                   {"topics", topics},
                   {"total_lag", p->total_lag}});
  }
  if (format == "json") {
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::fputs(table.render().c_str(), stdout);
  }
  return status;
}

}  // namespace kprogress::cli
