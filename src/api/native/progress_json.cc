#include "api/native/progress_json.h"

namespace kprogress {

nlohmann::ordered_json progress_to_json(const GroupProgress& g) {
  using json = nlohmann::ordered_json;
  json members = json::array();
  for (const auto& m : g.members) {
    json assignment = json::array();
    for (const auto& tp : m.assignment)
      assignment.push_back({{"topic", tp.topic}, {"partition", tp.partition.value()}});
    members.push_back({{"member_id", m.member_id},
                       {"client_id", m.client_id},
                       {"host", m.host},
                       {"group_instance_id", m.group_instance_id},
                       {"assignment", assignment}});
  }
  json topics = json::array();
  for (const auto& t : g.topics) {
    json parts = json::array();
    for (const auto& p : t.partitions) {
      json row = {{"partition", p.tp.partition.value()}};
      row["committed_offset"] = p.committed ? json(p.committed->value()) : json(nullptr);
      row["log_start_offset"] = p.log_start.value();
      row["log_end_offset"] = p.high_watermark.value();
      row["lag"] = p.committed ? json(p.lag) : json(nullptr);
      row["last_timestamp"] = p.committed ? json(p.last_timestamp) : json(nullptr);
      row["last_record_offset"] =
          p.last_record_offset ? json(p.last_record_offset->value()) : json(nullptr);
      row["member_id"] = p.member_id();
      row["client_id"] = p.client_id();
      row["host"] = p.host();
      parts.push_back(std::move(row));
    }
    topics.push_back({{"topic", t.topic},
                      {"exists", t.exists},
                      {"total_lag", t.total_lag},
                      {"last_timestamp", t.last_timestamp},
                      {"partitions", parts}});
  }
  return {{"group", g.group_id},
          {"state", group_state_name(g.state)},
          {"total_lag", g.total_lag},
          {"last_timestamp", g.last_timestamp},
          {"computed_at_ms", g.computed_at_ms},
          {"members", members},
          {"topics", topics}};
}

}  // namespace kprogress
