// Fuzzes the V1 (RPC, HMAC-SHA1) verification of Authenticator with a fixed clock and key. The
// input is a request in fuzz_support.h's text form; the seeds are V1 requests captured from
// Alibaba's SDKs, which verify as they are. Invariants:
//   - every refusal is one of the documented V1 gateway errors with its HTTP status;
//   - an accepted request carries exactly the signature we compute with the key; the same
//     request is refused as a replay (SignatureNonceUsed) by the same Authenticator, and as
//     SignatureDoesNotMatch by one that holds another secret for the key;
//   - the same request re-signed here with the right key is never refused for its signature.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "api/auth/authenticator.h"
#include "api/auth/v1_signature.h"
#include "auth_fuzz_support.h"

namespace kprogress::fuzz {
namespace {

// The refusals a V1 request may get (authenticator.h), with their HTTP status.
void check_v1_refusal(const GatewayError& e, const std::string& where, std::string_view input) {
  static const std::map<std::string, int> kAllowed = {
      {"InvalidSecurityToken.NotSupported", 400},
      {"InvalidParameter", 400},
      {"MissingParameter", 400},
      {"InvalidSignatureMethod", 400},
      {"InvalidTimeStamp.Format", 400},
      {"InvalidTimeStamp.Expired", 400},
      {"InvalidAccessKeyId.NotFound", 404},
      {"SignatureDoesNotMatch", 400},
      {"SignatureNonceUsed", 400},
      {"Throttling.User", 400},
  };
  check_refusal(e, kAllowed, where, input);
}

}  // namespace
}  // namespace kprogress::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kprogress;
  using namespace kprogress::fuzz;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const TextRequest text = parse_text_request(input);
  auth::SignedRequest request = to_signed(text);
  if (auth::signature_scheme(request) != auth::SignatureScheme::kV1HmacSha1) return 0;
  auto params = auth::request_params(request);
  if (!params.ok()) {
    KP_FUZZ_CHECK(params.error().code == "InvalidParameter", params.error().code);
    return 0;
  }

  // As sent.
  {
    auth::Authenticator a = make_authenticator(kSecret);
    auto who = a.verify(request, *params);
    if (!who.ok()) {
      check_v1_refusal(who.error(), "as sent", input);
    } else {
      KP_FUZZ_CHECK(who->access_key_id == kAccessKeyId, who->access_key_id);
      KP_FUZZ_CHECK(who->scheme == auth::SignatureScheme::kV1HmacSha1, "scheme");
      const std::string* signature = find_param(*params, "Signature");
      KP_FUZZ_CHECK(signature != nullptr, "accepted without a Signature");
      const std::string expected =
          auth::v1_signature(kSecret, auth::v1_string_to_sign(request.method, *params));
      KP_FUZZ_CHECK(*signature == expected, "accepted " + *signature + ", expected " + expected);
      auto replay = a.verify(request, *params);
      KP_FUZZ_CHECK(!replay.ok() && replay.error().code == "SignatureNonceUsed",
                    replay.ok() ? "replay accepted" : replay.error().code);
      KP_FUZZ_CHECK(a.remembered_nonces() == 1, std::to_string(a.remembered_nonces()));
      auth::Authenticator other = make_authenticator(kOtherSecret);
      auto forged = other.verify(request, *params);
      KP_FUZZ_CHECK(!forged.ok() && forged.error().code == "SignatureDoesNotMatch",
                    forged.ok() ? "accepted with another secret" : forged.error().code);
      KP_FUZZ_CHECK(other.remembered_nonces() == 0, "a refused request was remembered");
    }
  }

  // Re-signed with the right key: the query keeps every param but Signature, re-encoded, and
  // gets the signature we compute; the body stays as it is.
  {
    auto query = parse_form(request.query);
    if (!query.ok()) return 0;
    std::string resigned_query;
    for (const auto& [name, value] : *query) {
      if (name == "Signature") continue;
      resigned_query += percent_encode_rfc3986(name) + "=" + percent_encode_rfc3986(value) + "&";
    }
    const std::string signature =
        auth::v1_signature(kSecret, auth::v1_string_to_sign(request.method, *params));
    resigned_query += "Signature=" + percent_encode_rfc3986(signature);
    auth::SignedRequest resigned = request;
    resigned.query = resigned_query;
    auto resigned_params = auth::request_params(resigned);
    KP_FUZZ_CHECK(resigned_params.ok(), resigned_query);
    auth::Authenticator a = make_authenticator(kSecret);
    auto who = a.verify(resigned, *resigned_params);
    if (!who.ok()) {
      check_v1_refusal(who.error(), "re-signed", input);
      KP_FUZZ_CHECK(who.error().code != "SignatureDoesNotMatch",
                    "a correctly signed request was refused: " + who.error().message);
    }
  }
  return 0;
}
