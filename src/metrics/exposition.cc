#include "metrics/exposition.h"

#include <algorithm>
#include <map>
#include <optional>

#include "metrics/metric_names.h"
#include "metrics/text_format.h"

namespace kprogress {
namespace {

namespace names = metric_names;
using metrics_text::FamilyBuffer;
using metrics_text::LabelSet;

// One buffer per family, filled in a single pass over the snapshots and written in kAll's order.
struct Families {
  FamilyBuffer group_offset{names::kGroupOffset};
  FamilyBuffer group_lag{names::kGroupLag};
  FamilyBuffer group_lag_seconds{names::kGroupLagSeconds};
  FamilyBuffer partition_status{names::kPartitionStatus};
  FamilyBuffer consume_rate{names::kPartitionConsumeRate};
  FamilyBuffer produce_rate{names::kPartitionProduceRate};
  FamilyBuffer time_to_drain{names::kPartitionTimeToDrain};
  FamilyBuffer latest_offset{names::kPartitionLatestOffset};
  FamilyBuffer earliest_offset{names::kPartitionEarliestOffset};
  FamilyBuffer topic_sum_lag{names::kGroupTopicSumLag};
  FamilyBuffer topic_max_lag{names::kGroupTopicMaxLag};
  FamilyBuffer topic_max_lag_seconds{names::kGroupTopicMaxLagSeconds};
  FamilyBuffer group_max_lag{names::kGroupMaxLag};
  FamilyBuffer group_max_lag_seconds{names::kGroupMaxLagSeconds};
  FamilyBuffer group_sum_lag{names::kGroupSumLag};
  FamilyBuffer group_status{names::kGroupStatus};
  FamilyBuffer group_members{names::kGroupMembers};
  FamilyBuffer group_state{names::kGroupState};
  FamilyBuffer group_updated{names::kGroupUpdated};
  FamilyBuffer cycle_duration{names::kCollectorCycleDuration};
  FamilyBuffer last_success{names::kCollectorLastSuccess};
  FamilyBuffer kafka_calls{names::kCollectorKafkaCalls};
  FamilyBuffer record_reads{names::kCollectorRecordReads};
  FamilyBuffer groups{names::kCollectorGroups};
  FamilyBuffer partitions{names::kCollectorPartitions};
  FamilyBuffer failed_groups{names::kCollectorFailedGroups};
  FamilyBuffer cycles{names::kCollectorCycles};
  FamilyBuffer instance_up{names::kInstanceUp};

  // Moves every family into `out`, reserved once, freeing each buffer as it goes.
  void move_to(std::string& out, size_t extra) {
    const std::initializer_list<FamilyBuffer*> all = {&group_offset,
                                                      &group_lag,
                                                      &group_lag_seconds,
                                                      &partition_status,
                                                      &consume_rate,
                                                      &produce_rate,
                                                      &time_to_drain,
                                                      &latest_offset,
                                                      &earliest_offset,
                                                      &topic_sum_lag,
                                                      &topic_max_lag,
                                                      &topic_max_lag_seconds,
                                                      &group_max_lag,
                                                      &group_max_lag_seconds,
                                                      &group_sum_lag,
                                                      &group_status,
                                                      &group_members,
                                                      &group_state,
                                                      &group_updated,
                                                      &cycle_duration,
                                                      &last_success,
                                                      &kafka_calls,
                                                      &record_reads,
                                                      &groups,
                                                      &partitions,
                                                      &failed_groups,
                                                      &cycles,
                                                      &instance_up};
    size_t size = extra;
    for (const FamilyBuffer* f : all) size += f->text_size();
    out.reserve(out.size() + size);
    for (FamilyBuffer* f : all) {
      f->append_to(out);
      f->release();
    }
  }
};

double seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// Sums and maxima over the partitions (with a commit) of one group-topic or one group.
struct LagSummary {
  bool any_commit = false;
  int64_t sum = 0;
  int64_t max = 0;
  std::optional<double> max_seconds;

