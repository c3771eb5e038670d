#include "api/auth/authenticator.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "api/auth/acs_time.h"
#include "api/auth/crypto.h"
#include "api/auth/v1_signature.h"
#include "api/auth/v3_signature.h"

namespace kprogress::auth {
namespace {

// The first name that occurs twice, or nullptr.
const std::string* repeated_param(const ParamList& params) {
  std::set<std::string_view> seen;
  for (const auto& p : params) {
    if (!seen.insert(p.first).second) return &p.first;
  }
  return nullptr;
}

// Headers a V3 request must carry and sign (see authenticator.h).
constexpr std::string_view kV3RequiredHeaders[] = {
    "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256",
};

}  // namespace

bool Principal::may_read(std::string_view instance_id) const {
  return instances.empty() ||
         std::find(instances.begin(), instances.end(), instance_id) != instances.end();
}

Result<Authenticator> Authenticator::create(std::vector<AccessKey> keys, const Clock& clock,
                                            AuthOptions options) {
  if (options.max_nonces == 0) return Error::invalid_argument("max_nonces must be positive");
  if (options.max_skew.count() < 0) return Error::invalid_argument("max_skew must not be negative");
  std::set<std::string_view> ids;
  for (size_t i = 0; i < keys.size(); ++i) {
    const AccessKey& k = keys[i];
    if (k.id.empty())
      return Error::invalid_argument("access key #" + std::to_string(i + 1) + ": empty id");
    if (k.secret.empty()) return Error::invalid_argument("access key " + k.id + ": empty secret");
    if (!ids.insert(k.id).second)
      return Error::invalid_argument("access key " + k.id + ": given twice");
  }
  return Authenticator(std::move(keys), clock, options);
}

Authenticator::Authenticator(std::vector<AccessKey> keys, const Clock& clock, AuthOptions options)
    : clock_(&clock), options_(options), nonces_(std::make_unique<NonceCache>(options.max_nonces)) {
  for (auto& k : keys) {
    std::string id = k.id;
    keys_.emplace(std::move(id), std::move(k));
  }
}

GatewayResult<Principal> Authenticator::verify(const SignedRequest& request,
                                               const ParamList& params) {
  if (signature_scheme(request) == SignatureScheme::kV3AcsHmacSha256) {
    return verify_v3(request, params);
  }
  return verify_v1(request, params);
}

GatewayResult<int64_t> Authenticator::check_timestamp(std::string_view value) const {
  std::optional<int64_t> ts = parse_acs_timestamp(value);
  if (!ts) return GatewayError::timestamp_format();
  if (std::llabs(clock_->now_ms() - *ts) > options_.max_skew.count()) {
    return GatewayError::timestamp_expired();
  }
  return *ts;
}

GatewayResult<Principal> Authenticator::record_nonce(const AccessKey& key, std::string_view nonce,
                                                     int64_t timestamp_ms, SignatureScheme scheme) {
  // A replay passes the timestamp check until timestamp + max_skew: remember it that long.
  NonceCache::InsertResult r =
      nonces_->insert(key.id, nonce, timestamp_ms + options_.max_skew.count(), clock_->now_ms());
  switch (r.outcome) {
    case NonceCache::Outcome::kReplayed: return GatewayError::signature_nonce_used();
    case NonceCache::Outcome::kFull: return GatewayError::throttling_user(r.retry_after_ms);
    case NonceCache::Outcome::kRecorded: break;
  }
  return Principal{key.id, key.instances, scheme};
}

GatewayResult<Principal> Authenticator::verify_v1(const SignedRequest& request,
                                                  const ParamList& params) {
  if (const std::string* token = find_param(params, "SecurityToken"); token && !token->empty()) {
    return GatewayError::security_token_not_supported();
  }
  if (const std::string* name = repeated_param(params)) {
    return GatewayError::invalid_parameter(*name, "It is given more than once.");
  }
  const std::string* values[6];
  static constexpr std::string_view kRequired[] = {"AccessKeyId",     "Signature",
                                                   "SignatureMethod", "SignatureVersion",
                                                   "SignatureNonce",  "Timestamp"};
  for (size_t i = 0; i < 6; ++i) {
    values[i] = find_param(params, kRequired[i]);
    if (values[i] == nullptr || values[i]->empty()) {
      return GatewayError::missing_parameter(kRequired[i]);
    }
  }
  const std::string& access_key_id = *values[0];
  const std::string& signature = *values[1];
  if (*values[2] != "HMAC-SHA1") return GatewayError::invalid_signature_method();
  if (*values[3] != "1.0") return GatewayError::invalid_parameter("SignatureVersion");
  auto timestamp = check_timestamp(*values[5]);
  if (!timestamp.ok()) return timestamp.error();

  auto key = keys_.find(access_key_id);
  if (key == keys_.end()) return GatewayError::access_key_not_found();

  std::string string_to_sign = v1_string_to_sign(request.method, params);
  std::string expected = v1_signature(key->second.secret, string_to_sign);
  if (!constant_time_equals(expected, signature)) {
    return GatewayError::signature_does_not_match(string_to_sign);
  }
  return record_nonce(key->second, *values[4], *timestamp, SignatureScheme::kV1HmacSha1);
}

GatewayResult<Principal> Authenticator::verify_v3(const SignedRequest& request,
                                                  const ParamList& params) {
  auto authorization = parse_acs3_authorization(*request.header("authorization"));
  if (!authorization.ok()) return authorization.error();
  const Acs3Authorization& auth = *authorization;

  const std::string* token = request.header("x-acs-security-token");
  if (token == nullptr) token = find_param(params, "SecurityToken");
  if (token != nullptr && !token->empty()) return GatewayError::security_token_not_supported();

  if (const std::string* name = repeated_param(params)) {
    return GatewayError::invalid_parameter(*name, "It is given more than once.");
  }
  std::vector<std::pair<std::string, std::string>> signed_headers;
  signed_headers.reserve(auth.signed_headers.size());
  for (const std::string& name : auth.signed_headers) {
    if (request.header_count(name) > 1) {
      return GatewayError::invalid_parameter(name,
                                             "The header is signed and given more than once.");
    }
    const std::string* value = request.header(name);
    signed_headers.emplace_back(name, value != nullptr ? *value : std::string());
  }
  for (std::string_view name : kV3RequiredHeaders) {
    const std::string* value = request.header(name);
    if (value == nullptr || value->empty()) return GatewayError::missing_parameter(name);
    if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), name) ==
        auth.signed_headers.end()) {
      return GatewayError::incomplete_signature();
    }
  }
  auto timestamp = check_timestamp(*request.header("x-acs-date"));
  if (!timestamp.ok()) return timestamp.error();

  auto key = keys_.find(auth.access_key_id);
  if (key == keys_.end()) return GatewayError::access_key_not_found();

  std::string body_hash = v3_hashed_payload(request.body);
  std::string claimed_hash = *request.header("x-acs-content-sha256");
  std::transform(claimed_hash.begin(), claimed_hash.end(), claimed_hash.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (claimed_hash != body_hash) return GatewayError::content_sha256_does_not_match(body_hash);

  auto query = parse_form(request.query);
  if (!query.ok()) return GatewayError::invalid_parameter("QueryString", query.error().message);
  std::string canonical_request =
      v3_canonical_request(request.method, request.path.empty() ? "/" : request.path,
                           v3_canonical_query(*query), signed_headers, body_hash);
  std::string string_to_sign = v3_string_to_sign(canonical_request);
  std::string expected = v3_signature(key->second.secret, string_to_sign);
  if (!constant_time_equals(expected, auth.signature)) {
    return GatewayError::signature_does_not_match(string_to_sign, canonical_request);
  }
  return record_nonce(key->second, *request.header("x-acs-signature-nonce"), *timestamp,
                      SignatureScheme::kV3AcsHmacSha256);
}

}  // namespace kprogress::auth
