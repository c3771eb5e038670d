// Tests of kp_auth (src/api/auth): the spec's test vectors for both signature versions, every
// gateway error the Authenticator answers, the nonce memory and its bound, with a fake clock.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "api/auth/acs_time.h"
#include "api/auth/authenticator.h"
#include "api/auth/crypto.h"
#include "api/auth/nonce_cache.h"
#include "api/auth/v1_signature.h"
#include "api/auth/v3_signature.h"

namespace kprogress::auth {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kT0 = 1456231584000;  // 2016-02-23T12:46:24Z, the spec vectors' time
constexpr int64_t kSkew = 15 * 60 * 1000;
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t ms) : ms_(ms) {}
  int64_t now_ms() const override { return ms_.load(); }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  void set(int64_t ms) { ms_ = ms; }
  void advance(int64_t ms) { ms_ += ms; }

 private:
  std::atomic<int64_t> ms_;
};

// ---------------------------------------------------------------------------------------------
// Pieces: timestamps, crypto, the signature functions against the spec's vectors.

TEST(AcsTime, ParsesExactFormatOnly) {
  EXPECT_EQ(parse_acs_timestamp("2016-02-23T12:46:24Z"), kT0);
  EXPECT_EQ(parse_acs_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_acs_timestamp("2024-02-29T23:59:59Z"), 1709251199000);
  for (std::string_view bad :
       {"", "2016-02-23T12:46:24", "2016-02-23 12:46:24Z", "2016-02-23T12:46:24.123Z",
        "2016-02-23T12:46:24+08:00", "2016-2-23T12:46:24Z", "2016-02-23t12:46:24Z",
        "2016-02-23T12:46:24z", "2016-13-01T00:00:00Z", "2016-00-01T00:00:00Z",
        "2016-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2016-02-23T24:00:00Z",
        "2016-02-23T12:60:00Z", "2016-02-23T12:46:60Z", "+016-02-23T12:46:24Z",
        "2016-02-23T12:46:2aZ", " 2016-02-23T12:46:24Z", "1456231584"}) {
    EXPECT_EQ(parse_acs_timestamp(bad), std::nullopt) << bad;
  }
}

TEST(AcsTime, FormatRoundTrips) {
  EXPECT_EQ(format_acs_timestamp(kT0), "2016-02-23T12:46:24Z");
  EXPECT_EQ(format_acs_timestamp(kT0 + 999), "2016-02-23T12:46:24Z");
  EXPECT_EQ(format_acs_timestamp(0), "1970-01-01T00:00:00Z");
  for (int64_t t : {int64_t{951782400000}, int64_t{4102444799000}, int64_t{1709251199000}}) {
    EXPECT_EQ(parse_acs_timestamp(format_acs_timestamp(t)), t);
  }
}

