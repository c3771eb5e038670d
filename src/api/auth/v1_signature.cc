#include "api/auth/v1_signature.h"

#include "api/auth/crypto.h"

namespace kprogress::auth {

std::string v1_canonical_query(const ParamList& params) {
  ParamList signed_params;
  signed_params.reserve(params.size());
  for (const auto& p : params) {
    if (p.first != "Signature") signed_params.push_back(p);
  }
  return canonical_query_rfc3986(signed_params);
}

std::string v1_string_to_sign(std::string_view method, const ParamList& params) {
  return std::string(method) + "&%2F&" + percent_encode_rfc3986(v1_canonical_query(params));
}

std::string v1_signature(std::string_view secret, std::string_view string_to_sign) {
  std::string key(secret);
  key.push_back('&');
  return base64_encode(hmac_sha1(key, string_to_sign));
}

}  // namespace kprogress::auth
