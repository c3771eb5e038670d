// The text format primitives and the name table: escaping, UTF-8 repair, numbers, valid and
// unique names.
#include "metrics/text_format.h"

#include <gtest/gtest.h>

#include <limits>
#include <regex>
#include <set>

#include "metrics/metric_names.h"

namespace kprogress::metrics_text {
namespace {

namespace names = metric_names;

std::string label(std::string_view v) {
  std::string out;
  append_label_value(out, v);
  return out;
}

std::string value(double v) {
  std::string out;
  append_value(out, v);
  return out;
}

std::string value(int64_t v) {
  std::string out;
  append_value(out, v);
  return out;
}

TEST(TextFormat, LabelValueEscapes) {
  EXPECT_EQ(label("plain-name_1.x"), "plain-name_1.x");
  EXPECT_EQ(label(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(label(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(label("two\nlines"), R"(two\nlines)");
  EXPECT_EQ(label("tab\tstays"), "tab\tstays");  // the format allows it raw
  EXPECT_EQ(label(""), "");
}

TEST(TextFormat, LabelValueKeepsUtf8AndRepairsTheRest) {
  EXPECT_EQ(label("caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80");
  const std::string bad = "\xEF\xBF\xBD";
  EXPECT_EQ(label("a\xFF"
                  "b"),
            "a" + bad + "b");
  EXPECT_EQ(label("\xC3"), bad);                                // truncated
  EXPECT_EQ(label("\xC0\xAF"), bad + bad);                      // overlong '/'
  EXPECT_EQ(label("\xED\xA0\x80"), bad + bad + bad);            // surrogate
  EXPECT_EQ(label("\xF4\x90\x80\x80"), bad + bad + bad + bad);  // above U+10FFFF
}

TEST(TextFormat, HelpEscapes) {
  std::string out;
  append_help(out, "a\\b\nc \"quoted\"");
  EXPECT_EQ(out, R"(a\\b\nc "quoted")");
}

TEST(TextFormat, Numbers) {
  EXPECT_EQ(value(int64_t{0}), "0");
  EXPECT_EQ(value(int64_t{9'007'199'254'740'993}), "9007199254740993");  // exact, past 2^53
  EXPECT_EQ(value(0.0), "0");
  EXPECT_EQ(value(-0.0), "0");
  EXPECT_EQ(value(0.1), "0.1");
  EXPECT_EQ(value(12.5), "12.5");
  EXPECT_EQ(value(1e-7), "1e-07");
  EXPECT_EQ(value(1'700'000'000.123), "1700000000.123");
  EXPECT_EQ(value(1'700'000'000.0), "1700000000");  // not the shorter 1.7e+09
  EXPECT_EQ(value(-3.0), "-3");
  EXPECT_EQ(value(9007199254740992.0), "9007199254740992");  // 2^53: shortest form
  EXPECT_EQ(value(1e300), "1e+300");
}

TEST(TextFormat, FamilyBufferDropsNonFiniteAndWritesHeadersOnce) {
  FamilyBuffer f(names::kGroupLagSeconds);
  LabelSet l;
  l.add("a", "1");
  f.add(l, std::numeric_limits<double>::quiet_NaN());
  f.add(l, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(f.empty());
  std::string out;
  f.append_to(out);
  EXPECT_EQ(out, "");
  f.add(l, 1.5);
  f.add(LabelSet{}, int64_t{2});
  f.add(l, "status", "OK", 1);
  f.append_to(out);
  EXPECT_EQ(out, "# HELP kafka_consumergroup_group_lag_seconds " +
                     std::string(names::kGroupLagSeconds.help) +
                     "\n# TYPE kafka_consumergroup_group_lag_seconds gauge\n"
                     "kafka_consumergroup_group_lag_seconds{a=\"1\"} 1.5\n"
                     "kafka_consumergroup_group_lag_seconds 2\n"
                     "kafka_consumergroup_group_lag_seconds{a=\"1\",status=\"OK\"} 1\n");
}

TEST(MetricNames, ValidUniqueAndDocumented) {
  const std::regex name("[a-zA-Z_:][a-zA-Z0-9_:]*");
  std::set<std::string_view> seen;
  for (const auto& d : names::kAll) {
    EXPECT_TRUE(std::regex_match(std::string(d.name), name)) << d.name;
    EXPECT_TRUE(seen.insert(d.name).second) << "twice: " << d.name;
    EXPECT_FALSE(d.help.empty()) << d.name;
    EXPECT_EQ(d.help.find_first_of("\\\n"), std::string_view::npos) << d.name;
    EXPECT_EQ(d.type == names::kCounter, d.name.ends_with("_total")) << d.name;
  }
  const std::regex label("[a-zA-Z_][a-zA-Z0-9_]*");
  for (auto l : {names::kClusterName, names::kGroup, names::kTopic, names::kPartition,
                 names::kMemberHost, names::kConsumerId, names::kClientId, names::kStatus,
                 names::kState, names::kRoute, names::kMethod, names::kCode}) {
    EXPECT_TRUE(std::regex_match(std::string(l), label)) << l;
  }
}

}  // namespace
}  // namespace kprogress::metrics_text
