// Golden tests of kp_auth against real requests: each file in tests/golden/sdk_requests/ is one
// GetConsumerProgress request exactly as one of Alibaba's SDK clients sent it (captured from
// the client packages that tests/sdk/install pins), with the key it was signed with. The
// Authenticator must accept each with the clock at the request's own timestamp, and must refuse
// it replayed, re-timed, tampered with or checked against another secret.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/auth/acs_time.h"
#include "api/auth/authenticator.h"
#include "api/auth/v1_signature.h"

namespace kprogress::auth {
namespace {

namespace fs = std::filesystem;

fs::path golden_dir() { return fs::path(KP_SOURCE_DIR) / "tests" / "golden" / "sdk_requests"; }

std::vector<std::string> golden_files() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(golden_dir(), ec)) {
    if (e.path().extension() == ".json") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct Capture {
  std::string client;
  std::string scheme;
  std::string access_key_id;
  std::string secret;
  std::string consumer_id;
  SignedRequest request;
};

Capture load(const std::string& name) {
  std::ifstream in(golden_dir() / name);
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str());
  Capture c;
  c.client = j.at("client");
  c.scheme = j.at("scheme");
  c.access_key_id = j.at("access_key_id");
  c.secret = j.at("access_key_secret");
  c.consumer_id = j.at("consumer_id");
  const auto& r = j.at("request");
  c.request.method = r.at("method");
  c.request.path = r.at("path");
  c.request.query = r.at("query");
  c.request.body = r.at("body");
  for (const auto& h : r.at("headers")) c.request.headers.emplace_back(h.at(0), h.at(1));
  if (const std::string* ct = c.request.header("content-type")) c.request.content_type = *ct;
  return c;
}

class FixedClock final : public Clock {
 public:
  explicit FixedClock(int64_t ms) : ms_(ms) {}
  int64_t now_ms() const override { return ms_; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms_));
  }

 private:
  int64_t ms_;
};

const std::string* param(const ParamList& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

class SdkCapture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    c_ = load(GetParam());
    auto params = request_params(c_.request);
    ASSERT_TRUE(params.ok()) << params.error().message;
    params_ = *params;
    const std::string* ts =
        c_.scheme == "v3" ? c_.request.header("x-acs-date") : param(params_, "Timestamp");
    ASSERT_NE(ts, nullptr);
    auto ms = parse_acs_timestamp(*ts);
    ASSERT_TRUE(ms.has_value()) << *ts;
    sent_at_ms_ = *ms;
  }

  GatewayResult<Principal> verify_at(const SignedRequest& r, int64_t now_ms,
                                     const std::string& secret) {
    clock_ = std::make_unique<FixedClock>(now_ms);
    auto a = Authenticator::create({{c_.access_key_id, secret, {}}}, *clock_);
    EXPECT_TRUE(a.ok());
    auto params = request_params(r);
    if (!params.ok()) return params.error();
    return a->verify(r, *params);
  }

  Capture c_;
  ParamList params_;
  int64_t sent_at_ms_ = 0;
  std::unique_ptr<FixedClock> clock_;
};

TEST_P(SdkCapture, AcceptedOnceAtItsTime) {
  FixedClock clock(sent_at_ms_ + 2000);
  auto a = Authenticator::create({{c_.access_key_id, c_.secret, {}}}, clock);
  ASSERT_TRUE(a.ok());
  auto p = a->verify(c_.request, params_);
  ASSERT_TRUE(p.ok()) << c_.client << "\n" << p.error().code << ": " << p.error().message;
  EXPECT_EQ(p->access_key_id, c_.access_key_id);
  EXPECT_EQ(p->scheme,
            c_.scheme == "v3" ? SignatureScheme::kV3AcsHmacSha256 : SignatureScheme::kV1HmacSha1);
  // The decoded params carry the consumer group exactly, whatever the client's escaping.
  const std::string* group = param(params_, "ConsumerId");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(*group, c_.consumer_id);

  auto replay = a->verify(c_.request, params_);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code, "SignatureNonceUsed");
}

TEST_P(SdkCapture, RefusedOutsideTheWindow) {
  for (int64_t now : {sent_at_ms_ + 15 * 60 * 1000 + 1000, sent_at_ms_ - 15 * 60 * 1000 - 1000}) {
    auto p = verify_at(c_.request, now, c_.secret);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, "InvalidTimeStamp.Expired");
  }
}

TEST_P(SdkCapture, RefusedWithAnotherSecret) {
  auto p = verify_at(c_.request, sent_at_ms_, c_.secret + "x");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(p.error().http_status, 400);
  EXPECT_EQ(p.error().message.find(c_.secret), std::string::npos);
  if (c_.scheme == "v1") {
    // What aliyun-python-sdk-core compares with its own StringToSign: split(':')[1].
    const std::string& m = p.error().message;
    size_t colon = m.find(':');
    EXPECT_EQ(m.substr(colon + 1, m.find(':', colon + 1) - colon - 1),
              v1_string_to_sign(c_.request.method, params_));
  }
}

TEST_P(SdkCapture, RefusedWhenTheGroupIsChanged) {
  SignedRequest r = c_.request;
  // The group's escaped form starts "cg" in every capture: change it where it was sent.
  std::string& carrier = r.query.find("ConsumerId=cg") != std::string::npos ? r.query : r.body;
  size_t at = carrier.find("ConsumerId=cg");
  ASSERT_NE(at, std::string::npos) << c_.client;
  carrier.replace(at, 13, "ConsumerId=cX");
  auto p = verify_at(r, sent_at_ms_, c_.secret);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "SignatureDoesNotMatch");
}

INSTANTIATE_TEST_SUITE_P(Golden, SdkCapture, ::testing::ValuesIn(golden_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.size() - 5);
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(SdkCaptures, EveryClientVariantIsThere) {
  std::vector<std::string> files = golden_files();
  for (const char* want :
       {"python-tea-2018-v3.json", "python-tea-2019-v3.json", "python-tea-2019-v3-hide.json",
        "python-tea-2018-sigv2.json", "python-tea-2019-sigv2.json",
        "python-tea-2018-1.0.1-form.json", "python-core-2018-post.json",
        "python-core-2019-post.json", "python-core-2019-get.json", "python-core-alikafka-2019.json",
        "node-popcore-2018-get.json", "node-popcore-2018-post.json", "node-popcore-2019-get.json",
        "node-popcore-2019-post.json", "node-tea-2018-v3.json", "node-tea-2019-v3.json",
        "node-tea-2019-v3-hide.json"}) {
    EXPECT_NE(std::find(files.begin(), files.end(), want), files.end()) << want;
  }
}

}  // namespace
}  // namespace kprogress::auth
