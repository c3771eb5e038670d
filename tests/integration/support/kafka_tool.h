// The independent oracle: Kafka's own kafka-consumer-groups, run through the project's
// scripts/kafka (found through $KPROGRESS_SOURCE_DIR), and its --describe table parsed into rows.
// Functions only; safe to call from several threads (each runs its own process).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kprogress::testing {

struct ToolResult {
  int exit_code = -1;  // -1 when the process was killed at the timeout
  std::string out;
  std::string err;
};

// Runs `scripts/kafka tool ARGS...`; kills it after `timeout`.
ToolResult run_kafka_tool(const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(120));

// One line of `kafka-consumer-groups --describe --group G`. Optional fields are "-" in the table.
struct GroupToolRow {
  std::string group;
  std::string topic;
  int32_t partition = -1;
  std::optional<int64_t> current_offset;
  std::optional<int64_t> log_end_offset;
  std::optional<int64_t> lag;
  std::string consumer_id;  // "-" when no member owns the partition
  std::string host;
  std::string client_id;
};

// Parses the table in the tool's stdout (the lines after the GROUP ... CLIENT-ID header).
std::vector<GroupToolRow> parse_group_table(const std::string& out);

// Runs `consumer-groups --bootstrap-server B --describe --group G` and parses it. Throws
// std::runtime_error when the tool fails (the message has its output); a group that does not
// exist comes back as no rows with `*missing` set when `missing` is given.
std::vector<GroupToolRow> describe_group_with_tool(const std::string& bootstrap,
                                                   const std::string& group,
                                                   bool* missing = nullptr);

}  // namespace kprogress::testing
