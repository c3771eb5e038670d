// The parts of kp_http that need no sockets: the route table, messages, options, middleware.
#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "http/http_message.h"
#include "http/middleware.h"
#include "http/server_options.h"

namespace kprogress {
namespace {

HttpHandler answer(std::string body) {
  return [body](const HttpRequest&) {
    HttpResponse r;
    r.body = body;
    return r;
  };
}

std::string call(const Router::Match& m) {
  if (m.handler == nullptr) return "<none>";
  return (*m.handler)(HttpRequest{}).body;
}

using Outcome = Router::Match::Outcome;

TEST(RouterTest, ExactRoutesMatchTheirPathAndMethodsOnly) {
  Router router;
  router.add({"GET", "POST"}, "/", answer("root")).add({"GET"}, "/metrics", answer("metrics"));

  Router::Match get_root = router.match("GET", "/");
  EXPECT_EQ(get_root.outcome, Outcome::kFound);
  EXPECT_EQ(get_root.route, "/");
  EXPECT_EQ(call(get_root), "root");
  EXPECT_EQ(call(router.match("POST", "/")), "root");
  EXPECT_EQ(call(router.match("GET", "/metrics")), "metrics");

  EXPECT_EQ(router.match("GET", "/metrics/").outcome, Outcome::kNotFound);
  EXPECT_EQ(router.match("GET", "/Metrics").outcome, Outcome::kNotFound);
  EXPECT_EQ(router.match("get", "/metrics").outcome, Outcome::kMethodNotAllowed);
}

TEST(RouterTest, WrongMethodIs405WithEveryAllowedMethod) {
  Router router;
  router.add({"GET", "POST"}, "/", answer("root"));
  Router::Match m = router.match("DELETE", "/");
  EXPECT_EQ(m.outcome, Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, POST");
  EXPECT_EQ(m.route, "/");
  EXPECT_EQ(m.handler, nullptr);
}

TEST(RouterTest, NotFoundIsRecordedUnderTheUnmatchedRoute) {
  Router router;
  router.add({"GET"}, "/metrics", answer("metrics"));
  Router::Match m = router.match("GET", "/secret/path/123");
  EXPECT_EQ(m.outcome, Outcome::kNotFound);
  EXPECT_EQ(m.route, kUnmatchedRoute);
}

TEST(RouterTest, PrefixRoutesMatchEverythingBelowAndTheLongestWins) {
  Router router;
  router.add({"GET"}, "/api/v1/*", answer("api"))
      .add({"GET"}, "/api/v1/admin/*", answer("admin"))
      .add({"GET"}, "/ui/*", answer("ui"));

  Router::Match m = router.match("GET", "/api/v1/groups/g1");
  EXPECT_EQ(call(m), "api");
  EXPECT_EQ(m.route, "/api/v1/*");
  EXPECT_EQ(call(router.match("GET", "/api/v1/")), "api");
  EXPECT_EQ(call(router.match("GET", "/api/v1/admin/x")), "admin");
  EXPECT_EQ(call(router.match("GET", "/ui/app.js")), "ui");
  EXPECT_EQ(router.match("GET", "/api/v1").outcome, Outcome::kNotFound);
  EXPECT_EQ(router.match("GET", "/api/v2/x").outcome, Outcome::kNotFound);
}

TEST(RouterTest, ExactBeatsTemplateBeatsPrefix) {
  Router router;
  router.add({"GET"}, "/api/v1/*", answer("prefix"))
      .add({"GET"}, "/api/v1/groups/{group}", answer("template"))
      .add({"GET"}, "/api/v1/groups/all", answer("exact"));
  EXPECT_EQ(call(router.match("GET", "/api/v1/groups/all")), "exact");
  EXPECT_EQ(call(router.match("GET", "/api/v1/groups/g1")), "template");
  EXPECT_EQ(call(router.match("GET", "/api/v1/groups/g1/topics")), "prefix");
}

TEST(RouterTest, MethodFallsThroughToALessSpecificRoute) {
  Router router;
  router.add({"GET"}, "/api/v1/groups", answer("exact")).add({"POST"}, "/api/v1/*", answer("p"));
  EXPECT_EQ(call(router.match("POST", "/api/v1/groups")), "p");
  Router::Match m = router.match("PUT", "/api/v1/groups");
  EXPECT_EQ(m.outcome, Outcome::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, POST");
  EXPECT_EQ(m.route, "/api/v1/groups");
}

TEST(RouterTest, TemplateParametersAreDecodedWholeSegments) {
  Router router;
  router.add({"GET"}, "/clusters/{cluster}/groups/{group}", answer("t"));
  Router::Match m = router.match("GET", "/clusters/prod/groups/orders%2Fv2%20x");
  ASSERT_EQ(m.outcome, Outcome::kFound);
  EXPECT_EQ(m.route, "/clusters/{cluster}/groups/{group}");
  ASSERT_EQ(m.path_params.size(), 2u);
  EXPECT_EQ(m.path_params[0], (std::pair<std::string, std::string>{"cluster", "prod"}));
  EXPECT_EQ(m.path_params[1], (std::pair<std::string, std::string>{"group", "orders/v2 x"}));

  EXPECT_EQ(router.match("GET", "/clusters//groups/g").outcome, Outcome::kNotFound);
  EXPECT_EQ(router.match("GET", "/clusters/p/groups/g/x").outcome, Outcome::kNotFound);
  EXPECT_EQ(router.match("GET", "/clusters/p/topics/g").outcome, Outcome::kNotFound);
}

TEST(RouterTest, RejectsBadRoutesAtStartUp) {
  Router router;
  router.add({"GET"}, "/a", answer("a"));
  EXPECT_THROW(router.add({"GET"}, "/a", answer("again")), std::invalid_argument);
  EXPECT_NO_THROW(router.add({"POST"}, "/a", answer("post")));
  EXPECT_THROW(router.add({"GET"}, "a", answer("x")), std::invalid_argument);
  EXPECT_THROW(router.add({}, "/b", answer("x")), std::invalid_argument);
  EXPECT_THROW(router.add({"GET"}, "/c", HttpHandler{}), std::invalid_argument);
  EXPECT_THROW(router.add({"GET"}, "/d/*/e", answer("x")), std::invalid_argument);
  EXPECT_THROW(router.add({"GET"}, "/e/x{id}", answer("x")), std::invalid_argument);
  EXPECT_EQ(router.routes(), (std::vector<std::string>{"/a", "/a"}));
}

TEST(HttpMessageTest, HeaderLookupIgnoresCase) {
  HttpRequest r;
  r.headers = {{"content-type", "text/plain"}, {"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(r.header("X-A"), "1");
  EXPECT_EQ(r.header("missing"), "");
}

TEST(HttpMessageTest, PercentDecodeKeepsMalformedEscapes) {
  EXPECT_EQ(percent_decode("a%20b%2fc"), "a b/c");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
}

TEST(HttpMessageTest, PlainErrorNamesStatusAndMessage) {
  HttpResponse r = render_plain_error(HttpRequest{}, 404, "no such path");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 Not Found: no such path\n");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(http_reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(http_reason_phrase(599), "");
}

TEST(ServerOptionsTest, DefaultsAreValidAndNonsenseIsNot) {
  EXPECT_TRUE(ServerOptions{}.validate().ok());
  ServerOptions o;
  o.worker_threads = 0;
  EXPECT_FALSE(o.validate().ok());
  o = {};
  o.read_timeout = std::chrono::milliseconds(0);
  Result<void> r = o.validate();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("read_timeout"), std::string::npos);
  o = {};
  o.max_in_flight = o.worker_threads - 1;
  EXPECT_FALSE(o.validate().ok());
}

TEST(MiddlewareTest, ThrowingHandlerBecomesA500FromTheRenderer) {
  HttpHandler boom = [](const HttpRequest&) -> HttpResponse {
    throw std::runtime_error("kafka exploded");
  };
  int rendered = 0;
  ErrorRenderer renderer = [&](const HttpRequest&, int status, std::string_view message) {
    ++rendered;
    HttpResponse r;
    r.status = status;
    r.body = "custom";
    EXPECT_EQ(message.find("kafka"), std::string_view::npos) << "internal detail leaked";
    return r;
  };
  HttpResponse r = invoke_recovering(boom, HttpRequest{}, "/x", renderer);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "custom");
  EXPECT_EQ(rendered, 1);

  HttpHandler throws_int = [](const HttpRequest&) -> HttpResponse { throw 42; };
  EXPECT_EQ(invoke_recovering(throws_int, HttpRequest{}, "/x", {}).status, 500);

  HttpHandler interim = [](const HttpRequest&) {
    HttpResponse r;
    r.status = 100;
    r.body = "not final";
    return r;
  };
  HttpResponse repaired = invoke_recovering(interim, HttpRequest{}, "/x", renderer);
  EXPECT_EQ(repaired.status, 500);
  EXPECT_EQ(repaired.body, "custom");
}

TEST(MiddlewareTest, ThrowingRendererFallsBackToPlainText) {
  ErrorRenderer bad = [](const HttpRequest&, int, std::string_view) -> HttpResponse {
    throw std::runtime_error("renderer bug");
  };
  HttpResponse r = render_error(bad, HttpRequest{}, 503, "busy");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "503 Service Unavailable: busy\n");
}

TEST(MiddlewareTest, ObserverSeesTheRouteTemplateAndItsExceptionsAreContained) {
  std::string seen;
  RequestObserver observer = [&](std::string_view route, std::string_view method, int status,
                                 std::chrono::nanoseconds) {
    seen = std::string(method) + " " + std::string(route) + " " + std::to_string(status);
    throw std::runtime_error("observer bug");
  };
  RequestRecord record;
  record.method = "GET";
  record.path = "/api/v1/groups/x";
  record.route = "/api/v1/*";
  record.status = 200;
  EXPECT_NO_THROW(notify_observer(observer, record));
  EXPECT_EQ(seen, "GET /api/v1/* 200");
  EXPECT_NO_THROW(notify_observer(RequestObserver{}, record));
}

}  // namespace
}  // namespace kprogress
