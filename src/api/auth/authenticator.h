// Authenticator: verifies that a request to the alikafka API was signed with one of the
// configured AccessKeys, with either of Alibaba's schemes (spec/alikafka-api.md §2): V1 RPC
// HMAC-SHA1 (pop-core, aliyun-python-sdk-core, the CLI) or V3 ACS3-HMAC-SHA256 (the Tea SDKs),
// and answers a Principal or the gateway error the real service would send. It also refuses
// stale timestamps and replayed nonces (NonceCache) and STS tokens, which kprogress lacks.
// Secrets never appear in errors or logs. Thread-safe: verify() may be called concurrently.
//
// What V3 requires to be signed (decided here; the clients sign more): x-acs-action,
// x-acs-version, x-acs-date, x-acs-signature-nonce and x-acs-content-sha256 must be present and
// listed in SignedHeaders; they carry what the request does and what protects it from replay and
// body swaps. Every client signs them, and host too, but host is not required: kprogress
// answers under any name. Other headers are signed as the client lists them.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/auth/nonce_cache.h"
#include "api/auth/signed_request.h"
#include "api/gateway_error.h"
#include "api/urlcode.h"
#include "common/clock.h"
#include "common/result.h"

namespace kprogress::auth {

struct AccessKey {
  std::string id;
  std::string secret;
  std::vector<std::string> instances;  // the InstanceIds it may read; empty = all
};

// Who signed a verified request.
struct Principal {
  std::string access_key_id;
  std::vector<std::string> instances;  // empty = all
  SignatureScheme scheme = SignatureScheme::kV1HmacSha1;

  // False means the caller answers GatewayError::forbidden_ram() (403).
  bool may_read(std::string_view instance_id) const;
};

struct AuthOptions {
  // Largest accepted |now - Timestamp| (either way); nonces are remembered this long after
  // their request's timestamp.
  std::chrono::milliseconds max_skew = std::chrono::minutes(15);
  // Bound of the nonce memory; see NonceCache for what happens there.
  size_t max_nonces = 100000;
};

class Authenticator {
 public:
  // Fails (kInvalidArgument) on an empty id or secret, a repeated id, or max_nonces == 0; the
  // message names the key id, never the secret. `clock` must outlive the Authenticator.
  static Result<Authenticator> create(std::vector<AccessKey> keys, const Clock& clock,
                                      AuthOptions options = {});

  // Verifies `request`. REQUIRES: params == request_params(request).value() (the caller
  // decodes once and reads its action parameters from the same list).
  // Checks, in order (first failure wins):
  //   V1: SecurityToken -> InvalidSecurityToken.NotSupported; a param given twice ->
  //       InvalidParameter; AccessKeyId, Signature, SignatureMethod, SignatureVersion,
  //       SignatureNonce, Timestamp missing or empty -> MissingParameter; SignatureMethod !=
  //       HMAC-SHA1 -> InvalidSignatureMethod; SignatureVersion != 1.0 -> InvalidParameter;
  //       Timestamp -> InvalidTimeStamp.Format / .Expired; unknown key ->
  //       InvalidAccessKeyId.NotFound (404); signature -> SignatureDoesNotMatch (the message
  //       ends with the server's StringToSign).
  //   V3: Authorization -> InvalidSignatureMethod / IncompleteSignature; x-acs-security-token
  //       or SecurityToken -> InvalidSecurityToken.NotSupported; a param given twice or a
  //       signed header repeated -> InvalidParameter; a required header missing ->
  //       MissingParameter, not signed -> IncompleteSignature; x-acs-date as Timestamp; unknown
  //       key; x-acs-content-sha256 not the body's hash -> SignatureDoesNotMatch; signature ->
  //       SignatureDoesNotMatch (the message has the StringToSign and the canonical request).
  //   Both, last: a nonce seen within the window -> SignatureNonceUsed; nonce memory full ->
  //       Throttling.User with retry_after_ms. A nonce is recorded only once everything else
  //       passed, so forged requests cannot fill or poison the memory.
  GatewayResult<Principal> verify(const SignedRequest& request, const ParamList& params);

  size_t remembered_nonces() const { return nonces_->size(); }

 private:
  Authenticator(std::vector<AccessKey> keys, const Clock& clock, AuthOptions options);

  GatewayResult<Principal> verify_v1(const SignedRequest& request, const ParamList& params);
  GatewayResult<Principal> verify_v3(const SignedRequest& request, const ParamList& params);
  // InvalidTimeStamp.* for `value`, else its epoch ms.
  GatewayResult<int64_t> check_timestamp(std::string_view value) const;
  // SignatureNonceUsed / Throttling.User, else records the nonce and returns the principal.
  GatewayResult<Principal> record_nonce(const AccessKey& key, std::string_view nonce,
                                        int64_t timestamp_ms, SignatureScheme scheme);

  std::unordered_map<std::string, AccessKey> keys_;  // by id
  const Clock* clock_;
  AuthOptions options_;
  std::unique_ptr<NonceCache> nonces_;  // behind a pointer so the Authenticator can move
};

}  // namespace kprogress::auth
