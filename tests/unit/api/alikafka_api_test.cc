// AlikafkaApi end to end over a fake Kafka: request decoding, every error case in the gateway
// shape, and both versions' bodies.
#include "api/alikafka/alikafka_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_kafka_client.h"

namespace kprogress {
namespace {

using json = nlohmann::json;

class AlikafkaApiTest : public ::testing::Test {
 protected:
  AlikafkaApiTest() {
    kafka_.produce("orders", 0, 10, 1000);
    kafka_.produce("orders", 1, 5, 2000);
    kafka_.commit("g", "orders", 0, 7);
    kafka_.commit("g", "orders", 1, 5);
    kafka_.group("g").state = GroupState::kStable;
    kafka_.group("g").members = {
        {"m-1", "cid", "/10.1.2.3", "", {{"orders", PartitionId(0)}, {"orders", PartitionId(1)}}}};
  }

  ApiResponse get(const std::string& query) {
    ApiRequest r;
    r.method = "GET";
    r.path = "/";
    r.query = query;
    r.headers = {{"host", "kp:8080"}};
    return api_.handle(r);
  }
  json get_json(const std::string& query) { return json::parse(get(query).body); }

  static constexpr const char* kBase =
      "Action=GetConsumerProgress&Version=2019-09-16&Format=JSON&RegionId=cn-hangzhou&"
      "InstanceId=i1";

  testing::FakeKafkaClient kafka_;
  SystemClock clock_;
  ProgressService progress_{kafka_, clock_};
  AlikafkaApi api_{{{"i1", "cn-hangzhou", &progress_}}, nullptr, {}};
};

TEST_F(AlikafkaApiTest, Version20190916Success) {
  ApiResponse r = get(std::string(kBase) + "&ConsumerId=g");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json;charset=utf-8");
  json j = json::parse(r.body);
  EXPECT_EQ(j["Code"], 200);
  EXPECT_EQ(j["Success"], true);
  EXPECT_EQ(j["RequestId"].get<std::string>().size(), 36u);
  ASSERT_EQ(r.headers[0].first, "x-acs-request-id");
  EXPECT_EQ(r.headers[0].second, j["RequestId"]);
  const json& cp = j["ConsumerProgress"];
  EXPECT_EQ(cp["TotalDiff"], 3);
  EXPECT_EQ(cp["state"], "STABLE");
  EXPECT_EQ(cp["LastTimestamp"], 2004);
  const json& p0 = cp["TopicList"]["TopicList"][0]["OffsetList"]["OffsetList"][0];
  EXPECT_EQ(p0["Partition"], 0);
  EXPECT_EQ(p0["BrokerOffset"], 10);
  EXPECT_EQ(p0["ConsumerOffset"], 7);
  EXPECT_EQ(p0["Accumulate"], 3);
  EXPECT_EQ(p0["LastTimestamp"], 1006);
  EXPECT_EQ(p0["ClientId"], "cid");
  EXPECT_EQ(p0["ClientIp"], "10.1.2.3");
  EXPECT_EQ(p0["MemberId"], "m-1");
}

TEST_F(AlikafkaApiTest, Version20181015HasExactlyItsFields) {
  json j = get_json(
      "Action=GetConsumerProgress&Version=2018-10-15&Format=json&RegionId=cn-hangzhou&"
      "InstanceId=i1&ConsumerId=g");
  const json& cp = j["ConsumerProgress"];
  EXPECT_FALSE(cp.contains("state"));
  std::vector<std::string> keys;
  for (auto& [k, v] : cp["TopicList"]["TopicList"][0]["OffsetList"]["OffsetList"][0].items())
    keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"BrokerOffset", "ConsumerOffset", "LastTimestamp",
                                            "Partition"}));  // nlohmann::json sorts keys
}

