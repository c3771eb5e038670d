// Internal to src/http (not part of its public surface): one client connection of an
// HttpServer, and the state that connections share with their server (ServerCore). Kept apart
// from http_server.cc so that Boost.Beast is compiled in http_session.cc only.
// A session runs as one coroutine on its own strand; shut_down() may be called from any thread.
// ServerCore's members are either immutable while the server runs or atomic; SessionRegistry
// is internally locked.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "http/http_message.h"
#include "http/middleware.h"
#include "http/router.h"
#include "http/server_options.h"

namespace kprogress::http_internal {

class Session {
 public:
  virtual ~Session() = default;
  // Closes the connection now if it is waiting for a request (or always, if `force`); a
  // session busy with a request closes after answering it, since the core is stopping.
  virtual void shut_down(bool force) = 0;
};

// The open sessions, so that stopping can reach them.
class SessionRegistry {
 public:
  void add(const std::shared_ptr<Session>& session);
  void remove(Session* session);  // from the session's destructor
  size_t size() const { return count_.load(); }
  void shut_down_all(bool force);

 private:
  mutable std::mutex mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
  std::atomic<size_t> count_{0};
};

// What sessions share with their server; the server owns it and it outlives every session.
struct ServerCore {
  ServerOptions options;
  Router router;
  ErrorRenderer renderer;
  RequestObserver observer;
  boost::asio::thread_pool* workers = nullptr;  // where handlers run
  std::atomic<bool> stopping{false};            // set once; sessions then stop keeping alive
  std::atomic<size_t> in_flight{0};             // handler jobs running or queued
  SessionRegistry registry;
};

// Serves a connection accepted on a plain listener (`tls` null) or a TLS one. `socket` should
// have a strand as its executor. Returns at once; the session registers itself in `core`.
void start_session(ServerCore& core, boost::asio::ip::tcp::socket socket,
                   boost::asio::ssl::context* tls);

}  // namespace kprogress::http_internal
