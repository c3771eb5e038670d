// HttpServer over real sockets on 127.0.0.1:0: routing, limits, timeouts, concurrency, shutdown
// and TLS. Waits are deadlines on a checked condition; no assertion depends on the machine being
// fast, only on it finishing within a generous deadline.
#include "http/http_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "test_client.h"
#include "tls_cert.h"

namespace kprogress {
namespace {

using namespace std::chrono_literals;
using http_test::ClientRequest;
using http_test::ClientResponse;
using http_test::RawConnection;
using http_test::TestClient;

constexpr auto kDeadline = 10s;

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = kDeadline) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

// Holds handlers until opened. Gives up after the deadline, so that a failing test cannot leave
// a handler blocked forever (the server's destructor waits for running handlers).
class Gate {
 public:
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void pass() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kDeadline, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

HttpResponse text(std::string body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

// The shape of a non-default renderer: JSON with the status and path.
HttpResponse json_error(const HttpRequest& request, int status, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = "{\"status\":" + std::to_string(status) + ",\"path\":\"" + request.path + "\"}";
  return r;
}

ServerOptions test_options() {
  ServerOptions o;
  o.worker_threads = 4;
  o.max_in_flight = 64;
  o.shutdown_grace = 5s;
  return o;
}

struct Observed {
  std::string route;
  std::string method;
  int status;
  bool operator==(const Observed&) const = default;
};

// An HttpServer running on its own thread, stopped and joined on destruction.
class RunningServer {
 public:
  explicit RunningServer(Router router, ServerOptions options = test_options(),
                         ErrorRenderer renderer = json_error,
                         const http_test::CertFiles* tls = nullptr) {
    server_ = std::make_unique<HttpServer>(options, std::move(router), std::move(renderer));
    server_->set_request_observer([this](std::string_view route, std::string_view method,
                                         int status, std::chrono::nanoseconds) {
      std::lock_guard lock(mu_);
      observed_.push_back({std::string(route), std::string(method), status});
    });
    Result<void> listening = server_->listen("127.0.0.1", 0);
    EXPECT_TRUE(listening.ok()) << listening.error().message;
    if (tls != nullptr) {
      Result<void> tls_listening =
          server_->listen_tls("127.0.0.1", 0, TlsFiles{tls->cert_file, tls->key_file});
      EXPECT_TRUE(tls_listening.ok()) << tls_listening.error().message;
    }
    done_ = std::async(std::launch::async, [this] { server_->run(); });
  }

  ~RunningServer() {
    server_->stop();
    EXPECT_TRUE(stopped_within(kDeadline)) << "run() did not return after stop()";
  }

  HttpServer& server() { return *server_; }
  uint16_t port() const { return server_->bound_port(); }
  bool stopped_within(std::chrono::milliseconds timeout) {
    return done_.wait_for(timeout) == std::future_status::ready;
  }
  std::vector<Observed> observed() {
    std::lock_guard lock(mu_);
    return observed_;
  }
  bool observed_contains(const Observed& o) {
    return eventually([&] {
      auto all = observed();
      return std::find(all.begin(), all.end(), o) != all.end();
    });
  }

 private:
  std::unique_ptr<HttpServer> server_;
  std::future<void> done_;
  std::mutex mu_;
  std::vector<Observed> observed_;
};

Router basic_router() {
  Router router;
  router.add({"GET", "POST"}, "/", [](const HttpRequest&) { return text("root"); });
  router.add({"POST", "PUT"}, "/echo", [](const HttpRequest& r) {
    std::string names;
    for (const auto& [name, value] : r.headers) names += name + ",";
    HttpResponse response = text(r.method + "|" + r.path + "|" + r.query + "|" + r.body + "|" +
                                 r.header("X-Custom-Header") + "|" + r.remote_address);
    response.headers.emplace_back("X-Header-Names", names);
    return response;
  });
  router.add({"GET"}, "/throw",
             [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("handler bug"); });
  router.add({"GET"}, "/api/v1/groups/{group}",
             [](const HttpRequest& r) { return text("group=" + r.path_param("group")); });
  router.add({"GET"}, "/ui/*", [](const HttpRequest& r) { return text("ui:" + r.path); });
  return router;
}

Result<ClientResponse> get(uint16_t port, std::string target) {
  ClientRequest request;
  request.target = std::move(target);
  return http_test::fetch(port, request);
}

// ---------------------------------------------------------------------------------------------
// Routing and message passing

TEST(HttpServerTest, PassesMethodPathQueryBodyAndLowerCasedHeaders) {
  RunningServer s(basic_router());
  ClientRequest request;
  request.method = "POST";
  request.target = "/echo?a=1&b=%20x";
  request.headers = {{"X-Custom-Header", "Value"}, {"Content-Type", "text/plain"}};
  request.body = "hello body";
  Result<ClientResponse> r = http_test::fetch(s.port(), request);
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
  Result<ClientResponse> wrong = http_test::fetch(s.port(), del);
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
  Result<ClientResponse> r = http_test::fetch(s.port(), big);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("Content-Type"), "application/json");
  EXPECT_FALSE(r->keep_alive);

  big.chunked = true;
  Result<ClientResponse> chunked = http_test::fetch(s.port(), big);
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
  Result<ClientResponse> ok = http_test::fetch(s.port(), fits);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
}

TEST(HttpServerTest, HeaderTooLargeIs431) {
  ServerOptions options = test_options();
  options.max_header_bytes = 1024;
  RunningServer s(basic_router(), options);
  ClientRequest request;
  request.headers = {{"X-Big", std::string(2048, 'a')}};
  Result<ClientResponse> r = http_test::fetch(s.port(), request);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 431);
  EXPECT_FALSE(r->keep_alive);