TEST_F(AlikafkaApiTest, FormBodyAndPostWork) {
  ApiRequest r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"content-type", "application/x-www-form-urlencoded; charset=UTF-8"}};
  r.body = std::string(kBase) + "&ConsumerId=g";
  ApiResponse resp = api_.handle(r);
  EXPECT_EQ(resp.status, 200) << resp.body;
}

TEST_F(AlikafkaApiTest, TooManyParametersIsInvalidParameter) {
  std::string padding;
  for (int i = 0; i < 200; ++i) padding += "&X" + std::to_string(i) + "=1";
  ApiResponse q = get(std::string(kBase) + "&ConsumerId=g" + padding);
  EXPECT_EQ(q.status, 400) << q.body;
  EXPECT_NE(q.body.find("\"InvalidParameter\""), std::string::npos) << q.body;
  EXPECT_NE(q.body.find("more than 128 parameters"), std::string::npos) << q.body;

  // The query and the form body count together.
  ApiRequest r;
  r.method = "POST";
  r.path = "/";
  r.query = std::string(kBase).substr(0, std::string(kBase).find("&RegionId"));
  r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  r.body =
      std::string(kBase).substr(std::string(kBase).find("RegionId")) + "&ConsumerId=g" + padding;
  ApiResponse b = api_.handle(r);
  EXPECT_EQ(b.status, 400) << b.body;
  EXPECT_NE(b.body.find("more than"), std::string::npos) << b.body;
}

TEST_F(AlikafkaApiTest, V3HeadersCarryActionAndVersion) {
  ApiRequest r;
  r.method = "POST";
  r.path = "/";
  r.query = "RegionId=cn-hangzhou&InstanceId=i1&ConsumerId=g";
  r.headers = {{"x-acs-action", "GetConsumerProgress"}, {"x-acs-version", "2018-10-15"}};
  ApiResponse resp = api_.handle(r);
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(resp.content_type, "application/json;charset=utf-8");  // V3 clients expect JSON
}

TEST_F(AlikafkaApiTest, XmlIsTheDefaultForRpc) {
  ApiResponse r =
      get("Action=GetConsumerProgress&Version=2019-09-16&RegionId=cn-hangzhou&InstanceId=i1&"
          "ConsumerId=g");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/xml;charset=utf-8");
  EXPECT_EQ(r.body.rfind("<?xml", 0), 0u);
}

TEST_F(AlikafkaApiTest, HideLastTimestampAcceptsEitherCase) {
  for (const char* v : {"true", "True", "TRUE"}) {
    json j = get_json(std::string(kBase) + "&ConsumerId=g&HideLastTimestamp=" + v);
    EXPECT_EQ(j["ConsumerProgress"]["LastTimestamp"], -1) << v;
  }
  json j = get_json(std::string(kBase) + "&ConsumerId=g&HideLastTimestamp=False");
  EXPECT_EQ(j["ConsumerProgress"]["LastTimestamp"], 2004);
}

struct ErrorCase {
  const char* name;
  std::string query;
  int status;
  const char* code;
  const char* message_part;
};

