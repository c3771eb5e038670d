// HttpServer over real sockets on 127.0.0.1:0: routing and message passing, keep-alive and
// pipelining, limits and malformed input.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "server_fixture.h"

namespace kprogress::http_test {
namespace {

// ---------------------------------------------------------------------------------------------
// Routing and message passing

TEST(HttpServerTest, PassesMethodPathQueryBodyAndLowerCasedHeaders) {
  RunningServer s(basic_router());
  ClientRequest request;
  request.method = "POST";
  request.target = "/echo?a=1&b=%20x";
  request.headers = {{"X-Custom-Header", "Value"}, {"Content-Type", "text/plain"}};
  request.body = "hello body";
  Result<ClientResponse> r = fetch(s.port(), request);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST|/echo|a=1&b=%20x|hello body|Value|127.0.0.1");
  EXPECT_EQ(r->header("Content-Type"), "text/plain");
  std::string names = r->header("X-Header-Names");
  EXPECT_NE(names.find("x-custom-header,"), std::string::npos) << names;
  EXPECT_NE(names.find("content-type,"), std::string::npos) << names;
  EXPECT_EQ(names.find("X-Custom"), std::string::npos) << names;
}

TEST(HttpServerTest, UnknownPathIs404AndWrongMethodIs405ThroughTheRenderer) {
  RunningServer s(basic_router());
  Result<ClientResponse> missing = get(s.port(), "/nope?x=1");
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->header("Content-Type"), "application/json");
  EXPECT_EQ(missing->body, "{\"status\":404,\"path\":\"/nope\"}");

  ClientRequest del;
  del.method = "DELETE";
  del.target = "/";
  Result<ClientResponse> wrong = fetch(s.port(), del);
  ASSERT_TRUE(wrong.ok()) << wrong.error().message;
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->header("Allow"), "GET, POST");
  EXPECT_EQ(wrong->body, "{\"status\":405,\"path\":\"/\"}");
}

TEST(HttpServerTest, DefaultRendererIsPlainText) {
  RunningServer s(basic_router(), test_options(), ErrorRenderer{});
  Result<ClientResponse> missing = get(s.port(), "/nope");
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body.rfind("404 Not Found", 0), 0u) << missing->body;
}

TEST(HttpServerTest, ObserverRecordsRouteTemplatesNotRawPaths) {
  RunningServer s(basic_router());
  Result<ClientResponse> group = get(s.port(), "/api/v1/groups/orders%20v2");
  ASSERT_TRUE(group.ok()) << group.error().message;
  EXPECT_EQ(group->body, "group=orders v2");
  Result<ClientResponse> ui = get(s.port(), "/ui/app.js");
  ASSERT_TRUE(ui.ok()) << ui.error().message;
  EXPECT_EQ(ui->body, "ui:/ui/app.js");
  ASSERT_TRUE(get(s.port(), "/random/123").ok());

  EXPECT_TRUE(s.observed_contains({"/api/v1/groups/{group}", "GET", 200}));
  EXPECT_TRUE(s.observed_contains({"/ui/*", "GET", 200}));
  EXPECT_TRUE(s.observed_contains({std::string(kUnmatchedRoute), "GET", 404}));
  for (const Observed& o : s.observed()) {
    EXPECT_EQ(o.route.find("orders"), std::string::npos) << o.route;
  }
}

TEST(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  RunningServer s(basic_router());
  auto client = TestClient::connect(s.port());
  ASSERT_TRUE(client.ok()) << client.error().message;
  for (int i = 0; i < 2; ++i) {
    Result<ClientResponse> r = (*client)->send(ClientRequest{});
    ASSERT_TRUE(r.ok()) << "request " << i << ": " << r.error().message;
    EXPECT_EQ(r->body, "root");
    EXPECT_TRUE(r->keep_alive);
  }
  EXPECT_EQ(s.server().active_connections(), 1u);
}