  request.headers = {{"X-Small", std::string(512, 'a')}};
  Result<ClientResponse> fits = http_test::fetch(s.port(), request);
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

// ---------------------------------------------------------------------------------------------
// Handlers: failures, blocking, load

TEST(HttpServerTest, HandlerExceptionIs500AndTheConnectionSurvives) {
  RunningServer s(basic_router());
  auto client = TestClient::connect(s.port());
  ASSERT_TRUE(client.ok()) << client.error().message;
  ClientRequest boom;
  boom.target = "/throw";
  Result<ClientResponse> r = (*client)->send(boom);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "{\"status\":500,\"path\":\"/throw\"}");
  EXPECT_EQ(r->body.find("handler bug"), std::string::npos);

  Result<ClientResponse> next = (*client)->send(ClientRequest{});
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->status, 200);
  EXPECT_TRUE(s.observed_contains({"/throw", "GET", 500}));
}

TEST(HttpServerTest, HandlerSlowerThanTheReadTimeoutStillAnswers) {
  Router router;
  router.add({"GET"}, "/slow", [](const HttpRequest&) {
    std::this_thread::sleep_for(400ms);
    return text("slow but fine");
  });
  ServerOptions options = test_options();
  options.read_timeout = 100ms;  // bounds reading the request, not the handler
  RunningServer s(std::move(router), options);
  Result<ClientResponse> r = get(s.port(), "/slow");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "slow but fine");
}

TEST(HttpServerTest, ManyConcurrentBlockingRequestsComplete) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  Router router;
  router.add({"GET"}, "/block", [&](const HttpRequest&) {
    int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(100ms);
    --running;
    return text("done");
  });
  ServerOptions options = test_options();
  options.worker_threads = 8;
  RunningServer s(std::move(router), options);

  constexpr int kClients = 40;
  std::vector<std::future<int>> results;
  for (int i = 0; i < kClients; ++i) {
    results.push_back(std::async(std::launch::async, [&] {
      Result<ClientResponse> r = get(s.port(), "/block");
      return r.ok() ? r->status : -1;
    }));
  }
  for (auto& f : results) EXPECT_EQ(f.get(), 200);
  EXPECT_LE(most.load(), 8);
  EXPECT_GE(most.load(), 2) << "handlers did not run concurrently";
}

