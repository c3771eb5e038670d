// Alibaba's RPC signature version 1.0 (HMAC-SHA1), spec/alikafka-api.md §2.1: the canonical
// query over all params, the StringToSign, and the Base64 signature. Used by the Authenticator
// to verify and by tests to sign. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/urlcode.h"

namespace kprogress::auth {

// join("&", enc(name) + "=" + enc(value)) over every param but `Signature`, sorted by name in
// byte order (equal names keep their order), enc = percent_encode_rfc3986. Empty values stay.
std::string v1_canonical_query(const ParamList& params);

// method + "&%2F&" + enc(v1_canonical_query(params)); `method` is the real HTTP method.
std::string v1_string_to_sign(std::string_view method, const ParamList& params);

// Base64(HMAC-SHA1(key = secret + "&", string_to_sign)).
std::string v1_signature(std::string_view secret, std::string_view string_to_sign);

}  // namespace kprogress::auth
