// Mapping librdkafka's error codes and partition lists to kprogress Errors and readable text.
// Pure functions; thread-safe.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "common/types.h"

namespace kprogress::rdk {

// The ErrorCode for a librdkafka error (authentication, authorization, unknown topic ...);
// everything a broker or the network caused that is none of those is kUnavailable.
ErrorCode error_code_for(rd_kafka_resp_err_t err);

// Error{error_code_for(err), "<what>: <librdkafka's text for err>"}.
Error error_from(rd_kafka_resp_err_t err, const std::string& what);

// "orders-3, orders-4 and 12 more": names at most `max_named` partitions.
std::string describe_partitions(const std::vector<TopicPartition>& tps, size_t max_named = 5);

// True for the errors that say the group coordinator is moving or loading, which the admin API
// does not retry by itself.
bool is_coordinator_error(rd_kafka_resp_err_t err);

}  // namespace kprogress::rdk
