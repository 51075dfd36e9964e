#include "gateway/net/http_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "gateway/net/connection_registry.hpp"
#include "gateway/pipeline/gateway.hpp"
#include "gateway/util/time_format.hpp"

namespace gh::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kReadChunk = 8192;

/// What the connection's coroutine shares with the registry's close requests. Only touched on
/// the connection's executor.
struct SessionState {
  beast::tcp_stream* stream = nullptr;  // valid while the coroutine runs
  bool idle = false;                    // waiting for the next request (no bytes of it yet)
  bool closing = false;

  void close() {
    closing = true;
    if (stream) {
      error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->socket().close(ignored);
    }
  }
};

bool valid_header_text(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// A fixed response for requests too broken to reach the gateway (no API is known yet).
std::string_view raw_bad_request() {
  return "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
         "Content-Length: 25\r\nConnection: close\r\n\r\n{\"message\":\"Bad Request\"}";
}

http::response<http::string_body> to_beast(core::Response&& response, unsigned version,
                                           bool head_request, bool keep_alive) {
  http::response<http::string_body> res;
  res.version(version);
  res.result(static_cast<unsigned>(response.status));
  for (auto& f : response.headers) {
    if (f.name.empty() || !valid_header_text(f.name) || !valid_header_text(f.value)) {
      spdlog::warn("dropping response header with a control character: {}", f.name);
      continue;
    }
    res.insert(f.name, f.value);
  }
  res.set(http::field::date, util::http_date_now());
  int status = response.status;
  bool no_body = (status >= 100 && status < 200) || status == 204 || status == 304;
  if (no_body) {
    res.erase(http::field::content_length);
  } else if (head_request) {
    // HEAD: the length of the body a GET would have had, and no body.
    res.content_length(response.body.size());
  } else {
    res.body() = std::move(response.body);
    res.prepare_payload();
  }
  res.keep_alive(keep_alive);
  // API Gateway states keep-alive explicitly on HTTP/1.1 (docs/aws-notes-core.md §10).
  if (keep_alive && version == 11) res.set(http::field::connection, "keep-alive");
  return res;
}

template <typename Stream>
beast::tcp_stream& lowest(Stream& s) {
  return beast::get_lowest_layer(s);
}

template <typename Stream>
asio::awaitable<void> serve(Stream& stream, SessionEnv env, SessionState& state,
                            core::ConnectionInfo conn) {
  pipeline::Gateway& gateway = *env.gateway;
  pipeline::SnapshotHandle handle;
  beast::flat_buffer buffer;
  error_code ec;
  auto on_error = asio::redirect_error(asio::use_awaitable, ec);

  for (;;) {
    const config::LimitsConfig limits =
        gateway.refresh(handle).snapshot->config().server.limits;

    // Keep-alive idle: wait for the first byte of the next request.
    if (buffer.size() == 0) {
      if (env.registry->stopping()) co_return;
      state.idle = true;
      lowest(stream).expires_after(limits.idle_timeout);
      std::size_t n = co_await stream.async_read_some(buffer.prepare(kReadChunk), on_error);
      state.idle = false;
      if (ec || state.closing) co_return;
      buffer.commit(n);
    }

    // Request line and headers, under the header deadline (slowloris).
    lowest(stream).expires_after(limits.header_timeout);
    http::request_parser<http::empty_body> head;
    head.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    co_await http::async_read_header(stream, buffer, head, on_error);
    if (ec) {
      if (ec == http::error::header_limit) {
        // Rendered by the gateway like AWS's front door (plain text 431).
        pipeline::Exchange ex;
        ex.ctx.request.connection = conn;
        gateway.begin(ex, handle);
        auto error = core::GatewayError::of(
            core::ErrorKind::kHeadersTooLarge,
            "HTTP header is larger than " + std::to_string(limits.max_header_bytes) + " bytes.");
        auto res = to_beast(gateway.reject(ex, std::move(error)), 11, false, false);
        lowest(stream).expires_after(limits.body_timeout);
        co_await http::async_write(stream, res, on_error);
      } else if (ec != beast::error::timeout && ec != http::error::end_of_stream &&
                 ec != asio::error::eof && ec != asio::error::connection_reset &&
                 ec != asio::error::operation_aborted && !state.closing) {
        spdlog::debug("{}:{}: malformed request: {}", conn.source_ip, conn.source_port,
                      ec.message());
        lowest(stream).expires_after(limits.body_timeout);
        co_await asio::async_write(stream, asio::buffer(raw_bad_request()), on_error);
      }
      co_return;
    }

    pipeline::Exchange ex;
    ex.role = env.role;
    {
      core::Request& req = ex.ctx.request;
      const auto& msg = head.get();
      req.method.assign(msg.method_string());
      req.set_target(std::string(msg.target()));
      req.version = msg.version();
      req.connection = conn;
      req.headers.reserve(16);
      for (const auto& f : msg) req.headers.add(std::string(f.name_string()), std::string(f.value()));
    }
    gateway.begin(ex, handle);
    const unsigned version = head.get().version();
    const bool head_request = head.get().method() == http::verb::head;
    bool keep_alive = head.get().keep_alive();

    // Body: refuse what is too large before reading it (Content-Length), or while reading it
    // (chunked). A refused body is not read, so the connection closes after the answer.
    auto too_large = [&] {
      return core::GatewayError::of(
          core::ErrorKind::kRequestTooLarge,
          "HTTP content length exceeded " + std::to_string(limits.max_body_bytes) + " bytes.");
    };
    std::optional<core::Response> early;
    if (auto length = head.content_length(); length && *length > limits.max_body_bytes) {
      early = gateway.reject(ex, too_large());
    }
    if (!early && !head.is_done()) {
      if (head.get()[http::field::expect] == "100-continue" && version == 11) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        lowest(stream).expires_after(limits.body_timeout);
        co_await asio::async_write(stream, asio::buffer(kContinue), on_error);
        if (ec) co_return;
      }
      http::request_parser<http::string_body> body_parser(std::move(head));
      body_parser.body_limit(limits.max_body_bytes);
      lowest(stream).expires_after(limits.body_timeout);
      co_await http::async_read(stream, buffer, body_parser, on_error);
      if (ec == http::error::body_limit) {
        early = gateway.reject(ex, too_large());
      } else if (ec) {
        if (ec != beast::error::timeout && ec != http::error::end_of_stream && !state.closing) {
          spdlog::debug("{}:{}: bad request body: {}", conn.source_ip, conn.source_port,
                        ec.message());
          co_await asio::async_write(stream, asio::buffer(raw_bad_request()), on_error);
        }
        co_return;
      } else {
        ex.ctx.request.body = std::move(body_parser.get().body());
      }
    }

    core::Response response;
    if (early) {
      response = std::move(*early);
      keep_alive = false;
    } else {
      // The integration enforces its own deadline; the socket has none while it runs.
      lowest(stream).expires_never();
      response = co_await gateway.run(ex);
    }
    if (env.registry->stopping() || state.closing) keep_alive = false;

    ex.ctx.status = response.status;
    ex.ctx.response_length = head_request ? 0 : response.body.size();
    auto res = to_beast(std::move(response), version, head_request, keep_alive);
    lowest(stream).expires_after(limits.body_timeout);
    co_await http::async_write(stream, res, on_error);
    gateway.complete(ex);
    if (ec || !keep_alive) co_return;
  }
}

