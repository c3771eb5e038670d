// SignedRequest: the parts of an HTTP request that Alibaba's two signature schemes cover, as the
// HTTP layer hands them to the Authenticator (no Beast types here), and request_params(), the one
// place that decodes a request's parameters (the query string, then an
// application/x-www-form-urlencoded body). Plain values; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/gateway_error.h"
#include "api/urlcode.h"

namespace kprogress::auth {

struct SignedRequest {
  std::string method;  // as received: "GET" or "POST"
  std::string path;    // the request target before '?', e.g. "/"
  std::string query;   // raw, still encoded, without the '?'
  // In the order received, names lower-cased, values untouched. A name may repeat.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // raw bytes as received
  // The Content-Type header, or empty (then request_params() looks in `headers`).
  std::string content_type;

  // The value of the first header named `name` (ASCII case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
  // How many headers are named `name` (ASCII case-insensitive).
  size_t header_count(std::string_view name) const;
};

// True when `content_type` is application/x-www-form-urlencoded (any case, any parameters such
// as "; charset=UTF-8").
bool is_form_content_type(std::string_view content_type);

// The decoded query params followed by the decoded form-body params (only when the body is
// form-urlencoded), in the order received, duplicates and empty values kept. A malformed
// percent-escape gives InvalidParameter. This is the `params` argument Authenticator::verify()
// expects, and what the actions read their parameters from.
// At most kMaxRequestParams params in all (a real client sends under 30): more is
// InvalidParameter, decided before the extra params are decoded or stored, so a body full of
// "&a" cannot make the server allocate a string pair per two bytes.
inline constexpr size_t kMaxRequestParams = 128;
GatewayResult<ParamList> request_params(const SignedRequest& request);

// Which scheme signed the request: V3 when the Authorization header starts with "ACS3-",
// otherwise V1 (params AccessKeyId, Signature, ...), as the POP gateway dispatches.
enum class SignatureScheme {
  kV1HmacSha1,      // RPC signature 1.0: HMAC-SHA1 over the params (pop-core, Python core, CLI)
  kV3AcsHmacSha256  // ACS3-HMAC-SHA256 over method, query and headers (Tea SDKs)
};
SignatureScheme signature_scheme(const SignedRequest& request);

}  // namespace kprogress::auth
