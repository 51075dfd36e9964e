#pragma once
/// One client connection: TLS handshake (if any), then HTTP/1.1 requests until the connection
/// closes — keep-alive and pipelining, header/body/idle deadlines, size limits, 100-continue,
/// graceful shutdown. Converts between Beast messages and core::Request/Response (the only
/// place that does).
///
/// start_session() returns at once; the connection runs as a coroutine on the socket's executor
/// (one worker thread), and owns everything it touches.

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "gateway/config/config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace gh::pipeline {
class Gateway;
}

namespace gh::net {

class ConnectionRegistry;

struct SessionEnv {
  pipeline::Gateway* gateway = nullptr;
  ConnectionRegistry* registry = nullptr;
  config::ListenerRole role = config::ListenerRole::kApis;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
};

void start_session(boost::asio::ip::tcp::socket socket, const SessionEnv& env);

}  // namespace gh::net
