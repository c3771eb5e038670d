#include "api/native/progress_json.h"

namespace kprogress {
namespace {

size_t partitions_of(const GroupProgress& g) {
  size_t n = 0;
  for (const auto& t : g.topics) n += t.partitions.size();
  return n;
}

void write_members(JsonStream& out, const GroupProgress& g) {
  out.begin_array("members");
  for (const auto& m : g.members) {
    out.begin_object();
    out.string("member_id", m.member_id);
    out.string("client_id", m.client_id);
    out.string("host", m.host);
    out.string("group_instance_id", m.group_instance_id);
    out.begin_array("assignment");
    for (const auto& tp : m.assignment) {
      out.begin_object();
      out.string("topic", tp.topic);
      out.integer("partition", tp.partition.value());
      out.end_object();
    }
    out.end_array();
    out.end_object();
  }
  out.end_array();
}

void write_partition(JsonStream& out, const PartitionProgress& p, const PartitionExtra& extra) {
  out.begin_object();
  out.integer("partition", p.tp.partition.value());
  const bool commit = p.has_commit();
  if (commit) {
    out.integer("committed_offset", p.committed->value());
  } else {
    out.null("committed_offset");
  }
  out.integer("log_start_offset", p.log_start.value());
  out.integer("log_end_offset", p.high_watermark.value());
  if (commit) {
    out.integer("lag", p.lag);
    out.integer("last_timestamp", p.last_timestamp);
  } else {
    out.null("lag");
    out.null("last_timestamp");
  }
  if (p.last_record_offset) {
    out.integer("last_record_offset", p.last_record_offset->value());
  } else {
    out.null("last_record_offset");
  }
  out.string("member_id", p.member_id());
  out.string("client_id", p.client_id());
  out.string("host", p.host());
  if (extra) extra(out, p);
  out.end_object();
}

}  // namespace

void write_progress_members(JsonStream& out, const GroupProgress& g,
                            const PartitionExtra& partition_extra) {
  out.string("group", g.group_id);
  out.string("state", group_state_name(g.state));
  out.integer("total_lag", g.total_lag);
  out.integer("last_timestamp", g.last_timestamp);
  out.integer("computed_at_ms", g.computed_at_ms);
  write_members(out, g);
  out.begin_array("topics");
  for (const auto& t : g.topics) {
    out.begin_object();
    out.string("topic", t.topic);
    out.boolean("exists", t.exists);
    out.integer("total_lag", t.total_lag);
    out.integer("last_timestamp", t.last_timestamp);
    out.begin_array("partitions");
    for (const auto& p : t.partitions) write_partition(out, p, partition_extra);
    out.end_array();
    out.end_object();
  }
  out.end_array();
}

std::string progress_json(const GroupProgress& g) {
  JsonStream out(512 + 256 * partitions_of(g));
  out.begin_object();
  write_progress_members(out, g);
  out.end_object();
  return out.take();
}

}  // namespace kprogress
