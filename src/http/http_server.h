// HttpServer: a small HTTP/1.1 server (Boost.Beast on Asio, HTTP and HTTPS) that serves one
// Router and knows nothing about the API behind it. A few I/O threads read and write sockets;
// handlers, which may block for seconds, run on a separate worker pool. Each connection handles
// its requests one after the other (keep-alive and pipelining are safe). The limits of
// ServerOptions turn abuse into 400/413/431/503 responses (bodies by the ErrorRenderer) or a
// closed connection; a throwing handler becomes a 500. Every response is logged (access log) and
// reported to the RequestObserver under its route template.
//
// Lifecycle: construct, listen()/listen_tls() (and optionally set_request_observer(),
// stop_on_signals()), then run() on one thread; it returns after stop(). Only stop() (and the
// const accessors) may be called from other threads while run() is running; the configuring
// calls must happen before run(). The Router, renderer and observer are used concurrently from
// the I/O and worker threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/http_message.h"
#include "http/middleware.h"
#include "http/router.h"
#include "http/server_options.h"

namespace kprogress {

// An HTTPS listener's certificate chain and private key, PEM files.
struct TlsFiles {
  std::string cert_chain_file;
  std::string private_key_file;
};

class HttpServer {
 public:
  // REQUIRES: options.validate().ok(). An empty `renderer` means render_plain_error.
  HttpServer(ServerOptions options, Router router, ErrorRenderer renderer = {});
  // REQUIRES: run() is not running. Waits for handler jobs that are still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // REQUIRES: before run().
  void set_request_observer(RequestObserver observer);

  // Opens a plain HTTP listener on `host` (an IP address or a name resolved once, now) and
  // `port` (0: any free port; see bound_port()). May be called more than once.
  // REQUIRES: before run().
  [[nodiscard]] Result<void> listen(std::string_view host, uint16_t port);
  // Same, for HTTPS (TLS 1.2 or later) with the certificate and key of `tls`; fails when the
  // files cannot be read or do not match.
  [[nodiscard]] Result<void> listen_tls(std::string_view host, uint16_t port, const TlsFiles& tls);
  // The port of the first plain (resp. TLS) listener, 0 when there is none.
  uint16_t bound_port() const;
  uint16_t bound_tls_port() const;

  // Makes SIGINT and SIGTERM call stop() (through an asio::signal_set, so in no signal-handler
  // context); a second signal cuts the grace period short. `on_signal`, if set, is called first
  // with the signal number, on an I/O thread. REQUIRES: before run(), at most once.
  void stop_on_signals(std::function<void(int signal)> on_signal = {});

  // Serves until stop(); then stops accepting, closes idle connections, lets in-flight requests
  // finish for up to options.shutdown_grace, cuts what remains, and returns. The calling thread
  // is one of the I/O threads. REQUIRES: called once.
  void run();

  // Asks run() to finish as above. Idempotent; thread-safe; may be called before run() or from
  // a handler. Does not wait. Not async-signal-safe: see stop_on_signals().
  void stop();

  // Open connections and handler jobs running or queued, for tests and metrics.
  size_t active_connections() const;
  size_t in_flight() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kprogress
