#include "test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace kprogress::http_test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

struct TestClient::Impl {
  asio::io_context ioc;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Runs one asynchronous operation to completion; the stream's timeout bounds it.
  template <typename Start>
  beast::error_code run(std::chrono::milliseconds timeout, Start start) {
    beast::error_code result = asio::error::would_block;
    lowest().expires_after(timeout);
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }
};

TestClient::TestClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TestClient::~TestClient() = default;

Result<std::unique_ptr<TestClient>> TestClient::connect(uint16_t port,
                                                        const std::string& tls_ca_file) {
  auto impl = std::make_unique<Impl>();
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  if (tls_ca_file.empty()) {
    impl->plain = std::make_unique<beast::tcp_stream>(impl->ioc);
  } else {
    beast::error_code ec;
    impl->ssl.set_verify_mode(asio::ssl::verify_peer);
    impl->ssl.load_verify_file(tls_ca_file, ec);
    if (ec) return Error::invalid_argument("load_verify_file: " + ec.message());
    impl->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(impl->ioc, impl->ssl);
  }
  beast::error_code ec = impl->run(std::chrono::seconds(5), [&](auto handler) {
    impl->lowest().async_connect(endpoint, std::move(handler));
  });
  if (ec) return Error::unavailable("connect: " + ec.message());
  if (impl->tls) {
    ec = impl->run(std::chrono::seconds(5), [&](auto handler) {
      impl->tls->async_handshake(asio::ssl::stream_base::client, std::move(handler));
    });
    if (ec) return Error::unavailable("TLS handshake: " + ec.message());
  }
  return std::unique_ptr<TestClient>(new TestClient(std::move(impl)));
}

Result<ClientResponse> TestClient::send(const ClientRequest& request,
                                        std::chrono::milliseconds timeout) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : request.headers) req.insert(name, value);
  req.body() = request.body;
  if (request.chunked) {
    req.chunked(true);
  } else {
    req.prepare_payload();
  }

  auto write = [&](auto& stream) {
    return impl_->run(timeout,
                      [&](auto handler) { bhttp::async_write(stream, req, std::move(handler)); });
  };
  beast::error_code ec = impl_->tls ? write(*impl_->tls) : write(*impl_->plain);
  if (ec) return Error::unavailable("write: " + ec.message());

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  auto read = [&](auto& stream) {
    return impl_->run(timeout, [&](auto handler) {
      bhttp::async_read(stream, impl_->buffer, parser, std::move(handler));
    });
  };
  ec = impl_->tls ? read(*impl_->tls) : read(*impl_->plain);
  if (ec) return Error::unavailable("read: " + ec.message());

  const auto& res = parser.get();
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = res.body();
  out.keep_alive = res.keep_alive();
  return out;
}

Result<ClientResponse> fetch(uint16_t port, const ClientRequest& request,
                             const std::string& tls_ca_file) {
  auto client = TestClient::connect(port, tls_ca_file);
  if (!client) return client.error();
  return (*client)->send(request);
}

Result<RawConnection> RawConnection::connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::unavailable(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string message = std::strerror(errno);
    ::close(fd);
    return Error::unavailable("connect: " + message);
  }
  return RawConnection(fd);
}

RawConnection::RawConnection(RawConnection&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

RawConnection::Received RawConnection::read_until(std::string_view needle,
                                                  std::chrono::milliseconds timeout) {
  Received received;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (needle.empty() || received.data.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char chunk[16 * 1024];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      received.closed = true;
      break;
    }
    received.data.append(chunk, static_cast<size_t>(n));
  }
  return received;
}

RawConnection::Received RawConnection::read_until_close(std::chrono::milliseconds timeout) {
  return read_until("", timeout);
}

}  // namespace kprogress::http_test