TEST(HttpServerTest, BlockedHandlersDoNotBlockTheIoThreads) {
  Gate gate;
  Router router = basic_router();
  router.add({"GET"}, "/block", [&](const HttpRequest&) {
    gate.pass();
    return text("released");
  });
  ServerOptions options = test_options();
  options.worker_threads = 1;
  options.io_threads = 1;
  RunningServer s(std::move(router), options);

  auto blocked = std::async(std::launch::async, [&] { return get(s.port(), "/block"); });
  ASSERT_TRUE(eventually([&] { return s.server().in_flight() == 1; }));
  // Answered by the I/O thread alone: routing misses and 405s need no worker.
  Result<ClientResponse> missing = get(s.port(), "/nope");
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_EQ(missing->status, 404);
  gate.open();
  Result<ClientResponse> released = blocked.get();
  ASSERT_TRUE(released.ok()) << released.error().message;
  EXPECT_EQ(released->body, "released");
}

TEST(HttpServerTest, TooManyInFlightJobsIs503) {
  Gate gate;
  Router router;
  router.add({"GET"}, "/block", [&](const HttpRequest&) {
    gate.pass();
    return text("released");
  });
  ServerOptions options = test_options();
  options.worker_threads = 1;
  options.max_in_flight = 1;
  RunningServer s(std::move(router), options);

  auto first = std::async(std::launch::async, [&] { return get(s.port(), "/block"); });
  ASSERT_TRUE(eventually([&] { return s.server().in_flight() == 1; }));
  Result<ClientResponse> shed = get(s.port(), "/block");
  ASSERT_TRUE(shed.ok()) << shed.error().message;
  EXPECT_EQ(shed->status, 503);
  EXPECT_EQ(shed->body, "{\"status\":503,\"path\":\"/block\"}");
  gate.open();
  Result<ClientResponse> served = first.get();
  ASSERT_TRUE(served.ok()) << served.error().message;
  EXPECT_EQ(served->status, 200);
  EXPECT_TRUE(eventually([&] { return s.server().in_flight() == 0; }));
}

// ---------------------------------------------------------------------------------------------
// Shutdown

TEST(HttpServerTest, StopDrainsAnInFlightRequest) {
  Gate gate;
  Router router;
  router.add({"GET"}, "/block", [&](const HttpRequest&) {
    gate.pass();
    return text("finished");
  });
  RunningServer s(std::move(router));
  auto client = TestClient::connect(s.port());
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto pending = std::async(std::launch::async, [&] {
    ClientRequest request;
    request.target = "/block";
    return (*client)->send(request);
  });
  ASSERT_TRUE(eventually([&] { return s.server().in_flight() == 1; }));

  s.server().stop();
  EXPECT_FALSE(s.stopped_within(100ms)) << "run() returned with a request in flight";
  gate.open();
  Result<ClientResponse> r = pending.get();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finished");
  EXPECT_FALSE(r->keep_alive) << "a stopping server must not keep connections alive";
  EXPECT_TRUE(s.stopped_within(kDeadline));
  EXPECT_FALSE(TestClient::connect(s.port()).ok()) << "still accepting after stop()";
}

