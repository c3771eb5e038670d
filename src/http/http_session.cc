// The connection loop: read a request (within the limits), route it, run its handler on the
// worker pool, write the response, log it; repeat while the connection is kept alive.
#include "http/http_session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <exception>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

namespace kprogress::http_internal {

void SessionRegistry::add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mu_);
  sessions_.emplace(session.get(), session);
  count_.store(sessions_.size());
}

void SessionRegistry::remove(Session* session) {
  std::lock_guard lock(mu_);
  sessions_.erase(session);
  count_.store(sessions_.size());
}

void SessionRegistry::shut_down_all(bool force) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->shut_down(force);
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
// After the last response: how long to wait for the client to close, and how much of what it
// still sends (an unread body) to discard, so that closing does not reset the connection before
// the client has read that response.
constexpr std::chrono::seconds kLinger{1};
constexpr size_t kMaxLingerBytes = 4 * 1024 * 1024;
constexpr size_t kReadChunk = 4096;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string remote_ip(const tcp::socket& socket) {
  beast::error_code ec;
  tcp::endpoint ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  asio::ip::address a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  }
  return a.to_string();
}

// Fills method, path, query and headers of `out` from what the parser has seen; false when the
// target is not a path (origin form) or an absolute URL.
bool copy_header(const bhttp::request<bhttp::string_body>& in, HttpRequest& out) {
  out.method = std::string(in.method_string());
  out.headers.clear();
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  std::string_view target = in.target();
  if (size_t scheme = target.find("://"); !target.starts_with('/') && scheme != target.npos) {
    // absolute-form ("http://host/path?q"), as clients send to proxies: keep path and query.
    size_t slash = target.find('/', scheme + 3);
    target = slash == target.npos ? std::string_view("/") : target.substr(slash);
  }
  target = target.substr(0, target.find('#'));
  if (target.empty() || target.front() != '/') return false;
  size_t question = target.find('?');
  out.path = std::string(target.substr(0, question));
  out.query = question == std::string_view::npos ? "" : std::string(target.substr(question + 1));
  return true;
}

// The response the server sends when reading a request failed, or 0 when it just closes (the
// client went away or was too slow: nobody is there to read an answer).
struct ReadFailure {
  int status = 0;
  std::string message;
};

ReadFailure classify_read_error(const beast::error_code& ec, const ServerOptions& options) {
  if (ec == bhttp::error::header_limit) {
    return {431,
            "the request header exceeds " + std::to_string(options.max_header_bytes) + " bytes"};
  }
  if (ec == bhttp::error::body_limit) {
    return {413, "the request body exceeds " + std::to_string(options.max_body_bytes) + " bytes"};
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return {};
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return {400, "the request is not valid HTTP/1.1 (" + ec.message() + ")"};
  }
  return {};
}

bool header_is_safe(std::string_view name, std::string_view value) {
  if (name.empty() || name.find_first_of(":\r\n") != std::string_view::npos) return false;
  return value.find_first_of("\r\n") == std::string_view::npos;
}

// Framing headers belong to the server, not to handlers.
bool header_is_reserved(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection");
}

bhttp::response<bhttp::string_body> to_beast(HttpResponse&& in, unsigned version, bool keep_alive,
                                             bool head) {
  bhttp::response<bhttp::string_body> out;
  out.version(version);
  if (in.status < 200 || in.status > 999) {  // 1xx are interim: never a final answer
    spdlog::error("http: handler returned invalid status {}; sending 500", in.status);
    in.status = 500;
  }
  out.result(static_cast<unsigned>(in.status));
  if (!in.content_type.empty() && header_is_safe("content-type", in.content_type)) {
    out.set(bhttp::field::content_type, in.content_type);
  }
  for (const auto& [name, value] : in.headers) {
    if (header_is_reserved(name)) continue;
    if (!header_is_safe(name, value)) {
      spdlog::error("http: dropped response header with a forbidden character: {}", name);
      continue;
    }
    out.insert(name, value);
  }
  out.body() = std::move(in.body);
  if (in.status == 204 || in.status == 304) out.body().clear();  // must not have one
  out.keep_alive(keep_alive);
  out.prepare_payload();
  if (head) out.body().clear();  // Content-Length stays that of the GET response
  return out;
}

