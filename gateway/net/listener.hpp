#pragma once
/// Listener: one bound TCP socket from config (plain or TLS) accepting client connections and
/// handing each to a worker io_context, round-robin. The accept loop runs on the first worker.
/// start() binds synchronously and throws std::runtime_error with a clear message (port in use,
/// bad certificate); stop() closes the acceptor (thread-safe, posted).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/net/http_session.hpp"

namespace gh::net {

class Listener {
 public:
  Listener(config::ListenerConfig config, std::vector<boost::asio::io_context*> workers,
           SessionEnv env);
  ~Listener();

  void start();
  void stop();
  /// The bound port (useful with port 0).
  std::uint16_t port() const noexcept { return port_; }
  const config::ListenerConfig& config() const noexcept { return config_; }

 private:
  void accept_next();

  config::ListenerConfig config_;
  std::vector<boost::asio::io_context*> workers_;
  SessionEnv env_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::steady_timer> retry_timer_;
  std::size_t next_worker_ = 0;
  std::uint16_t port_ = 0;
};

/// TLS server context from PEM files; throws std::runtime_error naming the file on failure.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const config::TlsConfig& tls);

}  // namespace gh::net
