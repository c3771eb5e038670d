// Error: what went wrong, as a value. Errors are returned (Result<T>), not thrown; exceptions are
// kept for start-up configuration failures and third-party boundaries.
#pragma once

#include <string>
#include <string_view>

namespace kprogress {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,   // the caller sent something malformed or out of range
  kMissingArgument,   // a required input is absent
  kNotFound,          // the named thing (group, instance, topic) does not exist
  kUnavailable,       // Kafka (or a broker) could not be reached or answered with an error
  kDeadlineExceeded,  // the deadline passed before the answer was complete
  kUnauthenticated,   // credentials missing or wrong
  kPermissionDenied,  // credentials fine, but not allowed on this resource
  kUnsupported,       // understood, but not something kprogress does
  kInternal,          // a bug: an invariant of ours was broken
};

std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kOk;
  std::string message;

  static Error invalid_argument(std::string m) {
    return {ErrorCode::kInvalidArgument, std::move(m)};
  }
  static Error missing_argument(std::string m) {
    return {ErrorCode::kMissingArgument, std::move(m)};
  }
  static Error not_found(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Error unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Error deadline_exceeded(std::string m) {
    return {ErrorCode::kDeadlineExceeded, std::move(m)};
  }
  static Error unauthenticated(std::string m) {
    return {ErrorCode::kUnauthenticated, std::move(m)};
  }
  static Error permission_denied(std::string m) {
    return {ErrorCode::kPermissionDenied, std::move(m)};
  }
  static Error unsupported(std::string m) { return {ErrorCode::kUnsupported, std::move(m)}; }
  static Error internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  // "what: message", for adding context while propagating.
  Error with_context(std::string_view what) const {
    return {code, std::string(what) + ": " + message};
  }
};

}  // namespace kprogress