template <typename Stream>
asio::awaitable<void> finish(Stream& stream) {
  error_code ec;
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    // TLS close_notify, bounded: a peer that vanished must not hold the connection open.
    lowest(stream).expires_after(std::chrono::seconds(1));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }
  lowest(stream).socket().shutdown(tcp::socket::shutdown_send, ec);
  lowest(stream).socket().close(ec);
}

asio::awaitable<void> run_connection(tcp::socket socket, SessionEnv env) {
  core::ConnectionInfo conn;
  error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) co_return;
  conn.source_ip = remote.address().to_string();
  conn.source_port = remote.port();
  conn.local_port = socket.local_endpoint(ec).port();
  conn.secure = env.tls != nullptr;
  socket.set_option(tcp::no_delay(true), ec);

  auto executor = socket.get_executor();
  SessionState state;
  auto control = std::make_shared<ConnectionControl>();
  control->executor = executor;
  control->close_if_idle = [&state] {
    if (state.idle) state.close();
    // Busy connections finish their request and then close (keep_alive is turned off).
  };
  control->close_now = [&state] { state.close(); };
  // The registry may post to `control` after this coroutine ended; the lambdas above capture
  // `state` by reference, so they are disarmed before `state` goes away (see below).
  auto id = env.registry->add(control);
  if (!id) co_return;  // over maxConnections or shutting down: the socket closes here
  env.gateway->metrics().connection_opened();

  try {
    if (env.tls) {
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *env.tls);
      state.stream = &lowest(stream);
      lowest(stream).expires_after(
          env.gateway->installed()->snapshot->config().server.limits.header_timeout);
      co_await stream.async_handshake(asio::ssl::stream_base::server,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (!ec && !state.closing) {
        co_await serve(stream, env, state, conn);
        co_await finish(stream);
      }
      state.stream = nullptr;
    } else {
      beast::tcp_stream stream(std::move(socket));
      state.stream = &stream;
      co_await serve(stream, env, state, conn);
      co_await finish(stream);
      state.stream = nullptr;
    }
  } catch (const std::exception& e) {
    // Last resort: nothing on the data path should throw.
    spdlog::error("{}:{}: connection failed: {}", conn.source_ip, conn.source_port, e.what());
    state.stream = nullptr;
  }
  control->close_if_idle = [] {};
  control->close_now = [] {};
  env.gateway->metrics().connection_closed();
  env.registry->remove(*id);
}

}  // namespace

void start_session(tcp::socket socket, const SessionEnv& env) {
  auto executor = socket.get_executor();
  asio::co_spawn(executor, run_connection(std::move(socket), env), asio::detached);
}

}  // namespace gh::net