TEST(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Router router;
  router.add({"GET"}, "/slow", [](const HttpRequest&) {
    std::this_thread::sleep_for(50ms);
    return text("first");
  });
  router.add({"GET"}, "/fast", [](const HttpRequest&) { return text("second"); });
  RunningServer s(std::move(router));
  auto conn = RawConnection::connect(s.port());
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  ASSERT_TRUE(
      conn->send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                 "GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  RawConnection::Received got = conn->read_until_close(kDeadline);
  EXPECT_TRUE(got.closed);
  size_t first = got.data.find("first");
  size_t second = got.data.find("second");
  ASSERT_NE(first, std::string::npos) << got.data;
  ASSERT_NE(second, std::string::npos) << got.data;
  EXPECT_LT(first, second);
}

TEST(HttpServerTest, InvalidHandlerStatusesAreRepaired) {
  Router router;
  router.add({"GET"}, "/no-content", [](const HttpRequest&) { return text("dropped", 204); });
  router.add({"GET"}, "/interim", [](const HttpRequest&) { return text("bad", 101); });
  router.add({"GET"}, "/bogus", [](const HttpRequest&) { return text("bad", 7); });
  RunningServer s(std::move(router));
  auto client = TestClient::connect(s.port());
  ASSERT_TRUE(client.ok()) << client.error().message;
  ClientRequest request;
  request.target = "/no-content";
  Result<ClientResponse> empty = (*client)->send(request);
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(empty->status, 204);
  EXPECT_EQ(empty->body, "");
  for (std::string target : {"/interim", "/bogus"}) {
    request.target = target;
    Result<ClientResponse> r = (*client)->send(request);
    ASSERT_TRUE(r.ok()) << target << ": " << r.error().message;
    EXPECT_EQ(r->status, 500) << target;
    EXPECT_EQ(r->body, "{\"status\":500,\"path\":\"" + target + "\"}");
  }
}

TEST(HttpServerTest, ExpectContinueGetsA100BeforeTheBody) {
  RunningServer s(basic_router());
  auto conn = RawConnection::connect(s.port());
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  ASSERT_TRUE(conn->send(
      "PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  RawConnection::Received cont = conn->read_until("\r\n\r\n", kDeadline);
  EXPECT_EQ(cont.data.rfind("HTTP/1.1 100 Continue", 0), 0u) << cont.data;
  ASSERT_TRUE(conn->send("hello"));
  RawConnection::Received rest = conn->read_until("127.0.0.1", kDeadline);
  EXPECT_NE(rest.data.find("PUT|/echo||hello|"), std::string::npos) << rest.data;
}

// ---------------------------------------------------------------------------------------------
// Limits and malformed input

TEST(HttpServerTest, BodyTooLargeIs413) {
  ServerOptions options = test_options();
  options.max_body_bytes = 1024;
  RunningServer s(basic_router(), options);

  ClientRequest big;
  big.method = "POST";
  big.target = "/echo";
  big.body = std::string(4096, 'x');
  Result<ClientResponse> r = fetch(s.port(), big);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(s.observed_contains({"/echo", "POST", 413}));
  EXPECT_EQ(r->header("Content-Type"), "application/json");
  EXPECT_FALSE(r->keep_alive);

  big.chunked = true;
  Result<ClientResponse> chunked = fetch(s.port(), big);
  ASSERT_TRUE(chunked.ok()) << chunked.error().message;
  EXPECT_EQ(chunked->status, 413);

  // Refused on the announcement alone, before any of the body arrives.
  auto conn = RawConnection::connect(s.port());
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  ASSERT_TRUE(conn->send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"));
  RawConnection::Received got = conn->read_until("\r\n", kDeadline);
  EXPECT_EQ(got.data.rfind("HTTP/1.1 413", 0), 0u) << got.data;

  ClientRequest fits = big;
  fits.chunked = false;
  fits.body = std::string(1024, 'y');
  Result<ClientResponse> ok = fetch(s.port(), fits);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
}

TEST(HttpServerTest, HeaderTooLargeIs431) {
  ServerOptions options = test_options();
  options.max_header_bytes = 1024;
  RunningServer s(basic_router(), options);
  ClientRequest request;
  request.headers = {{"X-Big", std::string(2048, 'a')}};
  Result<ClientResponse> r = fetch(s.port(), request);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 431);
  EXPECT_FALSE(r->keep_alive);

  request.headers = {{"X-Small", std::string(512, 'a')}};
  Result<ClientResponse> fits = fetch(s.port(), request);
  ASSERT_TRUE(fits.ok()) << fits.error().message;
  EXPECT_EQ(fits->status, 200);
}

TEST(HttpServerTest, MalformedRequestsAre400AndCloseTheConnection) {
  RunningServer s(basic_router());
  for (std::string garbage : {std::string("\x16\x03\x01\x02\x00 hello\r\n\r\n"),
                              std::string("GET / HTTP/1.1\r\nNo colon here\r\n\r\n"),
                              std::string("GET / HTTP/9.9\r\nHost: x\r\n\r\n"),
                              std::string("GET relative HTTP/1.1\r\nHost: x\r\n\r\n")}) {
    auto conn = RawConnection::connect(s.port());
    ASSERT_TRUE(conn.ok()) << conn.error().message;
    ASSERT_TRUE(conn->send(garbage));
    RawConnection::Received got = conn->read_until_close(kDeadline);
    EXPECT_TRUE(got.closed) << garbage;
    EXPECT_EQ(got.data.rfind("HTTP/1.1 400", 0), 0u) << garbage << " -> " << got.data;
  }
  Result<ClientResponse> still_fine = get(s.port(), "/");
  ASSERT_TRUE(still_fine.ok()) << still_fine.error().message;
  EXPECT_EQ(still_fine->status, 200);
}

TEST(HttpServerTest, SlowClientIsCutOff) {
  ServerOptions options = test_options();
  options.read_timeout = 200ms;
  RunningServer s(basic_router(), options);

  // Half a request, then silence.
  auto conn = RawConnection::connect(s.port());
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  ASSERT_TRUE(conn->send("GET / HTTP/1.1\r\nHost: x\r\n"));
  RawConnection::Received got = conn->read_until_close(kDeadline);
  EXPECT_TRUE(got.closed);
  EXPECT_EQ(got.data.find("HTTP/1.1 200"), std::string::npos);

  // A byte every 20 ms: each arrives in time, the whole request does not.
  auto trickle = RawConnection::connect(s.port());
  ASSERT_TRUE(trickle.ok()) << trickle.error().message;
  bool cut = false;
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!cut && std::chrono::steady_clock::now() < deadline) {
    if (!trickle->send("X")) {
      cut = true;
      break;
    }
    cut = trickle->read_until_close(20ms).closed;
  }
  EXPECT_TRUE(cut) << "a trickling client was never disconnected";
  EXPECT_TRUE(eventually([&] { return s.server().active_connections() == 0; }));
}

TEST(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options = test_options();
  options.idle_timeout = 200ms;
  RunningServer s(basic_router(), options);
  auto conn = RawConnection::connect(s.port());
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  ASSERT_TRUE(conn->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  RawConnection::Received got = conn->read_until_close(kDeadline);
  EXPECT_TRUE(got.closed);
  EXPECT_EQ(got.data.rfind("HTTP/1.1 200", 0), 0u) << got.data;
}

TEST(HttpServerTest, ExcessConnectionsAreRefused) {
  ServerOptions options = test_options();
  options.max_connections = 2;
  RunningServer s(basic_router(), options);
  auto a = RawConnection::connect(s.port());
  auto b = RawConnection::connect(s.port());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(eventually([&] { return s.server().active_connections() == 2; }));

  auto excess = RawConnection::connect(s.port());
  ASSERT_TRUE(excess.ok()) << excess.error().message;  // the kernel accepts; the server closes
  excess->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  RawConnection::Received got = excess->read_until_close(kDeadline);
  EXPECT_TRUE(got.closed);
  EXPECT_EQ(got.data, "");

  ASSERT_TRUE(a->send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_NE(a->read_until_close(kDeadline).data.find("root"), std::string::npos);
}

}  // namespace
}  // namespace kprogress::http_test
