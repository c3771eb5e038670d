// Every metric kprogress exports, with its type, help text and labels: the one place to read what
// /metrics may contain. Names follow kafka-lag-exporter where it has the metric (so that its
// dashboards and alerts work unchanged); the rest are kprogress_*. Constants only.
//
// SERIES THAT ARE LEFT OUT, never written as a sentinel (-1, NaN):
//   - a partition without a committed offset has no group-partition series at all (no offset,
//     lag, lag seconds, status, rates or drain time); it still counts in the topic's
//     kafka_partition_{latest,earliest}_offset, which do not depend on the group;
//   - lag seconds, rates and time to drain are left out while unknown (not read yet, or too few
//     samples), and time to drain also while the lag never drains at the current rates;
//   - group and group-topic maxima and sums are left out for a group (topic) without commits;
//   - an instance's per-cycle figures are left out until its first cycle, and its
//     last-success timestamp until a cycle succeeds.
// Labels on group-partition series are kafka-lag-exporter's: member_host, consumer_id and
// client_id are the current owner's, empty ("" = no such label in Prometheus) when unassigned.
#pragma once

#include <array>
#include <string_view>

namespace kprogress::metric_names {

enum class MetricType { kGauge, kCounter, kHistogram };

struct MetricDef {
  std::string_view name;
  MetricType type;
  std::string_view help;  // one line; no backslash
};

// ---- Label names ----
inline constexpr std::string_view kClusterName = "cluster_name";  // the instance id
inline constexpr std::string_view kGroup = "group";
inline constexpr std::string_view kTopic = "topic";
inline constexpr std::string_view kPartition = "partition";
inline constexpr std::string_view kMemberHost = "member_host";
inline constexpr std::string_view kConsumerId = "consumer_id";
inline constexpr std::string_view kClientId = "client_id";
inline constexpr std::string_view kStatus = "status";  // OK, WARN, ERR, STOP, STALL, REWIND
inline constexpr std::string_view kState = "state";    // STABLE, EMPTY, ...
inline constexpr std::string_view kRoute = "route";    // the route template, never a raw path
inline constexpr std::string_view kMethod = "method";
inline constexpr std::string_view kCode = "code";

using enum MetricType;

// ---- Group-partition: cluster_name, group, topic, partition, member_host, consumer_id,
// client_id. Only with MetricsGranularity::kPartition, only for partitions with a commit. ----
inline constexpr MetricDef kGroupOffset{"kafka_consumergroup_group_offset", kGauge,
                                        "Committed offset of the group for the partition (the "
                                        "next offset it will read)."};
inline constexpr MetricDef kGroupLag{"kafka_consumergroup_group_lag", kGauge,
                                     "Lag of the group on the partition in offsets: high "
                                     "watermark minus committed offset, at least 0."};
inline constexpr MetricDef kGroupLagSeconds{
    "kafka_consumergroup_group_lag_seconds", kGauge,
    "Age in seconds of the oldest record the group has not consumed (0 when caught up); left "
    "out while unknown."};
inline constexpr MetricDef kPartitionStatus{
    "kprogress_partition_status", kGauge,
    "Evaluated status of the group on the partition, as a number (OK=1 WARN=2 ERR=3 STOP=4 "
    "STALL=5 REWIND=6) and as the status label."};
inline constexpr MetricDef kPartitionConsumeRate{
    "kprogress_partition_consume_rate", kGauge,
    "Records per second the group commits on the partition, over the recent samples."};
inline constexpr MetricDef kPartitionProduceRate{
    "kprogress_partition_produce_rate", kGauge,
    "Records per second appended to the partition (high watermark advance), over the recent "
    "samples."};
inline constexpr MetricDef kPartitionTimeToDrain{
    "kprogress_partition_time_to_drain_seconds", kGauge,
    "Seconds until the lag is consumed at the current rates; left out when it never drains or "
    "cannot be told yet."};

// ---- Topic-partition: cluster_name, topic, partition. Only with kPartition. ----
inline constexpr MetricDef kPartitionLatestOffset{
    "kafka_partition_latest_offset", kGauge,
    "High watermark of the partition (LOG-END-OFFSET of kafka-consumer-groups)."};
inline constexpr MetricDef kPartitionEarliestOffset{"kafka_partition_earliest_offset", kGauge,
                                                    "First offset still in the partition's log."};

// ---- Group-topic: cluster_name, group, topic. ----
inline constexpr MetricDef kGroupTopicSumLag{
    "kafka_consumergroup_group_topic_sum_lag", kGauge,
    "Sum of the group's lag in offsets over the topic's partitions with a commit."};
inline constexpr MetricDef kGroupTopicMaxLag{
    "kprogress_group_topic_max_lag", kGauge,
    "Largest lag in offsets of the group over the topic's partitions with a commit."};
inline constexpr MetricDef kGroupTopicMaxLagSeconds{
    "kprogress_group_topic_max_lag_seconds", kGauge,
    "Largest known lag in seconds of the group over the topic's partitions."};

// ---- Group: cluster_name, group. ----
inline constexpr MetricDef kGroupMaxLag{
    "kafka_consumergroup_group_max_lag", kGauge,
    "Largest lag in offsets of the group over its partitions with a commit."};
inline constexpr MetricDef kGroupMaxLagSeconds{
    "kafka_consumergroup_group_max_lag_seconds", kGauge,
    "Largest known lag in seconds of the group over its partitions."};
inline constexpr MetricDef kGroupSumLag{
    "kafka_consumergroup_group_sum_lag", kGauge,
    "Sum of the group's lag in offsets over its partitions with a commit."};
inline constexpr MetricDef kGroupStatus{
    "kprogress_group_status", kGauge,
    "Evaluated status of the group, as a number (OK=1 WARN=2 ERR=3) and as the status label."};
inline constexpr MetricDef kGroupMembers{"kprogress_group_members", kGauge,
                                         "Members of the group."};
inline constexpr MetricDef kGroupState{"kprogress_group_state", kGauge,
                                       "1 for the group's current state (the state label)."};
inline constexpr MetricDef kGroupUpdated{
    "kprogress_group_updated_timestamp_seconds", kGauge,
    "Unix time of the collector cycle that last read the group successfully."};

// ---- Collector, per instance: cluster_name. ----
inline constexpr MetricDef kCollectorCycleDuration{"kprogress_collector_cycle_duration_seconds",
                                                   kGauge, "Duration of the last cycle."};
inline constexpr MetricDef kCollectorLastSuccess{
    "kprogress_collector_last_success_timestamp_seconds", kGauge,
    "Unix time at which the last successful cycle ended."};
inline constexpr MetricDef kCollectorKafkaCalls{"kprogress_collector_kafka_calls", kGauge,
                                                "Kafka client calls made by the last cycle."};
inline constexpr MetricDef kCollectorRecordReads{
    "kprogress_collector_record_reads", kGauge,
    "Partitions whose records the last cycle had to read (record cache misses)."};
inline constexpr MetricDef kCollectorGroups{"kprogress_collector_groups", kGauge,
                                            "Groups in the last snapshot."};
inline constexpr MetricDef kCollectorPartitions{"kprogress_collector_partitions", kGauge,
                                                "Group-partitions in the last snapshot."};
inline constexpr MetricDef kCollectorFailedGroups{
    "kprogress_collector_failed_groups", kGauge,
    "Groups the last cycle could not read (they keep their previous numbers)."};
inline constexpr MetricDef kCollectorCycles{"kprogress_collector_cycles_total", kCounter,
                                            "Collector cycles completed, failed or not."};
inline constexpr MetricDef kInstanceUp{
    "kprogress_instance_up", kGauge,
    "1 when the instance's last collector cycle succeeded, else 0 (also before the first)."};

// ---- HTTP server ----
inline constexpr MetricDef kHttpRequests{"kprogress_http_requests_total", kCounter,
                                         "HTTP requests answered, by route template, method and "
                                         "status code."};
inline constexpr MetricDef kHttpRequestDuration{
    "kprogress_http_request_duration_seconds", kHistogram,
    "Time from the first byte of a request to the last byte of its response, by route template "
    "and method."};

// Upper bounds (seconds) of the request duration histogram's buckets (+Inf is implied).
inline constexpr std::array<double, 14> kHttpDurationBuckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// Every metric, in the order /metrics writes them.
inline constexpr std::array kAll{
    kGroupOffset,
    kGroupLag,
    kGroupLagSeconds,
    kPartitionStatus,
    kPartitionConsumeRate,
    kPartitionProduceRate,
    kPartitionTimeToDrain,
    kPartitionLatestOffset,
    kPartitionEarliestOffset,
    kGroupTopicSumLag,
    kGroupTopicMaxLag,
    kGroupTopicMaxLagSeconds,
    kGroupMaxLag,
    kGroupMaxLagSeconds,
    kGroupSumLag,
    kGroupStatus,
    kGroupMembers,
    kGroupState,
    kGroupUpdated,
    kCollectorCycleDuration,
    kCollectorLastSuccess,
    kCollectorKafkaCalls,
    kCollectorRecordReads,
    kCollectorGroups,
    kCollectorPartitions,
    kCollectorFailedGroups,
    kCollectorCycles,
    kInstanceUp,
    kHttpRequests,
    kHttpRequestDuration,
};

}  // namespace kprogress::metric_names