TEST(HttpServerTest, StopClosesIdleConnections) {
  RunningServer s(basic_router());  // idle_timeout is a minute: only stop() can close this
  auto conn = RawConnection::connect(s.port());
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  ASSERT_TRUE(conn->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(conn->read_until("root", kDeadline).data.find("root"), std::string::npos);
  s.server().stop();
  EXPECT_TRUE(s.stopped_within(kDeadline));
  EXPECT_TRUE(conn->read_until_close(kDeadline).closed);
}

TEST(HttpServerTest, StopCutsRequestsThatOutliveTheGracePeriod) {
  Gate gate;
  Router router;
  router.add({"GET"}, "/block", [&](const HttpRequest&) {
    gate.pass();
    return text("too late");
  });
  ServerOptions options = test_options();
  options.shutdown_grace = 200ms;
  RunningServer s(std::move(router), options);
  auto conn = RawConnection::connect(s.port());
  ASSERT_TRUE(conn.ok()) << conn.error().message;
  ASSERT_TRUE(conn->send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(eventually([&] { return s.server().in_flight() == 1; }));

  s.server().stop();
  EXPECT_TRUE(s.stopped_within(kDeadline)) << "run() waited for a handler past the grace";
  RawConnection::Received got = conn->read_until_close(kDeadline);
  EXPECT_TRUE(got.closed);
  EXPECT_EQ(got.data.find("too late"), std::string::npos);
  gate.open();  // let the worker finish, so the server can be destroyed
}

TEST(HttpServerTest, StopOnSignalsStopsOnSigterm) {
  auto server = std::make_unique<HttpServer>(test_options(), basic_router());
  ASSERT_TRUE(server->listen("127.0.0.1", 0).ok());
  std::atomic<int> signalled{0};
  server->stop_on_signals([&](int signal) { signalled = signal; });
  auto done = std::async(std::launch::async, [&] { server->run(); });
  ASSERT_TRUE(get(server->bound_port(), "/").ok());
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  EXPECT_EQ(done.wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(signalled.load(), SIGTERM);
}

TEST(HttpServerTest, StopBeforeRunMakesRunReturn) {
  HttpServer server(test_options(), basic_router());
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  server.stop();
  auto done = std::async(std::launch::async, [&] { server.run(); });
  EXPECT_EQ(done.wait_for(kDeadline), std::future_status::ready);
}

TEST(HttpServerTest, ListenFailsOnAPortInUse) {
  RunningServer s(basic_router());
  HttpServer other(test_options(), basic_router());
  Result<void> r = other.listen("127.0.0.1", s.port());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(std::to_string(s.port())), std::string::npos)
      << r.error().message;
  EXPECT_EQ(other.bound_port(), 0);
}

// ---------------------------------------------------------------------------------------------
// TLS

class HttpServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "kp_http_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Result<http_test::CertFiles> cert = http_test::write_self_signed_cert(dir_, "server");
    ASSERT_TRUE(cert.ok()) << cert.error().message;
    cert_ = *cert;
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  http_test::CertFiles cert_;
};

TEST_F(HttpServerTlsTest, ServesTheSameRouterOverHttps) {
  RunningServer s(basic_router(), test_options(), json_error, &cert_);
  uint16_t tls_port = s.server().bound_tls_port();
  ASSERT_NE(tls_port, 0);
  ASSERT_NE(tls_port, s.port());

  auto client = TestClient::connect(tls_port, cert_.cert_file);
  ASSERT_TRUE(client.ok()) << client.error().message;
  ClientRequest echo;
  echo.method = "POST";
  echo.target = "/echo?q=1";
  echo.body = "secret";
  for (int i = 0; i < 2; ++i) {  // keep-alive over TLS too
    Result<ClientResponse> r = (*client)->send(echo);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->body, "POST|/echo|q=1|secret||127.0.0.1");
  }
  ClientRequest nope;
  nope.target = "/nope";
  Result<ClientResponse> missing = http_test::fetch(tls_port, nope, cert_.cert_file);
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_EQ(missing->status, 404);

  Result<ClientResponse> plain = get(s.port(), "/");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->body, "root");

  // Plain HTTP sent to the TLS port is not answered as HTTP.
  auto raw = RawConnection::connect(tls_port);
  ASSERT_TRUE(raw.ok());
  raw->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(raw->read_until_close(kDeadline).data.find("root"), std::string::npos);
}

TEST_F(HttpServerTlsTest, RejectsMissingOrMismatchedFiles) {
  HttpServer server(test_options(), basic_router());
  Result<void> missing =
      server.listen_tls("127.0.0.1", 0, TlsFiles{dir_ + "/absent.crt", cert_.key_file});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("absent.crt"), std::string::npos);

  Result<http_test::CertFiles> other = http_test::write_self_signed_cert(dir_, "other");
  ASSERT_TRUE(other.ok()) << other.error().message;
  Result<void> mismatched =
      server.listen_tls("127.0.0.1", 0, TlsFiles{cert_.cert_file, other->key_file});
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(server.bound_tls_port(), 0);
}

}  // namespace
}  // namespace kprogress
