#include "api/alikafka/errors.h"

namespace kprogress {

GatewayError instance_not_found(const std::string& instance_id, const std::string& region_id) {
  return {404, "InvalidInstanceId.NotFound",
          "The instance " + instance_id + " does not exist in region " + region_id + "."};
}

GatewayError consumer_group_not_found(const std::string& group_id, const std::string& instance_id) {
  return {404, "InvalidConsumerId.NotFound",
          "The consumer group " + group_id + " does not exist in instance " + instance_id + "."};
}

GatewayError to_gateway_error(const Error& error, const GatewayError& not_found) {
  switch (error.code) {
    case ErrorCode::kNotFound: return not_found;
    case ErrorCode::kUnavailable:
      return {503, "ServiceUnavailable", "Kafka is unavailable: " + error.message};
    case ErrorCode::kDeadlineExceeded:
      return {503, "ServiceUnavailable", "Kafka did not answer in time: " + error.message};
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMissingArgument: return {400, "InvalidParameter", error.message};
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied: return GatewayError::forbidden_ram();
    case ErrorCode::kUnsupported: return {400, "UnsupportedOperation", error.message};
    case ErrorCode::kOk:
    case ErrorCode::kInternal: break;
  }
  return {500, "InternalError", "Internal error: " + error.message};
}

}  // namespace kprogress
