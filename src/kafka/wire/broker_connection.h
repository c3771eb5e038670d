// BrokerConnection: one plaintext TCP connection to a Kafka broker that sends a framed request
// and reads its answer, each step within a deadline. Blocking; one request at a time; not
// thread-safe (RawWireClient keeps idle ones in a pool and hands each to one caller).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"

namespace kprogress::wire {

class BrokerConnection {
 public:
  // Resolves and connects; kUnavailable when that fails, kDeadlineExceeded when it takes too
  // long.
  static Result<std::unique_ptr<BrokerConnection>> open(const std::string& host, int port,
                                                        Deadline deadline);

  // Sends `framed_request` (size included) and returns the answer after its 4-byte size.
  // After an error the connection is unusable.
  Result<std::string> round_trip(const std::string& framed_request, Deadline deadline);

  const std::string& address() const { return address_; }

 private:
  explicit BrokerConnection(std::string address);
  // Runs the queued operations until they finish (true) or the deadline passes (false: then
  // `cancel` is called and the cancelled handlers are run).
  bool run_until(Deadline deadline, const std::function<void()>& cancel);

  std::string address_;  // host:port, for messages
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

}  // namespace kprogress::wire
