// The alikafka wire formats: success bodies of GetConsumerProgress and the gateway's error body,
// each in JSON and XML exactly as Alibaba's gateway writes them (key names, order, nesting, and
// lists double-wrapped as "X": {"X": [...]}). Golden files in tests/golden/ pin them.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "api/alikafka/rpc_call.h"
#include "api/api_request.h"
#include "api/gateway_error.h"
#include "progress/model.h"

namespace kprogress {

enum class AlikafkaVersion { k20181015, k20190916 };

struct ProgressRenderOptions {
  AlikafkaVersion version = AlikafkaVersion::k20190916;
  bool hide_last_timestamp = false;  // every LastTimestamp becomes -1
};

// The body of a successful GetConsumerProgress. Partitions without a commit and topics that no
// longer exist are left out (the format cannot say "none").
std::string render_progress(const GroupProgress& progress, const ProgressRenderOptions& options,
                            ResponseFormat format, const std::string& request_id);

// {"RequestId", "HostId", "Code", "Message"} or <Error>...</Error>, with status and headers.
ApiResponse render_gateway_error(const GatewayError& error, ResponseFormat format,
                                 const std::string& request_id, const std::string& host_id);

// Content types as the gateway sends them.
inline constexpr const char* kJsonContentType = "application/json;charset=utf-8";
inline constexpr const char* kXmlContentType = "text/xml;charset=utf-8";

}  // namespace kprogress
