#include "api/auth/signed_request.h"

namespace kprogress::auth {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

const std::string* SignedRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return &v;
  }
  return nullptr;
}

size_t SignedRequest::header_count(std::string_view name) const {
  size_t count = 0;
  for (const auto& h : headers) count += iequals(h.first, name) ? 1 : 0;
  return count;
}

bool is_form_content_type(std::string_view content_type) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  size_t start = content_type.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  content_type.remove_prefix(start);
  if (content_type.size() < kForm.size() || !iequals(content_type.substr(0, kForm.size()), kForm)) {
    return false;
  }
  std::string_view rest = content_type.substr(kForm.size());
  return rest.empty() || rest[0] == ';' || rest[0] == ' ' || rest[0] == '\t';
}

GatewayResult<ParamList> request_params(const SignedRequest& request) {
  auto params = parse_form(request.query, kMaxRequestParams);
  if (!params.ok()) return GatewayError::invalid_parameter("QueryString", params.error().message);
  const std::string* header_type = request.header("content-type");
  std::string_view content_type = !request.content_type.empty()
                                      ? std::string_view(request.content_type)
                                  : header_type != nullptr ? std::string_view(*header_type)
                                                           : std::string_view();
  if (is_form_content_type(content_type)) {
    auto body = parse_form(request.body, kMaxRequestParams - params->size());
    if (!body.ok()) return GatewayError::invalid_parameter("Body", body.error().message);
    for (auto& p : *body) params->push_back(std::move(p));
  }
  return std::move(params).value();
}

SignatureScheme signature_scheme(const SignedRequest& request) {
  const std::string* authorization = request.header("authorization");
  // Any case, as parse_rpc_call decides V3 (and RFC 7235 auth schemes): otherwise a V1-signed
  // request with "acs3-..." would be verified as V1 but read its Version from a V3 header.
  if (authorization != nullptr && iequals(std::string_view(*authorization).substr(0, 5), "ACS3-")) {
    return SignatureScheme::kV3AcsHmacSha256;
  }
  return SignatureScheme::kV1HmacSha1;
}

}  // namespace kprogress::auth
