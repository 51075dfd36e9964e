#pragma once
/// A client connection's shared state: its deadline (checked by the DeadlineService) and what
/// the registry's close requests need. Only touched on the connection's executor.

#include <boost/asio/ip/tcp.hpp>
#include <functional>

#include "gateway/net/deadline_service.hpp"

namespace gh::net {

class SessionState final : public DeadlineService::Entry {
 public:
  explicit SessionState(boost::asio::ip::tcp::socket& socket) : socket_(socket) {}

  void expire() override {
    timed_out = true;
    close();
  }
  void close() {
    closing = true;
    boost::system::error_code ignored;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  bool idle = false;       // waiting for the next request (no byte of it yet)
  bool closing = false;    // closed from outside (shutdown, drain deadline, timeout)
  bool timed_out = false;  // the deadline passed
  bool linger = false;     // answered without reading the whole request: drain before closing
  /// Set while the connection is a WebSocket: asks it to close with 1001 (server shutdown).
  std::function<void()> going_away;

 private:
  boost::asio::ip::tcp::socket& socket_;
};

}  // namespace gh::net