  void add(const PartitionSnapshot& p) {
    any_commit = true;
    sum += p.progress.lag;
    max = std::max(max, p.progress.lag);
    if (p.lag_seconds) max_seconds = std::max(max_seconds.value_or(0), *p.lag_seconds);
  }
};

// A topic-partition's offsets, which do not depend on the group: taken from the group read most
// recently (a group that failed to read keeps older numbers).
struct TopicPartitionOffsets {
  int64_t read_ms = -1;
  int64_t earliest = 0;
  int64_t latest = 0;
};

void add_partition(Families& f, const LabelSet& labels, const PartitionSnapshot& p) {
  f.group_offset.add(labels, p.progress.committed->value());
  f.group_lag.add(labels, p.progress.lag);
  if (p.lag_seconds) f.group_lag_seconds.add(labels, *p.lag_seconds);
  const Status status = p.evaluation.status;
  f.partition_status.add(labels, names::kStatus, status_name(status), status_code(status));
  if (p.consume_rate) f.consume_rate.add(labels, *p.consume_rate);
  if (p.produce_rate) f.produce_rate.add(labels, *p.produce_rate);
  if (p.drain.seconds) f.time_to_drain.add(labels, *p.drain.seconds);
}

void add_group(Families& f, const std::string& instance, const GroupSnapshot& g,
               MetricsGranularity granularity,
               std::map<TopicPartition, TopicPartitionOffsets>& offsets) {
  LabelSet group_labels;
  group_labels.add(names::kClusterName, instance).add(names::kGroup, g.group_id);

  LagSummary group_lag;
  LagSummary topic_lag;
  const std::string* topic = nullptr;
  LabelSet labels;
  const auto flush_topic = [&] {
    if (topic == nullptr || !topic_lag.any_commit) return;
    labels = group_labels;
    labels.add(names::kTopic, *topic);
    f.topic_sum_lag.add(labels, topic_lag.sum);
    f.topic_max_lag.add(labels, topic_lag.max);
    if (topic_lag.max_seconds) f.topic_max_lag_seconds.add(labels, *topic_lag.max_seconds);
  };
  for (const auto& p : g.partitions) {  // sorted by topic, then partition
    const TopicPartition& tp = p.progress.tp;
    if (topic == nullptr || *topic != tp.topic) {
      flush_topic();
      topic = &tp.topic;
      topic_lag = {};
    }
    if (granularity == MetricsGranularity::kPartition) {
      TopicPartitionOffsets& o = offsets[tp];
      if (g.updated_ms > o.read_ms) {
        o = {g.updated_ms, p.progress.log_start.value(), p.progress.high_watermark.value()};
      }
    }
    if (!p.progress.has_commit()) continue;  // no series: see metric_names.h
    topic_lag.add(p);
    group_lag.add(p);
    if (granularity != MetricsGranularity::kPartition) continue;
    labels = group_labels;
    labels.add(names::kTopic, tp.topic)
        .add(names::kPartition, std::to_string(tp.partition.value()))
        .add(names::kMemberHost, p.progress.host())
        .add(names::kConsumerId, p.progress.member_id())
        .add(names::kClientId, p.progress.client_id());
    add_partition(f, labels, p);
  }
  flush_topic();

  if (group_lag.any_commit) {
    f.group_max_lag.add(group_labels, group_lag.max);
    f.group_sum_lag.add(group_labels, group_lag.sum);
  }
  if (g.max_lag_seconds) f.group_max_lag_seconds.add(group_labels, *g.max_lag_seconds);
  const Status status = g.evaluation.status;
  f.group_status.add(group_labels, names::kStatus, status_name(status), status_code(status));
  f.group_members.add(group_labels, static_cast<int64_t>(g.members.size()));
  f.group_state.add(group_labels, names::kState, group_state_name(g.state), 1);
  if (g.updated_ms > 0) f.group_updated.add(group_labels, seconds(g.updated_ms));
}

void add_instance(Families& f, const InstanceSnapshot& s, MetricsGranularity granularity) {
  std::map<TopicPartition, TopicPartitionOffsets> offsets;
  for (const auto& [id, g] : s.groups) add_group(f, s.instance_id, g, granularity, offsets);

  LabelSet labels;
  for (const auto& [tp, o] : offsets) {
    labels.clear();
    labels.add(names::kClusterName, s.instance_id)
        .add(names::kTopic, tp.topic)
        .add(names::kPartition, std::to_string(tp.partition.value()));
    f.latest_offset.add(labels, o.latest);
    f.earliest_offset.add(labels, o.earliest);
  }

  labels.clear();
  labels.add(names::kClusterName, s.instance_id);
  if (s.cycles > 0) {
    const CycleStats& c = s.last_cycle;
    f.cycle_duration.add(labels, seconds(c.duration_ms));
    f.kafka_calls.add(labels, static_cast<int64_t>(c.kafka_calls));
    f.record_reads.add(labels, static_cast<int64_t>(c.record_reads));
    f.groups.add(labels, static_cast<int64_t>(c.groups));
    f.partitions.add(labels, static_cast<int64_t>(c.partitions));
    f.failed_groups.add(labels, static_cast<int64_t>(c.failed_groups));
  }
  if (s.last_success_ms > 0) f.last_success.add(labels, seconds(s.last_success_ms));
  f.cycles.add(labels, static_cast<int64_t>(s.cycles));
  f.instance_up.add(labels, int64_t{s.cycles > 0 && !s.last_cycle.error ? 1 : 0});
}

}  // namespace

std::string render_metrics(const MetricsInput& input) {
  Families f;
  for (const auto& s : input.instances) {
    if (s) add_instance(f, *s, input.granularity);
  }
  std::string out;
  f.move_to(out, input.requests ? 16 * 1024 : 0);
  if (input.requests) input.requests->append_to(out);
  return out;
}

}  // namespace kprogress
