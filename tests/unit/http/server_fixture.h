// Test fixtures shared by the HttpServer tests: a server running on its own thread
// (RunningServer), the router and error renderer the tests serve, and waiting helpers. Waits are
// deadlines on a checked condition: no assertion depends on the machine being fast, only on it
// finishing within a generous deadline. RunningServer's observer log is internally locked.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/http_server.h"
#include "test_client.h"
#include "tls_cert.h"

namespace kprogress::http_test {

using namespace std::chrono_literals;

inline constexpr std::chrono::milliseconds kDeadline = 10s;

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
  void open();
  void pass();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

HttpResponse text(std::string body, int status = 200);

// The shape of a non-default renderer: JSON with the status and path.
HttpResponse json_error(const HttpRequest& request, int status, std::string_view message);

// Defaults with fewer workers and a shorter grace period.
ServerOptions test_options();

struct Observed {
  std::string route;
  std::string method;
  int status;
  bool operator==(const Observed&) const = default;
};

// An HttpServer listening on 127.0.0.1:0 (and on another port with TLS, given a certificate),
// running on its own thread; stopped and joined on destruction.
class RunningServer {
 public:
  explicit RunningServer(Router router, ServerOptions options = test_options(),
                         ErrorRenderer renderer = json_error, const CertFiles* tls = nullptr);
  ~RunningServer();

  HttpServer& server() { return *server_; }
  uint16_t port() const { return server_->bound_port(); }
  bool stopped_within(std::chrono::milliseconds timeout);
  // What the RequestObserver was told so far.
  std::vector<Observed> observed();
  // Waits (up to the deadline) until the observer was told `o`.
  bool observed_contains(const Observed& o);

 private:
  std::unique_ptr<HttpServer> server_;
  std::future<void> done_;
  std::mutex mu_;
  std::vector<Observed> observed_;
};

// Routes: GET/POST "/" -> "root"; POST/PUT "/echo" -> "method|path|query|body|x-custom-header|
// remote" plus the header names it saw in X-Header-Names; GET "/throw" throws;
// GET "/api/v1/groups/{group}" -> "group=<group>"; GET "/ui/*" -> "ui:<path>".
Router basic_router();

// GET `target` on a fresh plain connection.
Result<ClientResponse> get(uint16_t port, std::string target);

}  // namespace kprogress::http_test
