// The alikafka bodies against golden files: the 2018-10-15 ones are the seed document's own
// example (tests/golden/README.md says how they were made).
#include "api/alikafka/render.h"

#include <gtest/gtest.h>

#include "golden.h"
#include "progress/lag_math.h"

namespace kprogress {
namespace {

using testing::golden;

// The seed's example: topic kafka-test, 12 partitions, fully consumed.
GroupProgress seed_example() {
  struct P {
    int partition;
    int64_t ts, offset;
  } rows[] = {{0, 1566874931649, 9}, {1, 1566874931605, 9},  {2, 1566874931561, 10},
              {3, 1566874931628, 8}, {4, 1566874931579, 8},  {5, 1566874931570, 10},
              {6, 1566874931639, 9}, {7, 1566874931586, 8},  {8, 1566874931661, 9},
              {9, 1566874931616, 8}, {10, 1566874931596, 8}, {11, 1566874931671, 9}};
  GroupProgress g;
  g.group_id = "kafka-test";
  g.state = GroupState::kStable;
  TopicProgress t;
  t.topic = "kafka-test";
  for (const auto& r : rows) {
    PartitionProgress p;
    p.tp = {"kafka-test", PartitionId(r.partition)};
    p.committed = Offset(r.offset);
    p.high_watermark = Offset(r.offset);
    p.last_timestamp = r.ts;
    t.partitions.push_back(p);
  }
  g.topics.push_back(t);
  aggregate(g);
  return g;
}

const char* kSeedRequestId = "252820E1-A2E6-45F2-B4C9-1056B8CE****";

TEST(RenderProgress, Version20181015JsonIsTheSeedExample) {
  EXPECT_EQ(render_progress(seed_example(), {AlikafkaVersion::k20181015, false},
                            ResponseFormat::kJson, kSeedRequestId),
            golden("get_consumer_progress_2018-10-15.json"));
}

TEST(RenderProgress, Version20181015XmlIsTheSeedExample) {
  EXPECT_EQ(render_progress(seed_example(), {AlikafkaVersion::k20181015, false},
                            ResponseFormat::kXml, kSeedRequestId),
            golden("get_consumer_progress_2018-10-15.xml"));
}

GroupProgress with_lag_and_owner() {
  GroupProgress g = seed_example();
  auto& p0 = g.topics[0].partitions[0];
  p0.high_watermark = Offset(12);
  p0.lag = 3;
  p0.owner = std::make_shared<PartitionOwner>(
      PartitionOwner{"client-id-KafkaConsumerDemo-70b64883-a911-4882-8084-598b958848b4",
                     "client-id-KafkaConsumerDemo", "172.16.11.3"});
  // A partition without a commit is left out of the alikafka body.
  PartitionProgress none;
  none.tp = {"kafka-test", PartitionId(12)};
  g.topics[0].partitions.push_back(none);
  aggregate(g);
  return g;
}

TEST(RenderProgress, Version20190916JsonAddsOwnerAccumulateAndState) {
  EXPECT_EQ(render_progress(with_lag_and_owner(), {AlikafkaVersion::k20190916, false},
                            ResponseFormat::kJson, kSeedRequestId),
            golden("get_consumer_progress_2019-09-16.json"));
}

TEST(RenderProgress, Version20190916XmlAddsOwnerAccumulateAndState) {
  EXPECT_EQ(render_progress(with_lag_and_owner(), {AlikafkaVersion::k20190916, false},
                            ResponseFormat::kXml, kSeedRequestId),
            golden("get_consumer_progress_2019-09-16.xml"));
}

TEST(RenderProgress, HideLastTimestampGivesMinusOneEverywhere) {
  std::string body = render_progress(seed_example(), {AlikafkaVersion::k20190916, true},
                                     ResponseFormat::kJson, "X");
  EXPECT_EQ(body.find("15668749"), std::string::npos);
  EXPECT_NE(body.find("\"LastTimestamp\":-1"), std::string::npos);
}

TEST(RenderProgress, EmptyGroupHasEmptyDoubleWrappedList) {
  GroupProgress g;
  g.state = GroupState::kEmpty;
  aggregate(g);
  EXPECT_EQ(render_progress(g, {AlikafkaVersion::k20190916, false}, ResponseFormat::kJson, "X"),
            R"({"Message":"operation success.","RequestId":"X","ConsumerProgress":{"TotalDiff":0,)"
            R"("LastTimestamp":0,"state":"EMPTY","TopicList":{"TopicList":[]}},"Success":true,)"
            R"("Code":200})");
}

TEST(RenderProgress, NamesAreEscaped) {
  GroupProgress g = seed_example();
  g.topics[0].topic = "a<b>&\"c'\x01";
  std::string xml = render_progress(g, {}, ResponseFormat::kXml, "X");
  EXPECT_NE(xml.find("<Topic>a&lt;b&gt;&amp;\"c'"), std::string::npos) << xml;
  std::string json = render_progress(g, {}, ResponseFormat::kJson, "X");
  EXPECT_NE(json.find(R"("Topic":"a<b>&\"c'\u0001")"), std::string::npos) << json;
}

// XML 1.0 cannot hold control characters, not even as &#1;, and the body says UTF-8: names are
// bytes, so what XML cannot hold becomes U+FFFD (found by fuzz/render and fuzz/alikafka_api).
TEST(RenderProgress, XmlReplacesWhatXmlCannotHold) {
  GroupProgress g = seed_example();
  // control, control, tab, a lone 0xff, a cut sequence, the euro sign, an emoji, U+FFFE, NUL
  g.topics[0].topic = std::string(
      "a\x01"
      "b\x1f"
      "\tc\xff\xc3(d\xe2\x82\xac\xf0\x9f\x98\x80"
      "e\xef\xbf\xbe\0f",
      23);
  std::string xml = render_progress(g, {}, ResponseFormat::kXml, "X");
  EXPECT_NE(xml.find("<Topic>a\uFFFDb\uFFFD\tc\uFFFD\uFFFD("
                     "d\u20AC\U0001F600e\uFFFD\uFFFD\uFFFD\uFFFDf</Topic>"),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("&#"), std::string::npos) << xml;
  // JSON escapes control characters, so it keeps them, and replaces only invalid UTF-8.
  std::string json = render_progress(g, {}, ResponseFormat::kJson, "X");
  EXPECT_NE(json.find(R"("Topic":"a\u0001b\u001f\tc)"), std::string::npos) << json;
}

TEST(RenderGatewayError, XmlReplacesWhatXmlCannotHold) {
  GatewayError e = GatewayError::missing_parameter("ConsumerId");
  ApiResponse xml = render_gateway_error(e, ResponseFormat::kXml, "R\x02ID", "h\xfe:1");
  EXPECT_NE(xml.body.find("<RequestId>R\uFFFDID</RequestId><HostId>h\uFFFD:1</HostId>"),
            std::string::npos)
      << xml.body;
}

TEST(RenderGatewayError, JsonAndXmlShapes) {
  GatewayError e = GatewayError::missing_parameter("ConsumerId");
  ApiResponse json = render_gateway_error(e, ResponseFormat::kJson, "RID", "h:1");
  EXPECT_EQ(json.status, 400);
  EXPECT_EQ(json.content_type, "application/json;charset=utf-8");
  EXPECT_EQ(json.body,
            R"({"RequestId":"RID","HostId":"h:1","Code":"MissingParameter","Message":"The input )"
            R"(parameter \"ConsumerId\" that is mandatory for processing this request is not )"
            R"(supplied."})");
  ApiResponse xml = render_gateway_error(e, ResponseFormat::kXml, "RID", "h:1");
  EXPECT_EQ(xml.content_type, "text/xml;charset=utf-8");
  EXPECT_EQ(
      xml.body.rfind(R"(<?xml version="1.0" encoding="UTF-8"?><Error><RequestId>RID</RequestId>)"
                     R"(<HostId>h:1</HostId><Code>MissingParameter</Code>)",
                     0),
      0u)
      << xml.body;
  ASSERT_EQ(xml.headers.size(), 1u);
  EXPECT_EQ(xml.headers[0].first, "x-acs-request-id");
}

}  // namespace
}  // namespace kprogress
