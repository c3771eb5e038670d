#include "kafka/rdkafka/errors.h"

namespace kprogress::rdk {

ErrorCode error_code_for(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR: return ErrorCode::kOk;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE: return ErrorCode::kDeadlineExceeded;
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR__SSL: return ErrorCode::kUnauthenticated;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return ErrorCode::kPermissionDenied;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR__UNKNOWN_GROUP: return ErrorCode::kNotFound;
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID: return ErrorCode::kInvalidArgument;
    case RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION: return ErrorCode::kUnsupported;
    default: return ErrorCode::kUnavailable;
  }
}

Error error_from(rd_kafka_resp_err_t err, const std::string& what) {
  return Error{error_code_for(err), what + ": " + rd_kafka_err2str(err)};
}

std::string describe_partitions(const std::vector<TopicPartition>& tps, size_t max_named) {
  std::string out;
  for (size_t i = 0; i < tps.size() && i < max_named; ++i) {
    if (i > 0) out += ", ";
    out += tps[i].to_string();
  }
  if (tps.size() > max_named) out += " and " + std::to_string(tps.size() - max_named) + " more";
  return out;
}

bool is_coordinator_error(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE;
}

}  // namespace kprogress::rdk
