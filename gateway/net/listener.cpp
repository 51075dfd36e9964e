#include "gateway/net/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <stdexcept>

namespace gh::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Listener::Listener(config::ListenerConfig config, std::vector<asio::io_context*> workers,
                   SessionEnv env)
    : config_(std::move(config)), workers_(std::move(workers)), env_(std::move(env)) {}

Listener::~Listener() = default;

std::shared_ptr<asio::ssl::context> make_server_tls_context(const config::TlsConfig& tls) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  error_code ec;
  ctx->use_certificate_chain_file(tls.cert_file, ec);
  if (ec) throw std::runtime_error("TLS certificate " + tls.cert_file + ": " + ec.message());
  ctx->use_private_key_file(tls.key_file, asio::ssl::context::pem, ec);
  if (ec) throw std::runtime_error("TLS key " + tls.key_file + ": " + ec.message());
  return ctx;
}

void Listener::start() {
  asio::io_context& home = *workers_.front();
  error_code ec;
  auto address =
      asio::ip::make_address(config_.host == "localhost" ? "127.0.0.1" : config_.host, ec);
  if (ec) throw std::runtime_error("listener address '" + config_.host + "' is not an IP address");
  tcp::endpoint endpoint(address, config_.port);
  acceptor_ = std::make_unique<tcp::acceptor>(home);
  retry_timer_ = std::make_unique<asio::steady_timer>(home);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + config_.host + ":" +
                             std::to_string(config_.port) + ": " + ec.message());
  }
  port_ = acceptor_->local_endpoint().port();
  asio::post(home, [this] { accept_next(); });
}

void Listener::accept_next() {
  if (!acceptor_ || !acceptor_->is_open()) return;
  asio::io_context& target = *workers_[next_worker_++ % workers_.size()];
  acceptor_->async_accept(target, [this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
    if (ec) {
      // EMFILE and friends: log, back off briefly (no busy loop), keep accepting.
      spdlog::warn("accept on {}:{} failed: {}", config_.host, port_, ec.message());
      retry_timer_->expires_after(std::chrono::milliseconds(100));
      retry_timer_->async_wait([this](error_code) { accept_next(); });
      return;
    }
    start_session(std::move(socket), env_);
    accept_next();
  });
}

void Listener::stop() {
  if (!acceptor_) return;
  asio::post(*workers_.front(), [this] {
    error_code ignored;
    if (acceptor_) acceptor_->close(ignored);
    if (retry_timer_) retry_timer_->cancel();
  });
}

}  // namespace gh::net
