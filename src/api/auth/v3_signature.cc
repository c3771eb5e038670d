#include "api/auth/v3_signature.h"

#include <algorithm>

#include "api/auth/crypto.h"

namespace kprogress::auth {
namespace {

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

GatewayResult<Acs3Authorization> parse_acs3_authorization(std::string_view value) {
  value = trim(value);
  size_t space = value.find(' ');
  std::string_view algorithm = value.substr(0, space);
  if (algorithm != kAcs3HmacSha256) return GatewayError::invalid_signature_method();
  if (space == std::string_view::npos) return GatewayError::incomplete_signature();

  bool have_credential = false, have_headers = false, have_signature = false;
  Acs3Authorization auth;
  std::string_view rest = value.substr(space + 1);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return GatewayError::incomplete_signature();
    std::string_view key = item.substr(0, eq);
    std::string_view val = item.substr(eq + 1);
    bool* seen = key == "Credential"      ? &have_credential
                 : key == "SignedHeaders" ? &have_headers
                 : key == "Signature"     ? &have_signature
                                          : nullptr;
    if (seen == nullptr) continue;
    if (*seen || val.empty()) return GatewayError::incomplete_signature();
    *seen = true;
    if (key == "Credential") {
      auth.access_key_id = std::string(val);
    } else if (key == "Signature") {
      auth.signature = lower(val);
    } else {
      while (!val.empty()) {
        size_t semi = val.find(';');
        std::string name = lower(trim(val.substr(0, semi)));
        val = semi == std::string_view::npos ? std::string_view() : val.substr(semi + 1);
        if (name.empty() || std::find(auth.signed_headers.begin(), auth.signed_headers.end(),
                                      name) != auth.signed_headers.end()) {
          return GatewayError::incomplete_signature();
        }
        auth.signed_headers.push_back(std::move(name));
      }
    }
  }
  if (!have_credential || !have_headers || !have_signature) {
    return GatewayError::incomplete_signature();
  }
  return auth;
}

std::string v3_canonical_query(const ParamList& query) { return canonical_query_rfc3986(query); }

std::string v3_canonical_request(
    std::string_view method, std::string_view path, std::string_view canonical_query,
    const std::vector<std::pair<std::string, std::string>>& signed_headers,
    std::string_view hashed_payload) {
  std::string out;
  out.append(method).push_back('\n');
  out.append(path).push_back('\n');
  out.append(canonical_query).push_back('\n');
  std::string names;
  for (const auto& [name, value] : signed_headers) {
    out.append(name).append(":").append(trim(value)).push_back('\n');
    if (!names.empty()) names.push_back(';');
    names += name;
  }
  out.push_back('\n');
  out.append(names).push_back('\n');
  out.append(hashed_payload);
  return out;
}

std::string v3_string_to_sign(std::string_view canonical_request) {
  return std::string(kAcs3HmacSha256) + "\n" + hex_lower(sha256(canonical_request));
}

std::string v3_signature(std::string_view secret, std::string_view string_to_sign) {
  return hex_lower(hmac_sha256(secret, string_to_sign));
}

std::string v3_hashed_payload(std::string_view body) { return hex_lower(sha256(body)); }

}  // namespace kprogress::auth
