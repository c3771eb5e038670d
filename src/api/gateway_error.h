// GatewayError: an error as Alibaba's API gateway (POP) reports it, before any alikafka action
// runs: an HTTP status, a string code and a message (spec/alikafka-api.md §1.5, §2.3). Every
// gateway error kprogress sends is built by one of the named factories below, so codes and
// messages match the real gateway word for word; the HTTP layer turns it into the
// {RequestId, HostId, Code, Message, Recommend} body (JSON or XML).
// GatewayResult<T> is a T or a GatewayError, shaped like common/result.h's Result<T>.
// Plain values: safe to copy and to use from any thread.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "common/result.h"

namespace kprogress {

struct GatewayError {
  int http_status = 500;
  std::string code;
  std::string message;
  // > 0: the client should wait this long before retrying; sent as `x-acs-retry-after` (ms),
  // which newer Tea SDKs turn into a ThrottlingException.
  int64_t retry_after_ms = 0;

  // 400. `server_string_to_sign` follows "server string to sign is:", because
  // aliyun-python-sdk-core splits the message at ':' and compares the part after the first one
  // with its own StringToSign (a message without ':' crashes it). V3's StringToSign is only a
  // hash, so V3 passes its canonical request too, for the client's author to compare.
  static GatewayError signature_does_not_match(std::string_view server_string_to_sign,
                                               std::string_view server_canonical_request = {}) {
    std::string message =
        "Specified signature is not matched with our calculation. server string to sign is:" +
        std::string(server_string_to_sign);
    if (!server_canonical_request.empty()) {
      message += "\nserver canonical request is:\n" + std::string(server_canonical_request);
    }
    return {400, "SignatureDoesNotMatch", std::move(message)};
  }
  // 400, V3: the x-acs-content-sha256 header is not the hash of the body that arrived.
  static GatewayError content_sha256_does_not_match(std::string_view body_sha256) {
    return {400, "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation. x-acs-content-sha256 is not "
            "the SHA-256 of the request body received, which is:" +
                std::string(body_sha256)};
  }
  // 404, as most of Alibaba's tables have it (some say 400).
  static GatewayError access_key_not_found() {
    return {404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."};
  }
  static GatewayError access_key_inactive() {
    return {400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled."};
  }
  static GatewayError timestamp_expired() {
    return {400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."};
  }
  static GatewayError timestamp_format() {
    return {400, "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted."};
  }
  static GatewayError signature_nonce_used() {
    return {400, "SignatureNonceUsed", "Specified signature nonce was used already."};
  }
  static GatewayError missing_parameter(std::string_view name) {
    return {400, "MissingParameter",
            "The input parameter \"" + std::string(name) +
                "\" that is mandatory for processing this request is not supplied."};
  }
  // `detail`, when given, follows the standard sentence (e.g. why the value is not valid).
  static GatewayError invalid_parameter(std::string_view name, std::string_view detail = {}) {
    std::string message = "The specified parameter \"" + std::string(name) + "\" is not valid.";
    if (!detail.empty()) message += " " + std::string(detail);
    return {400, "InvalidParameter", std::move(message)};
  }
  static GatewayError invalid_signature_method() {
    return {400, "InvalidSignatureMethod", "Specified signature method is not valid."};
  }
  static GatewayError incomplete_signature() {
    return {400, "IncompleteSignature",
            "The request signature does not conform to Aliyun standards."};
  }
  static GatewayError api_not_found() {
    return {404, "InvalidApi.NotFound",
            "Specified api is not found, please check your url and method."};
  }
  static GatewayError invalid_version() {
    return {400, "InvalidVersion", "Specified parameter Version is not valid."};
  }
  static GatewayError unsupported_http_method() {
    return {400, "UnsupportedHTTPMethod", "This http method not supported."};
  }
  static GatewayError throttling_user(int64_t retry_after_ms) {
    return {400, "Throttling.User", "Request was denied due to user flow control.", retry_after_ms};
  }
  static GatewayError forbidden_ram() {
    return {403, "Forbidden.RAM",
            "User not authorized to operate on the specified resource, or this API doesn't "
            "support RAM."};
  }
  // kprogress has no STS; a request carrying a SecurityToken cannot be honoured as intended.
  static GatewayError security_token_not_supported() {
    return {400, "InvalidSecurityToken.NotSupported",
            "STS security tokens are not supported by kprogress; sign with an AccessKey that is "
            "configured on the server."};
  }
  static GatewayError internal_error() {
    return {500, "InternalError",
            "The request processing has failed due to some unknown error, exception or "
            "failure."};
  }
  static GatewayError service_unavailable() {
    return {503, "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server."};
  }
};

// A T or a GatewayError.
template <typename T>
using GatewayResult = Result<T, GatewayError>;

}  // namespace kprogress
