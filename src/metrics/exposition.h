// Prometheus exposition of what kprogress knows: per-partition and per-group lag, lag in
// seconds, offsets, rates and status from each instance's collector snapshot, the collector's own
// health, and the HTTP server's request metrics. Names are declared in metric_names.h, the one
// place that lists what kprogress exports, and what is left out rather than written as a sentinel;
// labels are bounded (instance, group, topic, partition, the partition's owner, route template,
// method, status code). Rendering is pure and thread-safe: it reads immutable snapshots and the
// request metrics' own synchronized state.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "progress/snapshot.h"

namespace kprogress {

enum class MetricsGranularity {
  kPartition,  // one series per group-partition (like kafka-lag-exporter)
  kTopic,      // per group-topic sums and maxima only: far fewer series on large clusters
};

// Request counts by route template, method and status code, and durations by route template and
// method; fed by the HTTP server's request observer. Thread-safe. Methods other than the standard
// ones count as "OTHER", so that a client cannot make up label values.
class RequestMetrics {
 public:
  RequestMetrics();
  ~RequestMetrics();
  void observe(std::string_view route, std::string_view method, int status,
               std::chrono::nanoseconds duration);

  // Appends the request families in the text format; nothing before the first request (a
  // family without series is left out, as everywhere in /metrics).
  void append_to(std::string& out) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

struct MetricsInput {
  std::vector<std::shared_ptr<const InstanceSnapshot>> instances;
  MetricsGranularity granularity = MetricsGranularity::kPartition;
  const RequestMetrics* requests = nullptr;  // optional
  // Scrape time. Not written: every figure is reported as of the cycle that measured it (the
  // collector's timestamps say when), never extrapolated to the scrape.
  int64_t now_ms = 0;
};

// The text exposition format (version 0.0.4): the snapshot families in metric_names::kAll's order
// (a family with no series is left out), instances in the given order, groups and partitions
// sorted; then the request metrics.
std::string render_metrics(const MetricsInput& input);

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace kprogress
