// alikafka's business errors, and the one function that maps a kprogress Error to the gateway
// error a client sees (HTTP status, code, message). Codes follow Alibaba's naming; the ones the
// cloud documents nowhere (unknown instance, unknown group) are chosen to read like theirs.
#pragma once

#include <string>

#include "api/gateway_error.h"
#include "common/error.h"

namespace kprogress {

// 404 InvalidInstanceId.NotFound: no instance with this id (in this region).
GatewayError instance_not_found(const std::string& instance_id, const std::string& region_id);
// 404 InvalidConsumerId.NotFound: the group does not exist on the instance's cluster.
GatewayError consumer_group_not_found(const std::string& group_id, const std::string& instance_id);

// kNotFound -> the caller-supplied not-found error; kUnavailable and kDeadlineExceeded -> 503
// ServiceUnavailable naming what failed; kInvalidArgument -> 400 InvalidParameter; the rest ->
// 500 InternalError. `not_found` is used for kNotFound.
GatewayError to_gateway_error(const Error& error, const GatewayError& not_found);

}  // namespace kprogress
