// Alibaba's V3 signature, ACS3-HMAC-SHA256 (spec/alikafka-api.md §2.2): parsing the
// Authorization header, the canonical request, the StringToSign and the hex signature. Used by
// the Authenticator to verify and by tests to sign. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/gateway_error.h"
#include "api/urlcode.h"

namespace kprogress::auth {

inline constexpr std::string_view kAcs3HmacSha256 = "ACS3-HMAC-SHA256";

// `Authorization: ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<h1;h2>,Signature=<hex>`.
struct Acs3Authorization {
  std::string access_key_id;
  std::vector<std::string> signed_headers;  // lower-cased, in the client's order
  std::string signature;                    // lower-cased hex
};

// Parses the header's value. Another ACS3 algorithm (ACS3-HMAC-SM3, ACS3-RSA-SHA256) or any
// other scheme gives InvalidSignatureMethod; a missing, empty or repeated Credential,
// SignedHeaders or Signature, or an empty or repeated signed header name, gives
// IncompleteSignature. Unknown `key=value` items are ignored; items may be separated by ", ".
GatewayResult<Acs3Authorization> parse_acs3_authorization(std::string_view value);

// The canonical query: params sorted by name in byte order (equal names keep their order), each
// enc(name) + "=" + enc(value) with enc = percent_encode_rfc3986, joined with '&'. `query` is
// the *decoded* query string: clients differ in how they escape on the wire (TS leaves
// `*()!~` raw, Python sends '+' for a space), so the server decodes and re-encodes.
std::string v3_canonical_query(const ParamList& query);

// Method \n path \n canonical query \n (name ":" trim(value) "\n" for each signed header) \n
// names joined by ';' \n hashed_payload. `signed_headers` holds (lower-case name, value) in the
// order the client listed them.
std::string v3_canonical_request(
    std::string_view method, std::string_view path, std::string_view canonical_query,
    const std::vector<std::pair<std::string, std::string>>& signed_headers,
    std::string_view hashed_payload);

// "ACS3-HMAC-SHA256\n" + lower hex SHA-256 of the canonical request.
std::string v3_string_to_sign(std::string_view canonical_request);

// Lower hex HMAC-SHA256(key = secret, no '&' suffix, string_to_sign).
std::string v3_signature(std::string_view secret, std::string_view string_to_sign);

// Lower hex SHA-256 of `body`: what x-acs-content-sha256 must carry.
std::string v3_hashed_payload(std::string_view body);

}  // namespace kprogress::auth
