// Fuzzes the V3 (ACS3-HMAC-SHA256) verification of Authenticator with a fixed clock and key. The
// input is a request in fuzz_support.h's text form; the seeds are V3 requests captured from
// Alibaba's Tea SDKs, which verify as they are. Invariants:
//   - every refusal is one of the documented V3 gateway errors with its HTTP status, and the
//     secret never appears in a message;
//   - an accepted request signs every required x-acs-* header, its x-acs-content-sha256 is the
//     body's hash, and its signature is the one we compute; it is refused as a replay by the same
//     Authenticator and as SignatureDoesNotMatch by one that holds another secret;
//   - the same request with its Authorization re-signed here with the right key (same
//     credential and signed headers) is never refused because the signature does not match.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "api/auth/authenticator.h"
#include "api/auth/v3_signature.h"
#include "auth_fuzz_support.h"

namespace kprogress::fuzz {
namespace {

void check_v3_refusal(const GatewayError& e, const std::string& where, std::string_view input) {
  static const std::map<std::string, int> kAllowed = {
      {"InvalidSignatureMethod", 400},
      {"IncompleteSignature", 400},
      {"InvalidSecurityToken.NotSupported", 400},
      {"InvalidParameter", 400},
      {"MissingParameter", 400},
      {"InvalidTimeStamp.Format", 400},
      {"InvalidTimeStamp.Expired", 400},
      {"InvalidAccessKeyId.NotFound", 404},
      {"SignatureDoesNotMatch", 400},
      {"SignatureNonceUsed", 400},
      {"Throttling.User", 400},
  };
  check_refusal(e, kAllowed, where, input);
}

// The signature of `request` under `authorization`'s signed headers, computed from the spec's
// steps (v3_signature.h), or "" when the query cannot be decoded.
std::string expected_signature(const auth::SignedRequest& request,
                               const auth::Acs3Authorization& authorization) {
  auto query = parse_form(request.query);
  if (!query.ok()) return {};
  std::vector<std::pair<std::string, std::string>> signed_headers;
  for (const std::string& name : authorization.signed_headers) {
    const std::string* value = request.header(name);
    signed_headers.emplace_back(name, value != nullptr ? *value : std::string());
  }
  const std::string canonical = auth::v3_canonical_request(
      request.method, request.path.empty() ? "/" : request.path, auth::v3_canonical_query(*query),
      signed_headers, auth::v3_hashed_payload(request.body));
  return auth::v3_signature(kSecret, auth::v3_string_to_sign(canonical));
}

bool is_content_hash_refusal(const GatewayError& e) {
  return e.message.find("x-acs-content-sha256") != std::string::npos &&
         e.message.find("server canonical request") == std::string::npos;
}

}  // namespace
}  // namespace kprogress::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kprogress;
  using namespace kprogress::fuzz;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const TextRequest text = parse_text_request(input);
  auth::SignedRequest request = to_signed(text);
  if (auth::signature_scheme(request) != auth::SignatureScheme::kV3AcsHmacSha256) return 0;
  auto params = auth::request_params(request);
  if (!params.ok()) {
    KP_FUZZ_CHECK(params.error().code == "InvalidParameter", params.error().code);
    return 0;
  }
  auto authorization = auth::parse_acs3_authorization(*request.header("authorization"));

  // As sent.
  {
    auth::Authenticator a = make_authenticator(kSecret);
    auto who = a.verify(request, *params);
    if (!who.ok()) {
      check_v3_refusal(who.error(), "as sent", input);
    } else {
      KP_FUZZ_CHECK(authorization.ok(), "accepted with an unparsable Authorization");
      KP_FUZZ_CHECK(who->access_key_id == kAccessKeyId, who->access_key_id);
      KP_FUZZ_CHECK(who->scheme == auth::SignatureScheme::kV3AcsHmacSha256, "scheme");
      for (const char* name : {"x-acs-action", "x-acs-version", "x-acs-date",
                               "x-acs-signature-nonce", "x-acs-content-sha256"}) {
        const auto& signed_names = authorization->signed_headers;
        KP_FUZZ_CHECK(
            std::find(signed_names.begin(), signed_names.end(), name) != signed_names.end(),
            std::string("accepted without signing ") + name);
        KP_FUZZ_CHECK(request.header_count(name) == 1,
                      std::string("accepted with ") + name + " given " +
                          std::to_string(request.header_count(name)));
      }
      std::string claimed = *request.header("x-acs-content-sha256");
      std::transform(claimed.begin(), claimed.end(), claimed.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      KP_FUZZ_CHECK(claimed == auth::v3_hashed_payload(request.body), "body hash " + claimed);
      const std::string expected = expected_signature(request, *authorization);
      KP_FUZZ_CHECK(authorization->signature == expected,
                    "accepted " + authorization->signature + ", expected " + expected);
      auto replay = a.verify(request, *params);
      KP_FUZZ_CHECK(!replay.ok() && replay.error().code == "SignatureNonceUsed",
                    replay.ok() ? "replay accepted" : replay.error().code);
      auth::Authenticator other = make_authenticator(kOtherSecret);
      auto forged = other.verify(request, *params);
      KP_FUZZ_CHECK(!forged.ok() && forged.error().code == "SignatureDoesNotMatch",
                    forged.ok() ? "accepted with another secret" : forged.error().code);
      KP_FUZZ_CHECK(other.remembered_nonces() == 0, "a refused request was remembered");
    }
  }

  // Re-signed with the right key, keeping the credential and the signed headers (unless the
  // Authorization header signs itself, which re-signing would change).
  if (authorization.ok() &&
      std::find(authorization->signed_headers.begin(), authorization->signed_headers.end(),
                "authorization") == authorization->signed_headers.end()) {
    const std::string signature = expected_signature(request, *authorization);
    if (signature.empty()) return 0;
    std::string names;
    for (const std::string& n : authorization->signed_headers) {
      names += (names.empty() ? "" : ";") + n;
    }
    auth::SignedRequest resigned = request;
    for (auto& [name, value] : resigned.headers) {
      if (name == "authorization") {
        value = "ACS3-HMAC-SHA256 Credential=" + authorization->access_key_id +
                ",SignedHeaders=" + names + ",Signature=" + signature;
        break;
      }
    }
    auto reparsed = auth::parse_acs3_authorization(*resigned.header("authorization"));
    // A credential holding ',' or ' ' or '=' cannot be written back; nothing to check then.
    if (!reparsed.ok() || reparsed->access_key_id != authorization->access_key_id) return 0;
    auth::Authenticator a = make_authenticator(kSecret);
    auto who = a.verify(resigned, *params);
    if (!who.ok()) {
      check_v3_refusal(who.error(), "re-signed", input);
      KP_FUZZ_CHECK(
          who.error().code != "SignatureDoesNotMatch" || is_content_hash_refusal(who.error()),
          "a correctly signed request was refused: " + who.error().message);
    }
  }
  return 0;
}
