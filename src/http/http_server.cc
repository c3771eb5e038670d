// The server's lifecycle: listeners and their accept loops, the I/O and worker threads, signals,
// and the staged shutdown (stop accepting, close idle connections, drain, cut). Connections
// themselves are in http_session.cc.
#include "http/http_server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <exception>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "http/http_session.h"

namespace kprogress {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
// How often a stopping server checks whether its connections have drained.
constexpr std::chrono::milliseconds kDrainPoll{10};
// After the grace period: how long cut connections get to unwind before run() returns.
constexpr std::chrono::milliseconds kCutWait{500};
// At most one "connection refused" warning per this interval.
constexpr std::chrono::seconds kRefusalLogInterval{10};

std::string endpoint_text(const tcp::endpoint& ep) {
  std::string address = ep.address().to_string();
  if (ep.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(ep.port());
}

struct Listener {
  tcp::acceptor acceptor;
  asio::ssl::context* tls = nullptr;  // null: plain HTTP
  uint16_t port = 0;
};

void log_exception(std::exception_ptr e, const char* what) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("http: {} ended by an exception: {}", what, ex.what());
  } catch (...) {
    spdlog::error("http: {} ended by an unknown exception", what);
  }
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, Router router, ErrorRenderer renderer)
      : control_(asio::make_strand(ioc_)),
        work_(asio::make_work_guard(ioc_)),
        drain_timer_(control_),
        workers_(options.worker_threads) {
    core_.options = std::move(options);
    core_.router = std::move(router);
    core_.renderer = std::move(renderer);
    core_.workers = &workers_;
  }

  ~Impl() {
    // Handler jobs not started are dropped; running ones cannot be interrupted, so wait for them
    // before the connections they answer (owned by ioc_) are destroyed.
    workers_.stop();
    workers_.join();
  }

  Result<void> listen(std::string_view host, uint16_t port, asio::ssl::context* tls) {
    std::string name = host.empty() ? "0.0.0.0" : std::string(host);
    boost::system::error_code ec;
    tcp::endpoint endpoint;
    asio::ip::address address = asio::ip::make_address(name, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, port);
    } else {
      tcp::resolver resolver(ioc_);
      auto results = resolver.resolve(name, std::to_string(port), tcp::resolver::passive, ec);
      if (ec || results.empty()) {
        return Error::invalid_argument("http: cannot resolve listen address '" + name +
                                       "': " + (ec ? ec.message() : "no address"));
      }
      endpoint = results.begin()->endpoint();
    }

    auto listener = std::make_unique<Listener>(Listener{tcp::acceptor(control_), tls, 0});
    tcp::acceptor& acceptor = listener->acceptor;
    auto failed = [&](const char* step) -> Result<void> {
      return Error::unavailable("http: cannot listen on " + endpoint_text(endpoint) + " (" + step +
                                "): " + ec.message());
    };
    if (acceptor.open(endpoint.protocol(), ec)) return failed("open");
    if (acceptor.set_option(asio::socket_base::reuse_address(true), ec)) return failed("option");
    if (acceptor.bind(endpoint, ec)) return failed("bind");
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) return failed("listen");
    tcp::endpoint bound = acceptor.local_endpoint(ec);
    if (ec) return failed("local_endpoint");
    listener->port = bound.port();
    spdlog::info("http: listening on {} ({})", endpoint_text(bound), tls ? "https" : "http");

    asio::co_spawn(control_, accept_loop(*listener),
                   [](std::exception_ptr e) { log_exception(e, "accept loop"); });
    listeners_.push_back(std::move(listener));
    return {};
  }

  Result<void> listen_tls(std::string_view host, uint16_t port, const TlsFiles& files) {
    auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    boost::system::error_code ec;
    context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                             asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                             asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                         ec);
    if (!ec) context->use_certificate_chain_file(files.cert_chain_file, ec);
    if (ec) {
      return Error::invalid_argument("http: cannot use TLS certificate '" + files.cert_chain_file +
                                     "': " + ec.message());
    }
    context->use_private_key_file(files.private_key_file, asio::ssl::context::pem, ec);
    if (ec || SSL_CTX_check_private_key(context->native_handle()) != 1) {
      return Error::invalid_argument(
          "http: cannot use TLS private key '" + files.private_key_file + "'" +
          (ec ? ": " + ec.message() : ": it does not match the certificate"));
    }
    asio::ssl::context* raw = context.get();
    tls_contexts_.push_back(std::move(context));
    return listen(host, port, raw);
  }

  uint16_t port(bool tls) const {
    for (const auto& l : listeners_) {
      if ((l->tls != nullptr) == tls) return l->port;
    }
    return 0;
  }

  void stop_on_signals(std::function<void(int)> on_signal) {
    on_signal_ = std::move(on_signal);
    signals_.emplace(control_, SIGINT, SIGTERM);
    wait_for_signal();
  }

  void run() {
    std::vector<std::thread> threads;
    for (size_t i = 1; i < core_.options.io_threads; ++i) {
      threads.emplace_back([this] { run_io(); });
    }
    run_io();
    for (std::thread& t : threads) t.join();
  }

  void stop() {
    if (stop_requested_.exchange(true)) return;
    asio::post(control_, [this] { begin_shutdown(); });
  }

  http_internal::ServerCore core_;

 private:
  void run_io() {
    while (true) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("http: I/O thread caught an exception: {}", e.what());
      }
    }
  }

  asio::awaitable<void> accept_loop(Listener& listener) {
    while (true) {
      auto [ec, socket] =
          co_await listener.acceptor.async_accept(asio::make_strand(ioc_), kAsTuple);
      if (core_.stopping.load() || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        // Typically out of file descriptors: back off rather than spin.
        spdlog::warn("http: accept failed: {}", ec.message());
        asio::steady_timer pause(control_, std::chrono::milliseconds(100));
        co_await pause.async_wait(kAsTuple);
        continue;
      }
      if (core_.registry.size() >= core_.options.max_connections) {
        refuse(socket);
        continue;
      }
      http_internal::start_session(core_, std::move(socket), listener.tls);
    }
  }

  template <typename Socket>
  void refuse(Socket& socket) {
    ++refused_since_log_;
    Clock::time_point now = Clock::now();
    if (now - last_refusal_log_ >= kRefusalLogInterval) {
      spdlog::warn("http: {} connections open (the limit); refused {} since last said",
                   core_.options.max_connections, refused_since_log_);
      last_refusal_log_ = now;
      refused_since_log_ = 0;
    }
    boost::system::error_code ignored;
    socket.close(ignored);
  }

  void wait_for_signal() {
    signals_->async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      spdlog::info("http: signal {} received; stopping", signal);
      if (on_signal_) {
        try {
          on_signal_(signal);
        } catch (const std::exception& e) {
          spdlog::error("http: signal callback threw: {}", e.what());
        }
      }
      if (stop_requested_.load()) {
        spdlog::warn("http: second signal; cutting the grace period short");
        grace_deadline_ = Clock::now();
      }
      stop();
      wait_for_signal();
    });
  }

  // On control_.
  void begin_shutdown() {
    spdlog::info("http: stopping: {} connections open, {} requests in flight",
                 core_.registry.size(), core_.in_flight.load());
    core_.stopping.store(true);
    for (auto& listener : listeners_) {
      boost::system::error_code ignored;
      listener->acceptor.close(ignored);
    }
    core_.registry.shut_down_all(/*force=*/false);
    Clock::time_point deadline = Clock::now() + core_.options.shutdown_grace;
    if (grace_deadline_ == Clock::time_point{} || deadline < grace_deadline_) {
      grace_deadline_ = deadline;
    }
    poll_drain();
  }

  // On control_: finish once no connection is left, or cut them when the grace period is over.
  void poll_drain() {
    if (core_.registry.size() == 0) return finish();
    Clock::time_point now = Clock::now();
    if (!cut_ && now >= grace_deadline_) {
      spdlog::warn("http: grace period over; cutting {} connections ({} requests in flight)",
                   core_.registry.size(), core_.in_flight.load());
      cut_ = true;
      cut_deadline_ = now + kCutWait;
      core_.registry.shut_down_all(/*force=*/true);
    } else if (cut_ && now >= cut_deadline_) {
      return finish();
    }
    drain_timer_.expires_after(kDrainPoll);
    drain_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) poll_drain();
    });
  }

  void finish() {
    spdlog::info("http: stopped");
    if (signals_) {
      // Give SIGINT/SIGTERM their default action back: the process is on its way out, and a
      // further signal should not be swallowed.
      boost::system::error_code ignored;
      signals_->clear(ignored);
      signals_->cancel(ignored);
    }
    work_.reset();
    ioc_.stop();
  }

  // Destroyed in reverse order: the worker pool first (it may still run handlers for sessions),
  // then I/O objects, then the io_context (and with it any session still suspended), then the
  // TLS contexts those sessions used; core_ outlives them all.
  std::vector<std::unique_ptr<asio::ssl::context>> tls_contexts_;
  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> control_;  // listeners, signals, shutdown
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::optional<asio::signal_set> signals_;
  std::function<void(int)> on_signal_;
  asio::steady_timer drain_timer_;
  std::atomic<bool> stop_requested_{false};
  Clock::time_point grace_deadline_{};  // on control_
  Clock::time_point cut_deadline_{};
  bool cut_ = false;
  Clock::time_point last_refusal_log_{};  // on control_, like the accept loops
  size_t refused_since_log_ = 0;
  asio::thread_pool workers_;
};

HttpServer::HttpServer(ServerOptions options, Router router, ErrorRenderer renderer)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), std::move(renderer))) {}

HttpServer::~HttpServer() = default;

void HttpServer::set_request_observer(RequestObserver observer) {
  impl_->core_.observer = std::move(observer);
}

Result<void> HttpServer::listen(std::string_view host, uint16_t port) {
  return impl_->listen(host, port, nullptr);
}

Result<void> HttpServer::listen_tls(std::string_view host, uint16_t port, const TlsFiles& tls) {
  return impl_->listen_tls(host, port, tls);
}

uint16_t HttpServer::bound_port() const { return impl_->port(/*tls=*/false); }
uint16_t HttpServer::bound_tls_port() const { return impl_->port(/*tls=*/true); }

void HttpServer::stop_on_signals(std::function<void(int signal)> on_signal) {
  impl_->stop_on_signals(std::move(on_signal));
}

void HttpServer::run() { impl_->run(); }
void HttpServer::stop() { impl_->stop(); }

size_t HttpServer::active_connections() const { return impl_->core_.registry.size(); }
size_t HttpServer::in_flight() const { return impl_->core_.in_flight.load(); }

}  // namespace kprogress
