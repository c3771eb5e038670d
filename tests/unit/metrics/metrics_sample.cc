// Prints a rendered /metrics body that uses every family, escaped label values and the request
// metrics: the input of the promtool test (CMakeLists.txt), and a way to look at the format.
#include <iostream>

#include "metrics/exposition.h"
#include "snapshot_builder.h"

int main() {
  using namespace kprogress;
  auto c1 = testing::small_case();
  GroupSnapshot odd;
  odd.group_id = "quote\" backslash\\ newline\n caf\xC3\xA9 bad\xFF";
  odd.state = GroupState::kEmpty;
  odd.updated_ms = c1->groups.begin()->second.updated_ms;
  auto p = testing::committed_partition("t\"opic", 0, 1, 3);
  p.evaluation.status = Status::kStall;
  testing::add(odd, p);
  c1->groups.emplace(odd.group_id, odd);
  auto c2 = testing::instance("c2", 0, 0);  // before its first cycle

  RequestMetrics requests;
  requests.observe("/metrics", "GET", 200, std::chrono::milliseconds(3));
  requests.observe("/", "POST", 403, std::chrono::microseconds(700));
  requests.observe("unmatched", "BREW", 405, std::chrono::microseconds(50));

  MetricsInput in;
  in.instances = {c1, c2};
  in.requests = &requests;
  in.granularity = MetricsGranularity::kPartition;
  std::cout << render_metrics(in);
  in.granularity = MetricsGranularity::kTopic;
  if (render_metrics(in).find("partition=") != std::string::npos) return 1;
  return 0;
}
