#include "kafka/wire/broker_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace kprogress::wire {
namespace {

// Larger answers are refused rather than allocated: an OffsetFetch of 1,000,000 partitions with
// short names is about 40 MB.
constexpr uint32_t kMaxAnswerBytes = 256u << 20;

}  // namespace

BrokerConnection::BrokerConnection(std::string address)
    : address_(std::move(address)), socket_(io_) {}

bool BrokerConnection::run_until(Deadline deadline, const std::function<void()>& cancel) {
  io_.restart();
  io_.run_until(deadline.at());
  if (io_.stopped()) return true;
  // Out of time: cancel, and let the cancelled handlers run so that none is left referring to
  // the caller's frame. (A name lookup cannot be interrupted: getaddrinfo runs to its end.)
  cancel();
  io_.restart();
  io_.run();
  return false;
}

Result<std::unique_ptr<BrokerConnection>> BrokerConnection::open(const std::string& host, int port,
                                                                 Deadline deadline) {
  std::unique_ptr<BrokerConnection> c(new BrokerConnection(host + ":" + std::to_string(port)));
  boost::asio::ip::tcp::resolver resolver(c->io_);
  boost::system::error_code ec = boost::asio::error::would_block;
  bool cancelled = false;
  resolver.async_resolve(host, std::to_string(port),
                         [&](const boost::system::error_code& e,
                             boost::asio::ip::tcp::resolver::results_type results) {
                           if (e || cancelled) {
                             ec = e ? e : boost::asio::error::operation_aborted;
                             return;
                           }
                           boost::asio::async_connect(
                               c->socket_, results,
                               [&](const boost::system::error_code& e2,
                                   const boost::asio::ip::tcp::endpoint&) { ec = e2; });
                         });
  const bool done = c->run_until(deadline, [&] {
    cancelled = true;
    resolver.cancel();
    boost::system::error_code ignored;
    c->socket_.close(ignored);
  });
  if (!done) {
    return Error::deadline_exceeded("connecting to Kafka at " + c->address_ + " took too long");
  }
  if (ec) {
    return Error::unavailable("cannot connect to Kafka at " + c->address_ + ": " + ec.message());
  }
  c->socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  return c;
}

Result<std::string> BrokerConnection::round_trip(const std::string& framed_request,
                                                 Deadline deadline) {
  boost::system::error_code ec = boost::asio::error::would_block;
  unsigned char size_bytes[4];
  std::string answer;
  boost::asio::async_write(
      socket_, boost::asio::buffer(framed_request),
      [&](const boost::system::error_code& e, size_t) {
        if (e) {
          ec = e;
          return;
        }
        boost::asio::async_read(
            socket_, boost::asio::buffer(size_bytes),
            [&](const boost::system::error_code& e2, size_t) {
              if (e2) {
                ec = e2;
                return;
              }
              const uint32_t n = (uint32_t{size_bytes[0]} << 24) | (uint32_t{size_bytes[1]} << 16) |
                                 (uint32_t{size_bytes[2]} << 8) | uint32_t{size_bytes[3]};
              if (n > kMaxAnswerBytes) {
                ec = boost::asio::error::message_size;
                return;
              }
              answer.resize(n);
              boost::asio::async_read(
                  socket_, boost::asio::buffer(answer),
                  [&](const boost::system::error_code& e3, size_t) { ec = e3; });
            });
      });
  const bool done = run_until(deadline, [this] {
    boost::system::error_code ignored;
    socket_.close(ignored);
  });
  if (!done) return Error::deadline_exceeded("Kafka at " + address_ + " did not answer in time");
  if (ec) {
    Error e =
        Error::unavailable("the connection to Kafka at " + address_ + " failed: " + ec.message());
    boost::system::error_code ignored;
    socket_.close(ignored);
    return e;
  }
  return answer;
}

}  // namespace kprogress::wire