TEST(Crypto, KnownDigests) {
  EXPECT_EQ(hex_lower(sha256("")), kEmptySha256);
  // RFC 2202 / RFC 4231 test case 2.
  EXPECT_EQ(hex_lower(hmac_sha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(hex_lower(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("abc", "abcd"));
  EXPECT_TRUE(constant_time_equals("", ""));
}

// spec §2.1's parameters (without Signature).
ParamList spec_v1_params() {
  return {{"AccessKeyId", "testid"},
          {"Action", "GetConsumerProgress"},
          {"ConsumerId", "kafka-test"},
          {"Format", "JSON"},
          {"InstanceId", "alikafka_pre-cn-mp919o4v0001"},
          {"RegionId", "cn-hangzhou"},
          {"SignatureMethod", "HMAC-SHA1"},
          {"SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
          {"SignatureVersion", "1.0"},
          {"Timestamp", "2016-02-23T12:46:24Z"},
          {"Version", "2019-09-16"}};
}

constexpr char kSpecGetStringToSign[] =
    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DGetConsumerProgress%26ConsumerId%3Dkafka-test%26"
    "Format%3DJSON%26InstanceId%3Dalikafka_pre-cn-mp919o4v0001%26RegionId%3Dcn-hangzhou%26"
    "SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26"
    "SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2019-09-16";

TEST(V1Signature, SpecVectorGet) {
  ParamList params = spec_v1_params();
  std::reverse(params.begin(), params.end());  // order received does not matter
  EXPECT_EQ(v1_string_to_sign("GET", params), kSpecGetStringToSign);
  EXPECT_EQ(v1_signature("testsecret", v1_string_to_sign("GET", params)),
            "g9awrUpYu+8iyADvtoNXCY6di2o=");
}

TEST(V1Signature, SpecVectorPost) {
  EXPECT_EQ(v1_signature("testsecret", v1_string_to_sign("POST", spec_v1_params())),
            "6izFiPCFnMUnEyaZX5uqLGIpTzk=");
}

TEST(V1Signature, SignatureParamIsNotSigned) {
  ParamList params = spec_v1_params();
  params.emplace_back("Signature", "whatever");
  EXPECT_EQ(v1_string_to_sign("GET", params), kSpecGetStringToSign);
}

TEST(V1Signature, EmptyValuesAndSpacesAreSigned) {
  ParamList params = {{"SignatureType", ""}, {"A", "x y*"}};
  EXPECT_EQ(v1_canonical_query(params), "A=x%20y%2A&SignatureType=");
  EXPECT_EQ(v1_string_to_sign("POST", params), "POST&%2F&A%3Dx%2520y%252A%26SignatureType%3D");
}

const std::vector<std::pair<std::string, std::string>> kSpecV3Headers = {
    {"host", "127.0.0.1:8080"},
    {"x-acs-action", "GetConsumerProgress"},
    {"x-acs-content-sha256", kEmptySha256},
    {"x-acs-date", "2016-02-23T12:46:24Z"},
    {"x-acs-signature-nonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
    {"x-acs-version", "2019-09-16"}};
constexpr char kSpecV3Query[] =
    "ConsumerId=kafka-test&InstanceId=alikafka_pre-cn-mp919o4v0001&RegionId=cn-hangzhou";
constexpr char kSpecV3Signature[] =
    "fd10b2bcc2d8d82d20ec16fab435524a4158092b218ea0587382a9502d1c6d3c";

TEST(V3Signature, SpecVector) {
  auto query = parse_form(kSpecV3Query);
  ASSERT_TRUE(query.ok());
  std::string cr =
      v3_canonical_request("POST", "/", v3_canonical_query(*query), kSpecV3Headers, kEmptySha256);
  EXPECT_EQ(cr, "POST\n/\n" + std::string(kSpecV3Query) +
                    "\nhost:127.0.0.1:8080\nx-acs-action:GetConsumerProgress\n"
                    "x-acs-content-sha256:" +
                    kEmptySha256 +
                    "\nx-acs-date:2016-02-23T12:46:24Z\n"
                    "x-acs-signature-nonce:3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\n"
                    "x-acs-version:2019-09-16\n\n"
                    "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;"
                    "x-acs-version\n" +
                    kEmptySha256);
  EXPECT_EQ(hex_lower(sha256(cr)),
            "949b0598fbd36a73d4835f710728bf4ac187f1a2685cd1f005cfa5f2e344f24d");
  EXPECT_EQ(v3_string_to_sign(cr),
            "ACS3-HMAC-SHA256\n949b0598fbd36a73d4835f710728bf4ac187f1a2685cd1f005cfa5f2e344f24d");
  EXPECT_EQ(v3_signature("testsecret", v3_string_to_sign(cr)), kSpecV3Signature);
  EXPECT_EQ(v3_hashed_payload(""), kEmptySha256);
}

TEST(V3Signature, CanonicalQueryDecodesThenReencodes) {
  // Python sends '+' for a space, TS leaves *()!~ raw: both mean the same canonical query.
  auto python = parse_form("b=x+y&a=%2A%28%29%21~");
  auto ts = parse_form("b=x%20y&a=*()!~");
  ASSERT_TRUE(python.ok() && ts.ok());
  EXPECT_EQ(v3_canonical_query(*python), "a=%2A%28%29%21~&b=x%20y");
  EXPECT_EQ(v3_canonical_query(*ts), "a=%2A%28%29%21~&b=x%20y");
}

TEST(V3Signature, CanonicalHeadersTrimValues) {
  std::string cr = v3_canonical_request("GET", "/", "", {{"x-a", "  v  \t"}}, kEmptySha256);
  EXPECT_EQ(cr, std::string("GET\n/\n\nx-a:v\n\nx-a\n") + kEmptySha256);
}

TEST(ParseAcs3Authorization, Accepts) {
  auto a = parse_acs3_authorization(
      "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;X-Acs-Date,Signature=ABCdef");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->access_key_id, "testid");
  EXPECT_EQ(a->signed_headers, (std::vector<std::string>{"host", "x-acs-date"}));
  EXPECT_EQ(a->signature, "abcdef");
  auto spaced = parse_acs3_authorization(
      "ACS3-HMAC-SHA256 Credential=id, SignedHeaders=host, Signature=00, Extra=1");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->access_key_id, "id");
}

TEST(ParseAcs3Authorization, OtherAlgorithmsAreInvalidSignatureMethod) {
  for (std::string_view v : {"ACS3-HMAC-SM3 Credential=a,SignedHeaders=host,Signature=00",
                             "ACS3-RSA-SHA256 Credential=a,SignedHeaders=host,Signature=00",
                             "ACS3-HMAC-SHA256X Credential=a,SignedHeaders=host,Signature=00"}) {
    auto a = parse_acs3_authorization(v);
    ASSERT_FALSE(a.ok()) << v;
    EXPECT_EQ(a.error().code, "InvalidSignatureMethod");
    EXPECT_EQ(a.error().http_status, 400);
  }
}

TEST(ParseAcs3Authorization, MalformedIsIncompleteSignature) {
  for (std::string_view v :
       {"ACS3-HMAC-SHA256", "ACS3-HMAC-SHA256 ", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host",
        "ACS3-HMAC-SHA256 Credential=a,Signature=00",
        "ACS3-HMAC-SHA256 SignedHeaders=host,Signature=00",
        "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;;x,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;HOST,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders=h,Signature=0",
        "ACS3-HMAC-SHA256 Credential=a SignedHeaders=host Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=00,junk"}) {
    auto a = parse_acs3_authorization(v);
    ASSERT_FALSE(a.ok()) << v;
    EXPECT_EQ(a.error().code, "IncompleteSignature") << v;
    EXPECT_EQ(a.error().message, "The request signature does not conform to Aliyun standards.");
  }
}

// ---------------------------------------------------------------------------------------------
// The Authenticator.

std::string encode_query(const ParamList& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += percent_encode_rfc3986(k) + "=" + percent_encode_rfc3986(v);
  }
  return out;
}

// A V1 request with `params` signed (Signature appended), GET with everything in the query or
// POST with everything in a form body (pop-core's two ways).
SignedRequest v1_request(ParamList params, std::string_view method = "GET",
                         std::string_view secret = "testsecret", bool in_body = false) {
  params.emplace_back("Signature", v1_signature(secret, v1_string_to_sign(method, params)));
  SignedRequest r;
  r.method = std::string(method);
  r.path = "/";
  if (in_body) {
    r.body = encode_query(params);
    r.content_type = "application/x-www-form-urlencoded";
    r.headers = {{"host", "127.0.0.1:8080"}, {"content-type", r.content_type}};
  } else {
    r.query = encode_query(params);
    r.headers = {{"host", "127.0.0.1:8080"}};
  }
  return r;
}

SignedRequest get_request(std::string query) {
  SignedRequest r;
  r.method = "GET";
  r.path = "/";
  r.query = std::move(query);
  return r;
}

ParamList with(ParamList params, std::string_view name, std::string_view value) {
  for (auto& [k, v] : params) {
    if (k == name) {
      v = std::string(value);
      return params;
    }
  }
  params.emplace_back(std::string(name), std::string(value));
  return params;
}

ParamList without(ParamList params, std::string_view name) {
  std::erase_if(params, [&](const auto& p) { return p.first == name; });
  return params;
}

// Signs `r` with V3: adds the Authorization header over `signed_names` (all headers when empty).
void sign_v3(SignedRequest& r, std::vector<std::string> signed_names = {},
             std::string_view secret = "testsecret", std::string_view id = "testid") {
  if (signed_names.empty()) {
    for (const auto& h : r.headers) signed_names.push_back(h.first);
    std::sort(signed_names.begin(), signed_names.end());
  }
  std::vector<std::pair<std::string, std::string>> signed_headers;
  std::string list;
  for (const auto& n : signed_names) {
    const std::string* v = r.header(n);
    signed_headers.emplace_back(n, v ? *v : "");
    list += (list.empty() ? "" : ";") + n;
  }
  auto query = parse_form(r.query);
  const std::string* hash = r.header("x-acs-content-sha256");
  std::string cr = v3_canonical_request(r.method, r.path, v3_canonical_query(*query),
                                        signed_headers, hash ? *hash : v3_hashed_payload(r.body));
  r.headers.emplace_back(
      "authorization", "ACS3-HMAC-SHA256 Credential=" + std::string(id) + ",SignedHeaders=" + list +
                           ",Signature=" + v3_signature(secret, v3_string_to_sign(cr)));
}

// The spec §2.2 request, unsigned.
SignedRequest spec_v3_request() {
  SignedRequest r;
  r.method = "POST";
  r.path = "/";
  r.query = kSpecV3Query;
  r.headers = kSpecV3Headers;
  return r;
}

SignedRequest v3_request(std::string_view nonce, int64_t at_ms = kT0) {
  SignedRequest r = spec_v3_request();
  for (auto& [n, v] : r.headers) {
    if (n == "x-acs-signature-nonce") v = std::string(nonce);
    if (n == "x-acs-date") v = format_acs_timestamp(at_ms);
  }
  sign_v3(r);
  return r;
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  explicit AuthenticatorTest(AuthOptions options = {}) : auth_(make(options)) {}

  Authenticator make(AuthOptions options) {
    auto a = Authenticator::create(
        {{"testid", "testsecret", {}}, {"limited", "limitedsecret", {"alikafka_a", "alikafka_b"}}},
        clock_, options);
    EXPECT_TRUE(a.ok());
    return std::move(a).value();
  }

  GatewayResult<Principal> verify(const SignedRequest& r) {
    auto params = request_params(r);
    if (!params.ok()) return params.error();
    return auth_.verify(r, *params);
  }

  // Expects `r` to fail with `code` and `status`; returns the error's message.
  std::string expect_error(const SignedRequest& r, std::string_view code, int status = 400) {
    auto p = verify(r);
    EXPECT_FALSE(p.ok()) << "expected " << code;
    if (p.ok()) return "";
    EXPECT_EQ(p.error().code, code) << p.error().message;
    EXPECT_EQ(p.error().http_status, status) << p.error().code;
    return p.error().message;
  }

  FakeClock clock_{kT0};
  Authenticator auth_;
};

// --- V1

TEST_F(AuthenticatorTest, V1SpecGetAccepted) {
  SignedRequest r = v1_request(spec_v1_params());
  EXPECT_NE(r.query.find("Signature=g9awrUpYu%2B8iyADvtoNXCY6di2o%3D"), std::string::npos);
  auto p = verify(r);
  ASSERT_TRUE(p.ok()) << p.error().code << ": " << p.error().message;
  EXPECT_EQ(p->access_key_id, "testid");
  EXPECT_TRUE(p->instances.empty());
  EXPECT_EQ(p->scheme, SignatureScheme::kV1HmacSha1);
  EXPECT_EQ(auth_.remembered_nonces(), 1u);
}

TEST_F(AuthenticatorTest, V1SpecPostFormBodyAccepted) {
  // pop-core {method:'POST'}: URL "/", everything, Signature included, in the form body.
  SignedRequest r = v1_request(spec_v1_params(), "POST", "testsecret", /*in_body=*/true);
  EXPECT_TRUE(r.query.empty());
  EXPECT_NE(r.body.find("Signature=6izFiPCFnMUnEyaZX5uqLGIpTzk%3D"), std::string::npos);
  auto p = verify(r);
  ASSERT_TRUE(p.ok()) << p.error().message;
}

TEST_F(AuthenticatorTest, V1ParamsSplitBetweenQueryAndBody) {
  // tea do_rpcrequest (alikafka20181015 1.0.x): common params in the query, business params in a
  // form body; the signature covers both.
  ParamList all = spec_v1_params();
  all.emplace_back("Signature", v1_signature("testsecret", v1_string_to_sign("POST", all)));
  ParamList query, body;
  for (const auto& p : all) {
    bool business = p.first == "ConsumerId" || p.first == "InstanceId" || p.first == "RegionId";
    (business ? body : query).push_back(p);
  }
  SignedRequest r;
  r.method = "POST";
  r.path = "/";
  r.query = encode_query(query);
  r.body = encode_query(body);
  r.headers = {{"content-type", "application/x-www-form-urlencoded; charset=UTF-8"}};
  EXPECT_TRUE(verify(r).ok());

  // Without a form content type the body is not params: the signature no longer matches.
  r.headers = {{"content-type", "application/json"}};
  expect_error(r, "SignatureDoesNotMatch");
}

TEST_F(AuthenticatorTest, V1MethodIsPartOfTheSignature) {
  SignedRequest r = v1_request(spec_v1_params(), "GET");
  r.method = "POST";
  std::string m = expect_error(r, "SignatureDoesNotMatch");
  EXPECT_NE(m.find("server string to sign is:POST&%2F&"), std::string::npos) << m;
}

TEST_F(AuthenticatorTest, V1PlusInValuesIsASpace) {
  ParamList params = with(spec_v1_params(), "ConsumerId", "my group+1");
  params.emplace_back("Signature", v1_signature("testsecret", v1_string_to_sign("GET", params)));
  std::string query;
  for (const auto& [k, v] : params) {
    std::string ev = percent_encode_rfc3986(v);
    // Python's urlencode style: space as '+'.
    for (size_t i; (i = ev.find("%20")) != std::string::npos;) ev.replace(i, 3, "+");
    query += (query.empty() ? "" : "&") + k + "=" + ev;
  }
  EXPECT_NE(query.find("ConsumerId=my+group%2B1"), std::string::npos);
  SignedRequest r = get_request(query);
  auto p = verify(r);
  EXPECT_TRUE(p.ok()) << p.error().message;
}

TEST_F(AuthenticatorTest, V1Utf8NamesAndValues) {
  ParamList params = with(spec_v1_params(), "ConsumerId", "\xE6\xB6\x88\xE8\xB4\xB9\xE7\xBB\x84");
  params.emplace_back("\xE5\x90\x8D", "\xE5\x80\xBC");  // 名=值
  EXPECT_NE(v1_string_to_sign("GET", params).find("%25E5%2590%258D%3D%25E5%2580%25BC"),
            std::string::npos);
  EXPECT_TRUE(verify(v1_request(params)).ok());
}

TEST_F(AuthenticatorTest, V1EmptySignatureTypeIsSigned) {
  // aliyun-python-sdk-core and the Go SDK send SignatureType= (empty); it is signed.
  ParamList params = with(spec_v1_params(), "SignatureType", "");
  SignedRequest r = v1_request(params);
  EXPECT_NE(r.query.find("SignatureType=&"), std::string::npos);
  EXPECT_TRUE(verify(r).ok());

  // Dropping it after signing breaks the signature.
  SignedRequest dropped = r;
  dropped.query.replace(dropped.query.find("SignatureType=&"), 15, "");
  clock_.advance(1);
  expect_error(dropped, "SignatureDoesNotMatch");
}

TEST_F(AuthenticatorTest, V1DuplicateParamsRejected) {
  ParamList params = spec_v1_params();
  params.emplace_back("ConsumerId", "other-group");
  std::string m = expect_error(v1_request(params), "InvalidParameter");
  EXPECT_NE(m.find("\"ConsumerId\""), std::string::npos) << m;

  // The same name in query and body counts too.
  SignedRequest r = v1_request(spec_v1_params());
  r.body = "InstanceId=alikafka_x";
  r.content_type = "application/x-www-form-urlencoded";
  expect_error(r, "InvalidParameter");
}

TEST_F(AuthenticatorTest, V1MissingParameters) {
  for (std::string_view name :
       {"AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"}) {
    std::string m = expect_error(v1_request(without(spec_v1_params(), name)), "MissingParameter");
    EXPECT_EQ(m, "The input parameter \"" + std::string(name) +
                     "\" that is mandatory for processing this request is not supplied.");
    m = expect_error(v1_request(with(spec_v1_params(), name, "")), "MissingParameter");
    EXPECT_NE(m.find(std::string(name)), std::string::npos);
  }
  SignedRequest no_signature = get_request(encode_query(spec_v1_params()));
  EXPECT_NE(expect_error(no_signature, "MissingParameter").find("\"Signature\""),
            std::string::npos);
  SignedRequest nothing = get_request("");
  EXPECT_NE(expect_error(nothing, "MissingParameter").find("\"AccessKeyId\""), std::string::npos);
  EXPECT_EQ(auth_.remembered_nonces(), 0u);
}

TEST_F(AuthenticatorTest, V1SignatureMethodAndVersion) {
  EXPECT_EQ(expect_error(v1_request(with(spec_v1_params(), "SignatureMethod", "HMAC-SHA256")),
                         "InvalidSignatureMethod"),
            "Specified signature method is not valid.");
  expect_error(v1_request(with(spec_v1_params(), "SignatureMethod", "hmac-sha1")),
               "InvalidSignatureMethod");
  std::string m = expect_error(v1_request(with(spec_v1_params(), "SignatureVersion", "2.0")),
                               "InvalidParameter");
  EXPECT_NE(m.find("SignatureVersion"), std::string::npos);
}

TEST_F(AuthenticatorTest, V1TimestampFormat) {
  for (std::string_view ts : {"2016-02-23T12:46:24", "2016-02-23 12:46:24Z", "1456231584",
                              "2016-02-23T12:46:24.000Z", "2016-02-30T12:46:24Z"}) {
    EXPECT_EQ(expect_error(v1_request(with(spec_v1_params(), "Timestamp", ts)),
                           "InvalidTimeStamp.Format"),
              "Specified time stamp or date value is not well formatted.");
  }
}

TEST_F(AuthenticatorTest, V1SkewBothWays) {
  int n = 0;
  auto at = [&](int64_t ts_ms) {
    return v1_request(with(with(spec_v1_params(), "Timestamp", format_acs_timestamp(ts_ms)),
                           "SignatureNonce", "nonce-" + std::to_string(n++)));
  };
  // Exactly 15 minutes either way is accepted; one second more is not.
  EXPECT_TRUE(verify(at(kT0 - kSkew)).ok());
  EXPECT_TRUE(verify(at(kT0 + kSkew)).ok());
  EXPECT_EQ(expect_error(at(kT0 - kSkew - 1000), "InvalidTimeStamp.Expired"),
            "Specified time stamp or date value is expired.");
  expect_error(at(kT0 + kSkew + 1000), "InvalidTimeStamp.Expired");
  expect_error(at(kT0 - 24 * 3600 * 1000), "InvalidTimeStamp.Expired");
}

TEST_F(AuthenticatorTest, UnknownAccessKeyIs404) {
  ParamList params = with(spec_v1_params(), "AccessKeyId", "nobody");
  EXPECT_EQ(expect_error(v1_request(params), "InvalidAccessKeyId.NotFound", 404),
            "Specified access key is not found.");
}

TEST_F(AuthenticatorTest, V1WrongSecretMessageCarriesStringToSign) {
  auto p = verify(v1_request(spec_v1_params(), "GET", "wrongsecret"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().http_status, 400);
  EXPECT_EQ(p.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(p.error().message,
            std::string("Specified signature is not matched with our calculation. server string "
                        "to sign is:") +
                kSpecGetStringToSign);
  // aliyun-python-sdk-core does message.split(':')[1] and compares it with its StringToSign.
  const std::string& m = p.error().message;
  size_t colon = m.find(':');
  EXPECT_EQ(m.substr(colon + 1, m.find(':', colon + 1) - colon - 1), kSpecGetStringToSign);
  EXPECT_EQ(m.find("testsecret"), std::string::npos);
  EXPECT_EQ(m.find("wrongsecret"), std::string::npos);
  EXPECT_EQ(auth_.remembered_nonces(), 0u);
}

TEST_F(AuthenticatorTest, V1TamperedParamDetected) {
  SignedRequest r = v1_request(spec_v1_params());
  r.query.replace(r.query.find("kafka-test"), 10, "kafka-tesT");
  expect_error(r, "SignatureDoesNotMatch");
}

TEST_F(AuthenticatorTest, V1SecurityTokenNotSupported) {
  std::string m = expect_error(v1_request(with(spec_v1_params(), "SecurityToken", "CAIS...")),
                               "InvalidSecurityToken.NotSupported");
  EXPECT_NE(m.find("not supported by kprogress"), std::string::npos) << m;
}

TEST_F(AuthenticatorTest, MalformedEscapeIsInvalidParameter) {
  SignedRequest r = get_request("AccessKeyId=%zz");
  auto params = request_params(r);
  ASSERT_FALSE(params.ok());
  EXPECT_EQ(params.error().code, "InvalidParameter");
  EXPECT_EQ(params.error().http_status, 400);
}

// --- Nonces

TEST_F(AuthenticatorTest, V1NonceReplayRejected) {
  SignedRequest r = v1_request(spec_v1_params());
  EXPECT_TRUE(verify(r).ok());
  clock_.advance(60 * 1000);
  EXPECT_EQ(expect_error(r, "SignatureNonceUsed"), "Specified signature nonce was used already.");
  // Even re-signed with another timestamp, within the window the nonce stays used.
  EXPECT_FALSE(
      verify(v1_request(with(spec_v1_params(), "Timestamp", format_acs_timestamp(kT0 + 60 * 1000))))
          .ok());
}

TEST_F(AuthenticatorTest, ForgedRequestsDoNotPoisonTheNonce) {
  // A forged request carrying the victim's nonce fails and must not block the real one.
  expect_error(v1_request(spec_v1_params(), "GET", "forged"), "SignatureDoesNotMatch");
  expect_error(v1_request(with(spec_v1_params(), "AccessKeyId", "nobody")),
               "InvalidAccessKeyId.NotFound", 404);
  EXPECT_EQ(auth_.remembered_nonces(), 0u);
  EXPECT_TRUE(verify(v1_request(spec_v1_params())).ok());
}

TEST_F(AuthenticatorTest, NoncesAreScopedPerAccessKey) {
  EXPECT_TRUE(verify(v1_request(spec_v1_params())).ok());
  ParamList other = with(spec_v1_params(), "AccessKeyId", "limited");
  auto p = verify(v1_request(other, "GET", "limitedsecret"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->access_key_id, "limited");
}

TEST_F(AuthenticatorTest, NonceForgottenOnlyAfterReplayWouldExpire) {
  SignedRequest r = v1_request(spec_v1_params());
  EXPECT_TRUE(verify(r).ok());
  clock_.set(kT0 + kSkew);  // last moment the timestamp passes: still remembered
  expect_error(r, "SignatureNonceUsed");
  clock_.set(kT0 + kSkew + 1000);  // now the replay fails on its timestamp
  expect_error(r, "InvalidTimeStamp.Expired");
  // A fresh request with the same nonce is fine again; the old entry was dropped.
  EXPECT_TRUE(verify(v1_request(with(spec_v1_params(), "Timestamp",
                                     format_acs_timestamp(kT0 + kSkew + 1000))))
                  .ok());
  EXPECT_EQ(auth_.remembered_nonces(), 1u);
}

class BoundedNonceTest : public AuthenticatorTest {
 protected:
  BoundedNonceTest() : AuthenticatorTest(AuthOptions{.max_skew = 15min, .max_nonces = 2}) {}
  SignedRequest nth(int i, int64_t at_ms) {
    return v1_request(with(with(spec_v1_params(), "SignatureNonce", "n" + std::to_string(i)),
                           "Timestamp", format_acs_timestamp(at_ms)));
  }
};

TEST_F(BoundedNonceTest, FullMemoryThrottlesInsteadOfForgetting) {
  EXPECT_TRUE(verify(nth(1, kT0)).ok());
  clock_.advance(10 * 1000);
  EXPECT_TRUE(verify(nth(2, kT0 + 10 * 1000)).ok());
  // Both nonces are still live: a third request is refused, and nothing is forgotten.
  auto third = verify(nth(3, kT0 + 10 * 1000));
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, "Throttling.User");
  EXPECT_EQ(third.error().http_status, 400);
  EXPECT_EQ(third.error().message, "Request was denied due to user flow control.");
  // Until n1 expires at kT0 + 15 min (inclusive): 15 min - 10 s + 1 ms from now.
  EXPECT_EQ(third.error().retry_after_ms, kSkew - 10 * 1000 + 1);
  expect_error(nth(1, kT0), "SignatureNonceUsed");  // still protected
  EXPECT_EQ(auth_.remembered_nonces(), 2u);

  // Once n1's window has passed, its slot is free.
  clock_.set(kT0 + kSkew + 1);
  EXPECT_TRUE(verify(nth(3, kT0 + kSkew)).ok());
  EXPECT_EQ(auth_.remembered_nonces(), 2u);
  expect_error(nth(2, kT0 + 10 * 1000), "SignatureNonceUsed");
}

TEST_F(BoundedNonceTest, ReplayIsReportedEvenWhenFull) {
  EXPECT_TRUE(verify(nth(1, kT0)).ok());
  EXPECT_TRUE(verify(nth(2, kT0)).ok());
  expect_error(nth(2, kT0), "SignatureNonceUsed");
}

TEST(NonceCache, ExpiryIsInclusive) {
  NonceCache c(10);
  EXPECT_EQ(c.insert("k", "n", 100, 0).outcome, NonceCache::Outcome::kRecorded);
  EXPECT_EQ(c.insert("k", "n", 200, 100).outcome, NonceCache::Outcome::kReplayed);
  EXPECT_EQ(c.insert("k", "n", 200, 101).outcome, NonceCache::Outcome::kRecorded);
  EXPECT_EQ(c.size(), 1u);
  // Scope and nonce cannot run into each other.
  EXPECT_EQ(c.insert("k1", "n", 200, 101).outcome, NonceCache::Outcome::kRecorded);
  EXPECT_EQ(c.insert("k", "1n", 200, 101).outcome, NonceCache::Outcome::kRecorded);
}

TEST_F(AuthenticatorTest, ConcurrentReplaysAcceptExactlyOne) {
  SignedRequest same = v1_request(spec_v1_params());
  std::atomic<int> accepted{0}, replayed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto p = verify(same);
        if (p.ok()) ++accepted;
        if (!p.ok() && p.error().code == "SignatureNonceUsed") ++replayed;
        // And distinct nonces from every thread all pass.
        EXPECT_TRUE(verify(v1_request(with(spec_v1_params(), "SignatureNonce",
                                           std::to_string(t) + "-" + std::to_string(i))))
                        .ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(replayed.load(), 8 * 50 - 1);
  EXPECT_EQ(auth_.remembered_nonces(), 1u + 8 * 50);
}

// --- V3

TEST_F(AuthenticatorTest, V3SpecVectorAccepted) {
  SignedRequest r = spec_v3_request();
  r.headers.emplace_back("authorization",
                         "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;"
                         "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
                         "Signature=" +
                             std::string(kSpecV3Signature));
  auto p = verify(r);
  ASSERT_TRUE(p.ok()) << p.error().code << ": " << p.error().message;
  EXPECT_EQ(p->access_key_id, "testid");
  EXPECT_EQ(p->scheme, SignatureScheme::kV3AcsHmacSha256);
  expect_error(r, "SignatureNonceUsed");
}

TEST_F(AuthenticatorTest, V3PythonStyleSignsEveryHeaderAndTrims) {
  SignedRequest r = v3_request("py-1");
  r.headers.pop_back();  // drop authorization; add the headers Python signs too
  r.headers.emplace_back("user-agent", "  AlibabaCloud (Linux) Python/3.11.7 TeaDSL/1  ");
  r.headers.emplace_back("accept", "application/json");
  r.headers.emplace_back("x-acs-credentials-provider", "static_ak");
  sign_v3(r);
  EXPECT_NE(r.header("authorization")->find("accept;host;user-agent"), std::string::npos);
  EXPECT_TRUE(verify(r).ok());
}

TEST_F(AuthenticatorTest, V3UnsignedHeadersMayChange) {
  SignedRequest r = v3_request("ts-1");
  r.headers.emplace_back("user-agent", "anything");  // not in SignedHeaders
  EXPECT_TRUE(verify(r).ok());
}

TEST_F(AuthenticatorTest, V3QueryEscapingVariantsAccepted) {
  SignedRequest r = spec_v3_request();
  r.query = "ConsumerId=my+group*()!~&InstanceId=alikafka_pre-cn-mp919o4v0001&RegionId=cn-hangzhou";
  sign_v3(r);
  std::string signed_auth = *r.header("authorization");
  // The same params escaped another way carry the same signature.
  SignedRequest other = spec_v3_request();
  other.query =
      "RegionId=cn-hangzhou&InstanceId=alikafka_pre-cn-mp919o4v0001&ConsumerId=my%20group%2A%28%29%"
      "21%7E";
  other.headers.emplace_back("authorization", signed_auth);
  EXPECT_TRUE(verify(other).ok());
}

TEST_F(AuthenticatorTest, V3SignatureCaseInsensitiveHex) {
  SignedRequest r = spec_v3_request();
  std::string upper = kSpecV3Signature;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  r.headers.emplace_back("authorization",
                         "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;"
                         "x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
                         "Signature=" +
                             upper);
  EXPECT_TRUE(verify(r).ok());
}

TEST_F(AuthenticatorTest, V3WrongSecret) {
  SignedRequest r = spec_v3_request();
  sign_v3(r, {}, "wrongsecret");
  std::string m = expect_error(r, "SignatureDoesNotMatch");
  EXPECT_EQ(m.rfind("Specified signature is not matched with our calculation. server string to "
                    "sign is:ACS3-HMAC-SHA256\n949b0598fbd36a73d4835f710728bf4ac187f1a2685cd1f0"
                    "05cfa5f2e344f24d\nserver canonical request is:\nPOST\n/\n",
                    0),
            0u)
      << m;
  EXPECT_EQ(m.find("secret"), std::string::npos);
  EXPECT_EQ(auth_.remembered_nonces(), 0u);
}

TEST_F(AuthenticatorTest, V3TamperingDetected) {
  SignedRequest query = v3_request("t-1");
  query.query += "&HideLastTimestamp=true";
  expect_error(query, "SignatureDoesNotMatch");

  SignedRequest header = v3_request("t-2");
  for (auto& [n, v] : header.headers) {
    if (n == "x-acs-version") v = "2018-10-15";
  }
  expect_error(header, "SignatureDoesNotMatch");

  SignedRequest method = v3_request("t-3");
  method.method = "GET";
  expect_error(method, "SignatureDoesNotMatch");
}

TEST_F(AuthenticatorTest, V3BodyMustMatchContentSha256) {
  SignedRequest r = v3_request("b-1");
  r.body = "InstanceId=alikafka_other";  // not what x-acs-content-sha256 (empty body) says
  std::string m = expect_error(r, "SignatureDoesNotMatch");
  EXPECT_NE(m.find("x-acs-content-sha256"), std::string::npos) << m;
  EXPECT_NE(m.find(v3_hashed_payload(r.body)), std::string::npos) << m;

  // A body that matches its signed hash is fine.
  SignedRequest ok = spec_v3_request();
  ok.body = "a=1";
  ok.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  for (auto& [n, v] : ok.headers) {
    if (n == "x-acs-content-sha256") v = v3_hashed_payload(ok.body);
  }
  sign_v3(ok);
  EXPECT_TRUE(verify(ok).ok());
}

TEST_F(AuthenticatorTest, V3OtherAlgorithmsAndMalformedAuthorization) {
  SignedRequest sm3 = spec_v3_request();
  sm3.headers.emplace_back("authorization",
                           "ACS3-HMAC-SM3 Credential=testid,SignedHeaders=host,Signature=00");
  expect_error(sm3, "InvalidSignatureMethod");
  SignedRequest rsa = spec_v3_request();
  rsa.headers.emplace_back("authorization",
                           "ACS3-RSA-SHA256 Credential=testid,SignedHeaders=host,Signature=00");
  expect_error(rsa, "InvalidSignatureMethod");
  SignedRequest bad = spec_v3_request();
  bad.headers.emplace_back("authorization", "ACS3-HMAC-SHA256 Credential=testid");
  expect_error(bad, "IncompleteSignature");
}

TEST_F(AuthenticatorTest, V3RequiredHeaders) {
  for (std::string_view name : {"x-acs-action", "x-acs-version", "x-acs-date",
                                "x-acs-signature-nonce", "x-acs-content-sha256"}) {
    // Missing from the request.
    SignedRequest missing = spec_v3_request();
    std::erase_if(missing.headers, [&](const auto& h) { return h.first == name; });
    sign_v3(missing);
    std::string m = expect_error(missing, "MissingParameter");
    EXPECT_NE(m.find(std::string(name)), std::string::npos) << m;

    // Present but not signed.
    SignedRequest unsigned_ = spec_v3_request();
    std::vector<std::string> names;
    for (const auto& h : unsigned_.headers) {
      if (h.first != name) names.push_back(h.first);
    }
    sign_v3(unsigned_, names);
    expect_error(unsigned_, "IncompleteSignature");
  }
  // host need not be signed.
  SignedRequest no_host = spec_v3_request();
  sign_v3(no_host, {"x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce",
                    "x-acs-version"});
  EXPECT_TRUE(verify(no_host).ok());
}

TEST_F(AuthenticatorTest, V3RepeatedSignedHeaderRejected) {
  SignedRequest r = v3_request("h-1");
  r.headers.emplace_back("x-acs-action", "DeleteConsumerGroup");
  expect_error(r, "InvalidParameter");
}

TEST_F(AuthenticatorTest, V3DateFormatAndSkew) {
  SignedRequest bad = spec_v3_request();
  for (auto& [n, v] : bad.headers) {
    if (n == "x-acs-date") v = "Tue, 23 Feb 2016 12:46:24 GMT";
  }
  sign_v3(bad);
  expect_error(bad, "InvalidTimeStamp.Format");

  EXPECT_TRUE(verify(v3_request("s-1", kT0 - kSkew)).ok());
  EXPECT_TRUE(verify(v3_request("s-2", kT0 + kSkew)).ok());
  expect_error(v3_request("s-3", kT0 - kSkew - 1000), "InvalidTimeStamp.Expired");
  expect_error(v3_request("s-4", kT0 + kSkew + 1000), "InvalidTimeStamp.Expired");
}

TEST_F(AuthenticatorTest, V3UnknownKey) {
  SignedRequest r = spec_v3_request();
  sign_v3(r, {}, "testsecret", "nobody");
  expect_error(r, "InvalidAccessKeyId.NotFound", 404);
}

TEST_F(AuthenticatorTest, V3SecurityTokenNotSupported) {
  SignedRequest r = spec_v3_request();
  r.headers.emplace_back("x-acs-security-token", "CAIS...");
  r.headers.emplace_back("x-acs-accesskey-id", "STS.xxx");
  sign_v3(r);
  expect_error(r, "InvalidSecurityToken.NotSupported");
}

TEST_F(AuthenticatorTest, V3DuplicateQueryParamRejected) {
  SignedRequest r = spec_v3_request();
  r.query += "&ConsumerId=other";
  sign_v3(r);
  expect_error(r, "InvalidParameter");
}

TEST_F(AuthenticatorTest, AuthorizationWithoutAcs3IsV1) {
  SignedRequest r = v1_request(spec_v1_params());
  r.headers.emplace_back("authorization", "Bearer abc");
  EXPECT_EQ(signature_scheme(r), SignatureScheme::kV1HmacSha1);
  EXPECT_TRUE(verify(r).ok());
}

// Found by fuzz/alikafka_api: "acs3-" in lower case was V1 here but V3 for parse_rpc_call, which
// then took the Version from the unsigned x-acs-version header instead of the signed parameter.
TEST_F(AuthenticatorTest, Acs3PrefixInAnyCaseIsV3) {
  SignedRequest r = v1_request(spec_v1_params());
  r.headers.emplace_back("authorization", "acs3-HMAC-SHA256 Credential=testid");
  EXPECT_EQ(signature_scheme(r), SignatureScheme::kV3AcsHmacSha256);
  expect_error(r, "InvalidSignatureMethod");
}

// --- Principal and configuration

TEST_F(AuthenticatorTest, PrincipalInstances) {
  auto p =
      verify(v1_request(with(spec_v1_params(), "AccessKeyId", "limited"), "GET", "limitedsecret"));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->may_read("alikafka_a"));
  EXPECT_TRUE(p->may_read("alikafka_b"));
  EXPECT_FALSE(p->may_read("alikafka_c"));
  EXPECT_FALSE(p->may_read(""));
  Principal all{"all", {}, SignatureScheme::kV1HmacSha1};
  EXPECT_TRUE(all.may_read("anything"));
}

TEST(AuthenticatorCreate, RejectsBadKeys) {
  FakeClock clock(kT0);
  auto dup = Authenticator::create({{"a", "s1", {}}, {"a", "s2", {}}}, clock);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("a"), std::string::npos);
  EXPECT_EQ(dup.error().message.find("s1"), std::string::npos);
  EXPECT_FALSE(Authenticator::create({{"", "s", {}}}, clock).ok());
  auto no_secret = Authenticator::create({{"a", "", {}}}, clock);
  ASSERT_FALSE(no_secret.ok());
  EXPECT_FALSE(Authenticator::create({{"a", "s", {}}}, clock, AuthOptions{.max_nonces = 0}).ok());
  EXPECT_TRUE(Authenticator::create({}, clock).ok());
}

TEST(GatewayErrorFactories, SpecTable) {
  EXPECT_EQ(GatewayError::api_not_found().http_status, 404);
  EXPECT_EQ(GatewayError::api_not_found().code, "InvalidApi.NotFound");
  EXPECT_EQ(GatewayError::invalid_version().message, "Specified parameter Version is not valid.");
  EXPECT_EQ(GatewayError::invalid_parameter("X").message,
            "The specified parameter \"X\" is not valid.");
  EXPECT_EQ(GatewayError::forbidden_ram().http_status, 403);
  EXPECT_EQ(GatewayError::internal_error().http_status, 500);
  EXPECT_EQ(GatewayError::service_unavailable().http_status, 503);
  EXPECT_EQ(GatewayError::access_key_inactive().code, "InvalidAccessKeyId.Inactive");
  EXPECT_EQ(GatewayError::unsupported_http_method().message, "This http method not supported.");
}

}  // namespace
}  // namespace kprogress::auth
