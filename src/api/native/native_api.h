// NativeApi: kprogress's own JSON API, for what alikafka's format cannot say (the dashboard and
// scripts use it), and the readiness report. Every answer is JSON; errors are
// {"error": {"code", "message"}} with a matching HTTP status.
//   GET /api/v1/instances                         every instance and its collector's health
//   GET /api/v1/instances/{instance}/groups       its groups: state, status, lag, lag in seconds
//   GET /api/v1/instances/{instance}/groups/{group}[?fresh=true]
//       one group in full: partitions (with and without commits), members, rates, time to
//       drain, status and history; from the collector's snapshot, or fresh from Kafka when the
//       collector does not track the group (or fresh=true)
//   GET /readyz                                   200 when every collector completed a cycle
// Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/api_request.h"
#include "progress/collector.h"
#include "progress/progress_service.h"

namespace kprogress {

class NativeApi {
 public:
  struct Instance {
    std::string id;
    std::string region;
    ProgressService* progress = nullptr;   // not owned
    const Collector* collector = nullptr;  // not owned; null when collection is off
  };

  NativeApi(std::vector<Instance> instances, std::chrono::milliseconds request_timeout);

  ApiResponse instances() const;
  ApiResponse groups(const std::string& instance_id) const;
  ApiResponse group(const std::string& instance_id, const std::string& group_id, bool fresh) const;
  // Whether group() answers from memory (the collector's snapshot, or an unknown instance), not
  // from Kafka: the HTTP server may then run it on an I/O thread.
  bool group_in_memory(const std::string& instance_id, const std::string& group_id,
                       bool fresh) const;
  ApiResponse ready() const;

 private:
  const Instance* find(const std::string& id) const;
  std::vector<Instance> instances_;
  std::chrono::milliseconds request_timeout_;
};

}  // namespace kprogress
