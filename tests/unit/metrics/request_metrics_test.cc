// RequestMetrics: counts by route, method and code; the duration histogram; bounded methods;
// concurrent observers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

#include "metrics/exposition.h"
#include "metrics/metric_names.h"

namespace kprogress {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> lines(const RequestMetrics& m) {
  std::string text;
  m.append_to(text);
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(RequestMetrics, NothingBeforeTheFirstRequest) {
  RequestMetrics m;
  EXPECT_TRUE(lines(m).empty());
  m.observe("/healthz", "GET", 200, microseconds(5));
  const auto got = lines(m);
  EXPECT_THAT(got, Contains("# HELP kprogress_http_requests_total " +
                            std::string(metric_names::kHttpRequests.help)));
  EXPECT_THAT(got, Contains("# TYPE kprogress_http_requests_total counter"));
  EXPECT_THAT(got, Contains("# TYPE kprogress_http_request_duration_seconds histogram"));
}

TEST(RequestMetrics, CountsByRouteMethodAndCode) {
  RequestMetrics m;
  m.observe("/metrics", "GET", 200, milliseconds(2));
  m.observe("/metrics", "GET", 200, milliseconds(20));
  m.observe("/", "POST", 403, microseconds(300));
  m.observe("unmatched", "GET", 404, microseconds(100));
  const auto got = lines(m);
  EXPECT_THAT(
      got,
      Contains(R"(kprogress_http_requests_total{code="200",method="GET",route="/metrics"} 2)"));
  EXPECT_THAT(got,
              Contains(R"(kprogress_http_requests_total{code="403",method="POST",route="/"} 1)"));
  EXPECT_THAT(
      got,
      Contains(R"(kprogress_http_requests_total{code="404",method="GET",route="unmatched"} 1)"));
}

TEST(RequestMetrics, DurationHistogramBySecondsAndCumulativeBuckets) {
  RequestMetrics m;
  m.observe("/metrics", "GET", 200, milliseconds(2));      // le 0.0025
  m.observe("/metrics", "GET", 500, milliseconds(20));     // le 0.025; same series: no code label
  m.observe("/metrics", "GET", 200, milliseconds(30000));  // over every bound
  const auto got = lines(m);
  const std::string l = R"(method="GET",route="/metrics")";
  EXPECT_THAT(got, Contains("kprogress_http_request_duration_seconds_count{" + l + "} 3"));
  EXPECT_THAT(got, Contains("kprogress_http_request_duration_seconds_sum{" + l + "} 30.022"));
  EXPECT_THAT(
      got, Contains("kprogress_http_request_duration_seconds_bucket{" + l + R"(,le="0.001"} 0)"));
  EXPECT_THAT(
      got, Contains("kprogress_http_request_duration_seconds_bucket{" + l + R"(,le="0.0025"} 1)"));
  EXPECT_THAT(
      got, Contains("kprogress_http_request_duration_seconds_bucket{" + l + R"(,le="0.025"} 2)"));
  EXPECT_THAT(got,
              Contains("kprogress_http_request_duration_seconds_bucket{" + l + R"(,le="10"} 2)"));
  EXPECT_THAT(got,
              Contains("kprogress_http_request_duration_seconds_bucket{" + l + R"(,le="+Inf"} 3)"));
}

// A client cannot make up label values through the method.
TEST(RequestMetrics, UnknownMethodsAreOther) {
  RequestMetrics m;
  m.observe("unmatched", "BREW", 405, microseconds(10));
  m.observe("unmatched", "", 400, microseconds(10));
  std::string text;
  m.append_to(text);
  EXPECT_THAT(
      text,
      HasSubstr(R"(kprogress_http_requests_total{code="405",method="OTHER",route="unmatched"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(kprogress_http_requests_total{code="400",method="OTHER",route="unmatched"} 1)"));
  EXPECT_THAT(text, Not(HasSubstr("BREW")));
}

TEST(RequestMetrics, ConcurrentObserversLoseNothing) {
  RequestMetrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 2000; ++i) {
        m.observe(t % 2 ? "/a" : "/b", "GET", 200 + (i % 2), microseconds(i));
      }
    });
  }
  std::string text;
  for (int i = 0; i < 20; ++i) m.append_to(text);  // rendering while observing
  for (auto& th : threads) th.join();
  const auto got = lines(m);
  EXPECT_THAT(
      got, Contains(R"(kprogress_http_requests_total{code="200",method="GET",route="/a"} 2000)"));
  EXPECT_THAT(
      got, Contains(R"(kprogress_http_requests_total{code="201",method="GET",route="/b"} 2000)"));
  EXPECT_THAT(
      got,
      Contains(R"(kprogress_http_request_duration_seconds_count{method="GET",route="/a"} 4000)"));
}

}  // namespace
}  // namespace kprogress