template <typename Stream>
class SessionImpl final : public Session, public std::enable_shared_from_this<SessionImpl<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <typename... Args>
  SessionImpl(ServerCore& core, std::string remote, tcp::socket socket, Args&&... args)
      : core_(core), remote_(std::move(remote)), stream_(std::move(socket), args...) {}

  ~SessionImpl() override { core_.registry.remove(this); }

  void shut_down(bool force) override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this(), force] {
      if (force || self->idle_) self->lowest().close();
    });
  }

  asio::awaitable<void> serve() {
    if constexpr (kTls) {
      lowest().expires_after(core_.options.read_timeout);
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kAsTuple);
      if (ec) {
        spdlog::debug("http: TLS handshake with {} failed: {}", remote_, ec.message());
        co_return;
      }
    }
    bool first = true;
    while (co_await wait_for_request(first)) {
      first = false;
      if (!co_await serve_one()) break;
    }
    co_await close_gracefully();
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // Waits for the first byte of the next request, unless one is already buffered (pipelining).
  // False when the connection should close: the client left, was idle too long, or we stop.
  asio::awaitable<bool> wait_for_request(bool first) {
    if (buffer_.size() > 0) co_return true;
    idle_ = true;
    if (core_.stopping.load()) co_return false;
    lowest().expires_after(first ? core_.options.read_timeout : core_.options.idle_timeout);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kAsTuple);
    idle_ = false;
    if (ec) co_return false;
    buffer_.commit(n);
    co_return true;
  }

  // Reads, handles and answers one request. Returns whether to keep the connection open.
  asio::awaitable<bool> serve_one() {
    const Clock::time_point start = Clock::now();
    lowest().expires_after(core_.options.read_timeout);

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(core_.options.max_header_bytes, std::numeric_limits<uint32_t>::max())));
    parser.body_limit(core_.options.max_body_bytes);

    HttpRequest request;
    request.remote_address = remote_;
    auto [ec, unused] = co_await bhttp::async_read_header(stream_, buffer_, parser, kAsTuple);
    bool target_ok = copy_header(parser.get(), request);
    if (!ec && !target_ok) {
      co_await fail(request, start, 400, "the request target is not a path");
      co_return false;
    }
    if (!ec && !parser.is_done()) {
      if (parser.get().version() >= 11 &&
          iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
        auto [write_ec, written] = co_await bhttp::async_write(stream_, go_on, kAsTuple);
        if (write_ec) co_return false;
      }
      auto [body_ec, body_bytes] = co_await bhttp::async_read(stream_, buffer_, parser, kAsTuple);
      ec = body_ec;
    }
    if (ec) {
      ReadFailure failure = classify_read_error(ec, core_.options);
      if (failure.status == 0) {
        spdlog::debug("http: closing connection from {}: {}", remote_, ec.message());
      } else {
        co_await fail(request, start, failure.status, failure.message);
      }
      co_return false;
    }
    request.body = std::move(parser.get().body());

    Router::Match match = core_.router.match(request.method, request.path);
    HttpResponse response;
    switch (match.outcome) {
      case Router::Match::Outcome::kNotFound:
        response = render_error(core_.renderer, request, 404, "the requested path does not exist");
        break;
      case Router::Match::Outcome::kMethodNotAllowed:
        response = render_error(
            core_.renderer, request, 405,
            "method " + request.method + " is not allowed here; allowed: " + match.allow);
        response.headers.emplace_back("Allow", match.allow);
        break;
      case Router::Match::Outcome::kFound:
        request.path_params = std::move(match.path_params);
        if (answers_inline(match.runs_inline, request)) {
          response = invoke_recovering(*match.handler, request, match.route, core_.renderer);
        } else {
          response = co_await run_handler(*match.handler, request, match.route);
        }
        break;
    }
    const bool keep_alive = parser.get().keep_alive() && !core_.stopping.load();
    co_await respond(request, match.route, start, std::move(response), parser.get().version(),
                     keep_alive);
    co_return keep_alive;
  }

  static bool answers_inline(const InlinePredicate* runs_inline, const HttpRequest& request) {
    if (runs_inline == nullptr) return false;
    try {
      return (*runs_inline)(request);
    } catch (...) {
      return false;  // let the worker run the handler, and report what it throws
    }
  }

  // Runs the handler on the worker pool, or answers 503 when too many jobs are waiting.
  asio::awaitable<HttpResponse> run_handler(const HttpHandler& handler, const HttpRequest& request,
                                            const std::string& route) {
    if (core_.in_flight.fetch_add(1) >= core_.options.max_in_flight) {
      core_.in_flight.fetch_sub(1);
      spdlog::warn("http: {} handler jobs in flight; answering {} {} with 503",
                   core_.options.max_in_flight, request.method, route);
      co_return render_error(core_.renderer, request, 503, "the server is busy; retry later");
    }
    co_return co_await asio::co_spawn(
        core_.workers->get_executor(),
        [&]() -> asio::awaitable<HttpResponse> {
          struct Release {
            std::atomic<size_t>& n;
            ~Release() { n.fetch_sub(1); }
          } release{core_.in_flight};
          co_return invoke_recovering(handler, request, route, core_.renderer);
        },
        asio::use_awaitable);
  }

  // Answers a request that could not be read or understood, and gives up the connection (its
  // stream is no longer at a message boundary).
  asio::awaitable<void> fail(const HttpRequest& request, Clock::time_point start, int status,
                             const std::string& message) {
    HttpResponse response = render_error(core_.renderer, request, status, message);
    // A 413 has a complete header: record it under its route, like any other answer.
    std::string route(kUnmatchedRoute);
    if (!request.path.empty()) {
      Router::Match match = core_.router.match(request.method, request.path);
      if (match.outcome == Router::Match::Outcome::kFound) route = match.route;
    }
    co_await respond(request, route, start, std::move(response), 11, false);
  }

  asio::awaitable<void> respond(const HttpRequest& request, const std::string& route,
                                Clock::time_point start, HttpResponse response, unsigned version,
                                bool keep_alive) {
    const size_t body_bytes = response.body.size();
    auto message = to_beast(std::move(response), version == 10 ? 10 : 11, keep_alive,
                            request.method == "HEAD");
    lowest().expires_after(core_.options.write_timeout);
    auto [ec, written] = co_await bhttp::async_write(stream_, message, kAsTuple);
    if (ec) spdlog::debug("http: writing to {} failed: {}", remote_, ec.message());

    RequestRecord record{.remote_address = remote_,
                         .method = request.method,
                         .path = request.path,
                         .route = route,
                         .status = static_cast<int>(message.result_int()),
                         .duration = Clock::now() - start,
                         .response_bytes = body_bytes};
    if (core_.options.access_log) log_access(record);
    notify_observer(core_.observer, record);
  }

  asio::awaitable<void> close_gracefully() {
    lowest().expires_after(kLinger);
    if constexpr (kTls) {
      auto [ec] = co_await stream_.async_shutdown(kAsTuple);
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      if (!ec) {
        std::array<char, 16 * 1024> scratch;
        for (size_t drained = 0; drained < kMaxLingerBytes;) {
          auto [read_ec, n] = co_await stream_.async_read_some(asio::buffer(scratch), kAsTuple);
          if (read_ec) break;
          drained += n;
        }
      }
    }
    lowest().close();
  }

  ServerCore& core_;
  const std::string remote_;
  Stream stream_;
  beast::flat_buffer buffer_;
  bool idle_ = false;  // waiting for a request to start; touched on the strand only
};

template <typename Stream, typename... Args>
void spawn(ServerCore& core, tcp::socket socket, Args&&... args) {
  std::string remote = remote_ip(socket);
  auto executor = socket.get_executor();
  auto session = std::make_shared<SessionImpl<Stream>>(core, std::move(remote), std::move(socket),
                                                       std::forward<Args>(args)...);
  core.registry.add(session);
  asio::co_spawn(
      executor, [session]() { return session->serve(); },
      [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("http: connection ended by an exception: {}", ex.what());
        } catch (...) {
          spdlog::error("http: connection ended by an unknown exception");
        }
      });
}

}  // namespace

void start_session(ServerCore& core, tcp::socket socket, asio::ssl::context* tls) {
  if (tls == nullptr) {
    spawn<PlainStream>(core, std::move(socket));
  } else {
    spawn<TlsStream>(core, std::move(socket), *tls);
  }
}

}  // namespace kprogress::http_internal
