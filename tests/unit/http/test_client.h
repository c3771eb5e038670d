// Clients for testing HttpServer over real sockets: TestClient is a Beast HTTP/1.1 client (plain
// or TLS) on one keep-alive connection; RawConnection writes and reads bytes as given, for
// malformed, slow and pipelined input. Every call has a deadline, so a server that misbehaves
// fails a test instead of hanging it. Not thread-safe: one object per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace kprogress::http_test {

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool chunked = false;  // send the body with Transfer-Encoding: chunked
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent
  std::string body;
  bool keep_alive = false;
  std::string header(std::string_view name) const;  // any case; "" when absent
};

class TestClient {
 public:
  // Connects to 127.0.0.1:port. A non-empty `tls_ca_file` means HTTPS, verifying the server's
  // certificate against that PEM file.
  static Result<std::unique_ptr<TestClient>> connect(uint16_t port,
                                                     const std::string& tls_ca_file = "");
  ~TestClient();

  // Sends one request and reads its response on this connection, within `timeout`.
  Result<ClientResponse> send(const ClientRequest& request,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  struct Impl;
  explicit TestClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
Result<ClientResponse> fetch(uint16_t port, const ClientRequest& request,
                             const std::string& tls_ca_file = "");

class RawConnection {
 public:
  static Result<RawConnection> connect(uint16_t port);
  RawConnection(RawConnection&& other) noexcept;
  RawConnection& operator=(RawConnection&&) = delete;
  ~RawConnection();

  // False when the peer has closed or reset the connection.
  bool send(std::string_view bytes);
  // Reads until the peer closes the connection or `timeout` passes.
  struct Received {
    std::string data;
    bool closed = false;  // by the peer (EOF or reset), as opposed to the timeout
  };
  Received read_until_close(std::chrono::milliseconds timeout);
  // Reads until what was read (returned whole) contains `needle`, the peer closes, or `timeout`
  // passes.
  Received read_until(std::string_view needle, std::chrono::milliseconds timeout);

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace kprogress::http_test