TEST_F(AlikafkaApiTest, ErrorsInGatewayShape) {
  const std::string v = "&Version=2019-09-16&Format=JSON";
  ErrorCase cases[] = {
      {"missing ConsumerId", std::string(kBase), 400, "MissingParameter", "\"ConsumerId\""},
      {"empty ConsumerId", std::string(kBase) + "&ConsumerId=", 400, "MissingParameter",
       "ConsumerId"},
      {"missing InstanceId",
       "Action=GetConsumerProgress" + v + "&RegionId=cn-hangzhou&ConsumerId=g", 400,
       "MissingParameter", "InstanceId"},
      {"missing RegionId", "Action=GetConsumerProgress" + v + "&InstanceId=i1&ConsumerId=g", 400,
       "MissingParameter", "RegionId"},
      {"missing Action", "Version=2019-09-16&Format=JSON", 400, "MissingParameter", "Action"},
      {"missing Version", "Action=GetConsumerProgress&Format=JSON", 400, "MissingParameter",
       "Version"},
      {"unknown action", "Action=GetConsumerList" + v, 404, "InvalidApi.NotFound", "api"},
      {"unknown version", "Action=GetConsumerProgress&Version=2020-01-01&Format=JSON", 400,
       "InvalidVersion", "Version"},
      {"bad boolean", std::string(kBase) + "&ConsumerId=g&HideLastTimestamp=yes", 400,
       "InvalidParameter", "HideLastTimestamp"},
      {"repeated parameter", std::string(kBase) + "&ConsumerId=g&ConsumerId=h", 400,
       "InvalidParameter", "ConsumerId"},
      {"bad escape", std::string(kBase) + "&ConsumerId=%zz", 400, "InvalidParameter", ""},
      {"unknown instance",
       "Action=GetConsumerProgress" + v + "&RegionId=cn-hangzhou&InstanceId=nope&ConsumerId=g", 404,
       "InvalidInstanceId.NotFound", "nope"},
      {"wrong region",
       "Action=GetConsumerProgress" + v + "&RegionId=cn-beijing&InstanceId=i1&ConsumerId=g", 404,
       "InvalidInstanceId.NotFound", "cn-beijing"},
      {"unknown group", std::string(kBase) + "&ConsumerId=nobody", 404,
       "InvalidConsumerId.NotFound", "nobody"},
  };
  for (const auto& c : cases) {
    ApiResponse r = get(c.query);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    json j = json::parse(r.body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << c.name << ": " << r.body;
    EXPECT_EQ(j["Code"], c.code) << c.name;
    EXPECT_NE(j["Message"].get<std::string>().find(c.message_part), std::string::npos)
        << c.name << ": " << j["Message"];
    EXPECT_EQ(j["RequestId"].get<std::string>().size(), 36u);
    EXPECT_EQ(j["HostId"], "kp:8080");
  }
}

TEST_F(AlikafkaApiTest, KafkaDownIsServiceUnavailableNamingTheFailure) {
  kafka_.fail_all = Error::deadline_exceeded("OffsetFetch to broker 1 did not answer within 10 s");
  ApiResponse r = get(std::string(kBase) + "&ConsumerId=g");
  EXPECT_EQ(r.status, 503);
  json j = json::parse(r.body);
  EXPECT_EQ(j["Code"], "ServiceUnavailable");
  EXPECT_NE(j["Message"].get<std::string>().find("broker 1"), std::string::npos);
}

TEST_F(AlikafkaApiTest, UnknownFormatIsAnErrorInTheDefaultXml) {
  ApiResponse r = get("Action=GetConsumerProgress&Version=2019-09-16&Format=YAML");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "text/xml;charset=utf-8");
  EXPECT_NE(r.body.find("<Code>InvalidParameter</Code>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("Format"), std::string::npos) << r.body;
}

TEST_F(AlikafkaApiTest, ErrorsComeInXmlWhenAskedFor) {
  ApiResponse r = get("Action=GetConsumerProgress&Version=2019-09-16&Format=XML");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "text/xml;charset=utf-8");
  EXPECT_NE(r.body.find("<Error><RequestId>"), std::string::npos);
}

TEST_F(AlikafkaApiTest, AnswersFromAFreshEnoughSnapshotWithoutAskingKafka) {
  auto collector = std::move(*Collector::create("i1", kafka_, clock_, {}));
  collector->run_cycle();
  AlikafkaApi api{
      {{"i1", "cn-hangzhou", &progress_, collector.get(), std::chrono::minutes(1)}}, nullptr, {}};
  kafka_.fail_all = Error::unavailable("Kafka is down now");  // the snapshot still answers
  ApiRequest r;
  r.method = "GET";
  r.query = std::string(kBase) + "&ConsumerId=g";
  ApiResponse resp = api.handle(r);
  ASSERT_EQ(resp.status, 200) << resp.body;
  json cp = json::parse(resp.body)["ConsumerProgress"];
  EXPECT_EQ(cp["TotalDiff"], 3);
  EXPECT_EQ(cp["LastTimestamp"], 2004);
  // A group the snapshot lacks is asked fresh (and here fails, naming why).
  r.query = std::string(kBase) + "&ConsumerId=other";
  EXPECT_EQ(api.handle(r).status, 503);
}

TEST_F(AlikafkaApiTest, OnlyAnswersFromTheSnapshotAreClaimedAsAnswersFromMemory) {
  auto collector = std::move(*Collector::create("i1", kafka_, clock_, {}));
  collector->run_cycle();
  const auto margin = AlikafkaApi::kInlineMargin;
  AlikafkaApi api{
      {{"i1", "cn-hangzhou", &progress_, collector.get(), margin + std::chrono::minutes(1)},
       {"i2", "cn-hangzhou", &progress_, collector.get(), margin}},
      nullptr,
      {}};
  auto claimed = [&](const std::string& query, const std::string& body = "") {
    ApiRequest r;
    r.method = body.empty() ? "GET" : "POST";
    r.path = "/";
    r.query = query;
    r.body = body;
    if (!body.empty()) r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
    return api.answers_from_memory(r);
  };
  EXPECT_TRUE(claimed(std::string(kBase) + "&ConsumerId=g"));
  EXPECT_TRUE(claimed("", std::string(kBase) + "&ConsumerId=g"));   // form body
  EXPECT_FALSE(claimed(std::string(kBase) + "&ConsumerId=other"));  // not in the snapshot
  EXPECT_FALSE(claimed(std::string(kBase) + "&ConsumerId="));
  EXPECT_FALSE(
      claimed("Action=GetConsumerProgress&RegionId=cn-beijing&InstanceId=i1&ConsumerId=g"));
  EXPECT_FALSE(claimed("Action=GetConsumerList&RegionId=cn-hangzhou&InstanceId=i1&ConsumerId=g"));
  // Staleness no larger than the margin: the snapshot could age out before handle() runs.
  EXPECT_FALSE(
      claimed("Action=GetConsumerProgress&RegionId=cn-hangzhou&InstanceId=i2&ConsumerId=g"));
  // Without a collector every answer comes from Kafka.
  ApiRequest r;
  r.method = "GET";
  r.path = "/";
  r.query = std::string(kBase) + "&ConsumerId=g";
  EXPECT_FALSE(api_.answers_from_memory(r));
}

TEST_F(AlikafkaApiTest, CallerLimitedToOtherInstancesIsForbidden) {
  AlikafkaApi api{{{"i1", "cn-hangzhou", &progress_}},
                  [](const auth::SignedRequest&, const ParamList&) -> GatewayResult<Caller> {
                    return Caller{"ak", {"other"}};
                  },
                  {}};
  ApiRequest r;
  r.method = "GET";
  r.query = std::string(kBase) + "&ConsumerId=g";
  ApiResponse resp = api.handle(r);
  EXPECT_EQ(resp.status, 403);
  EXPECT_EQ(json::parse(resp.body)["Code"], "Forbidden.RAM");
}

TEST_F(AlikafkaApiTest, AuthenticationFailureStopsTheRequest) {
  AlikafkaApi api{{{"i1", "cn-hangzhou", &progress_}},
                  [](const auth::SignedRequest&, const ParamList&) -> GatewayResult<Caller> {
                    return GatewayError::access_key_not_found();
                  },
                  {}};
  ApiRequest r;
  r.method = "GET";
  r.query = std::string(kBase) + "&ConsumerId=g";
  ApiResponse resp = api.handle(r);
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(json::parse(resp.body)["Code"], "InvalidAccessKeyId.NotFound");
}

}  // namespace
}  // namespace kprogress
