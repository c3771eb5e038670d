// HttpServer over real sockets on 127.0.0.1:0: failing, blocking and overloading handlers,
// shutdown and signals, listening errors, TLS.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "server_fixture.h"

namespace kprogress::http_test {
namespace {

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
  options.io_threads = 2;
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

// A server whose only worker is held by GET /block until release(), with no room for a job to
// queue behind it (max_in_flight 1); `router` adds the routes under test.
class HeldWorker {
 public:
  explicit HeldWorker(Router router) {
    router.add({"GET"}, "/block", [this](const HttpRequest&) {
      gate_.pass();
      return text("released");
    });
    ServerOptions options = test_options();
    options.worker_threads = 1;
    options.max_in_flight = 1;
    server_ = std::make_unique<RunningServer>(std::move(router), options);
    blocked_ = std::async(std::launch::async, [this] { return get(port(), "/block"); });
  }
  // Whether the worker got the /block request (within the deadline).
  bool holding() {
    return eventually([&] { return server_->server().in_flight() == 1; });
  }
  uint16_t port() const { return server_->port(); }
  HttpServer& server() { return server_->server(); }
  Result<ClientResponse> release() {
    gate_.open();
    return blocked_.get();
  }

 private:
  Gate gate_;
  std::unique_ptr<RunningServer> server_;
  std::future<Result<ClientResponse>> blocked_;
};

TEST(HttpServerTest, TooManyInFlightJobsIs503) {
  HeldWorker s{Router()};
  ASSERT_TRUE(s.holding());
  Result<ClientResponse> shed = get(s.port(), "/block");
  ASSERT_TRUE(shed.ok()) << shed.error().message;
  EXPECT_EQ(shed->status, 503);
  EXPECT_EQ(shed->body, "{\"status\":503,\"path\":\"/block\"}");
  Result<ClientResponse> served = s.release();
  ASSERT_TRUE(served.ok()) << served.error().message;
  EXPECT_EQ(served->status, 200);
  EXPECT_TRUE(eventually([&] { return s.server().in_flight() == 0; }));
}

TEST(HttpServerTest, InlineAnswersDoNotWaitForWorkers) {
  // The only worker is held and no job may queue: what still gets a 200 ran on an I/O thread.
  Router router;
  router.add(
      {"GET"}, "/maybe", [](const HttpRequest& r) { return text("answered " + r.query); },
      [](const HttpRequest& r) {
        if (r.query == "throw") throw std::runtime_error("predicate failed");
        return r.query == "memory";
      });
  HeldWorker s(std::move(router));
  ASSERT_TRUE(s.holding());
  Result<ClientResponse> inline_answer = get(s.port(), "/maybe?memory");
  ASSERT_TRUE(inline_answer.ok()) << inline_answer.error().message;
  EXPECT_EQ(inline_answer->status, 200);
  EXPECT_EQ(inline_answer->body, "answered memory");
  EXPECT_EQ(s.server().in_flight(), 1u);
  // A predicate that says no, or throws, sends the request to the (busy) workers.
  for (const char* target : {"/maybe?kafka", "/maybe?throw"}) {
    Result<ClientResponse> shed = get(s.port(), target);
    ASSERT_TRUE(shed.ok()) << shed.error().message;
    EXPECT_EQ(shed->status, 503) << target;
  }
  Result<ClientResponse> served = s.release();
  ASSERT_TRUE(served.ok()) << served.error().message;
  EXPECT_EQ(served->status, 200);
  EXPECT_TRUE(eventually([&] { return s.server().in_flight() == 0; }));
  Result<ClientResponse> after = get(s.port(), "/maybe?kafka");
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->body, "answered kafka");
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
    Result<CertFiles> cert = write_self_signed_cert(dir_, "server");
    ASSERT_TRUE(cert.ok()) << cert.error().message;
    cert_ = *cert;
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  CertFiles cert_;
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
  Result<ClientResponse> missing = fetch(tls_port, nope, cert_.cert_file);
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

  Result<CertFiles> other = write_self_signed_cert(dir_, "other");
  ASSERT_TRUE(other.ok()) << other.error().message;
  Result<void> mismatched =
      server.listen_tls("127.0.0.1", 0, TlsFiles{cert_.cert_file, other->key_file});
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(server.bound_tls_port(), 0);
}

}  // namespace
}  // namespace kprogress::http_test
