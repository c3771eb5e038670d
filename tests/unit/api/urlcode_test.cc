// Tests of src/api/urlcode.h: form decoding, RFC 3986 encoding, parse_form edge cases.
#include "api/urlcode.h"

#include <gtest/gtest.h>

namespace kprogress {
namespace {

std::string decode_ok(std::string_view s) {
  auto r = percent_decode_form(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? *r : std::string("<error>");
}

TEST(PercentDecodeForm, PlusIsSpaceAndEscapesOfEitherCase) {
  EXPECT_EQ(decode_ok("a+b"), "a b");
  EXPECT_EQ(decode_ok("%2B"), "+");
  EXPECT_EQ(decode_ok("%2a%2A"), "**");
  EXPECT_EQ(decode_ok("2016-02-23T12%3A46%3A24Z"), "2016-02-23T12:46:24Z");
  EXPECT_EQ(decode_ok("%E4%B8%AD"), "\xE4\xB8\xAD");  // 中
  EXPECT_EQ(decode_ok("%00"), std::string(1, '\0'));
  EXPECT_EQ(decode_ok(""), "");
  EXPECT_EQ(decode_ok("raw*()!~'"), "raw*()!~'");  // TS clients leave these raw
}

TEST(PercentDecodeForm, RejectsMalformedEscapes) {
  for (std::string_view bad : {"%", "%2", "a%", "%G1", "%1G", "%%", "abc%2", "%-1", "% 1"}) {
    auto r = percent_decode_form(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(PercentEncodeRfc3986, KeepsOnlyUnreserved) {
  EXPECT_EQ(percent_encode_rfc3986("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(percent_encode_rfc3986("a b"), "a%20b");
  EXPECT_EQ(percent_encode_rfc3986("*/!'()"), "%2A%2F%21%27%28%29");
  EXPECT_EQ(percent_encode_rfc3986("+=&%:"), "%2B%3D%26%25%3A");
  EXPECT_EQ(percent_encode_rfc3986("\xE4\xB8\xAD"), "%E4%B8%AD");
  EXPECT_EQ(percent_encode_rfc3986(std::string_view("\0\xff", 2)), "%00%FF");
  EXPECT_EQ(percent_encode_rfc3986(""), "");
}

TEST(PercentEncodeRfc3986, RoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  auto back = percent_decode_form(percent_encode_rfc3986(all));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, all);
}

ParamList parse_ok(std::string_view s) {
  auto r = parse_form(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? *r : ParamList{};
}

TEST(ParseForm, KeepsOrderDuplicatesAndEmptyValues) {
  ParamList expected = {{"b", "2"}, {"a", "1"}, {"b", "3"}, {"SignatureType", ""}};
  EXPECT_EQ(parse_ok("b=2&a=1&b=3&SignatureType="), expected);
}

TEST(ParseForm, EdgeCases) {
  EXPECT_EQ(parse_ok(""), ParamList{});
  EXPECT_EQ(parse_ok("&"), ParamList{});
  EXPECT_EQ(parse_ok("&&"), ParamList{});
  EXPECT_EQ(parse_ok("a&&b="), (ParamList{{"a", ""}, {"b", ""}}));
  EXPECT_EQ(parse_ok("&a=1&"), (ParamList{{"a", "1"}}));
  EXPECT_EQ(parse_ok("a"), (ParamList{{"a", ""}}));
  EXPECT_EQ(parse_ok("a=b=c"), (ParamList{{"a", "b=c"}}));
  EXPECT_EQ(parse_ok("=v"), (ParamList{{"", "v"}}));
  EXPECT_EQ(parse_ok("="), (ParamList{{"", ""}}));
}

TEST(ParseForm, DecodesNamesAndValues) {
  EXPECT_EQ(parse_ok("Consumer+Id=my+group%2B1"), (ParamList{{"Consumer Id", "my group+1"}}));
  EXPECT_EQ(parse_ok("%E5%90%8D=%E5%80%BC"), (ParamList{{"\xE5\x90\x8D", "\xE5\x80\xBC"}}));
  EXPECT_EQ(parse_ok("a=%26%3D"), (ParamList{{"a", "&="}}));
}

TEST(ParseForm, MalformedEscapeFailsWholeString) {
  auto r = parse_form("a=1&b=%zz&c=3");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("\"b\""), std::string::npos) << r.error().message;
  EXPECT_FALSE(parse_form("%4=1").ok());
}

TEST(ParseForm, StopsAtMaxParams) {
  ASSERT_TRUE(parse_form("a=1&b=2&&c=3", 3).ok());  // empty pairs do not count
  auto r = parse_form("a=1&b=2&c=3&d=%zz", 3);      // fails on the count, not the escape
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "more than 3 parameters");
}

TEST(CanonicalQueryRfc3986, SortsByBytesStablyAndEncodes) {
  ParamList params = {{"b", "x y"}, {"a", "2"}, {"B", "*"}, {"a", "1"}, {"\xC3\xA9", ""}};
  // 'B' (0x42) < 'a' (0x61) < 'b' < 0xC3: byte order, not locale; equal names keep their order.
  EXPECT_EQ(canonical_query_rfc3986(params), "B=%2A&a=2&a=1&b=x%20y&%C3%A9=");
  EXPECT_EQ(canonical_query_rfc3986({}), "");
}

}  // namespace
}  // namespace kprogress
