#include "gateway/net/http_session.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>

#include "gateway/net/connection_registry.hpp"
#include "gateway/net/deadline_service.hpp"
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

/// The connection's shared state: its deadline (checked by the DeadlineService) and what the
/// registry's close requests need. Only touched on the connection's executor.
class SessionState final : public DeadlineService::Entry {
 public:
  explicit SessionState(tcp::socket& socket) : socket_(socket) {}

  void expire() override {
    timed_out = true;
    close();
  }
  void close() {
    closing = true;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  bool idle = false;       // waiting for the next request (no byte of it yet)
  bool closing = false;    // closed from outside (shutdown, drain deadline, timeout)
  bool timed_out = false;  // the deadline passed
  bool linger = false;     // answered without reading the whole request: drain before closing

 private:
  tcp::socket& socket_;
};

/// Parses a request straight into a core::Request: no intermediate Beast fields container, the
/// body appended once into its final string.
class RequestParser final : public http::basic_parser<true> {
 public:
  explicit RequestParser(core::Request& request) : request_(request) {}

 private:
  void on_request_impl(http::verb, beast::string_view method, beast::string_view target,
                       int version, error_code&) override {
    request_.method.assign(method.data(), method.size());
    request_.set_target(std::string(target));
    request_.version = static_cast<unsigned>(version);
  }
  void on_response_impl(int, beast::string_view, int, error_code&) override {}
  void on_field_impl(http::field field, beast::string_view name, beast::string_view value,
                     error_code&) override {
    if (field == http::field::host) ++host_fields_;
    if (field == http::field::transfer_encoding) last_transfer_coding_ = last_token(value);
    request_.headers.add(std::string(name), std::string(value));
  }
  void on_header_impl(error_code& ec) override {
    // RFC 9112 §6.3: a request whose Transfer-Encoding does not end in "chunked" has no
    // reliable length; answering it would let the body be read as a second request
    // (smuggling). §3.2: an HTTP/1.1 request has exactly one Host.
    if (last_transfer_coding_ && !core::iequals(*last_transfer_coding_, "chunked")) {
      ec = http::error::bad_transfer_encoding;
    } else if (host_fields_ > 1 || (request_.version == 11 && host_fields_ == 0)) {
      ec = http::error::bad_field;
    }
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) request_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  static std::string last_token(beast::string_view value) {
    std::string_view v(value.data(), value.size());
    if (auto comma = v.rfind(','); comma != std::string_view::npos) v.remove_prefix(comma + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return std::string(v);
  }

  core::Request& request_;
  int host_fields_ = 0;
  std::optional<std::string> last_transfer_coding_;
};

bool valid_header_text(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool framing_header(std::string_view name) {
  return core::iequals(name, "Content-Length") || core::iequals(name, "Transfer-Encoding") ||
         core::iequals(name, "Connection") || core::iequals(name, "Keep-Alive") ||
         core::iequals(name, "Date");
}

void append_number(std::string& out, std::size_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

/// Writes the status line and headers into `out` (reused across requests). Header order
/// follows API Gateway's: Date, Content-Type, Content-Length, Connection, then the rest.
/// Returns whether a body follows.
bool serialize_head(std::string& out, const core::Response& response, unsigned version,
                    bool head_request, bool keep_alive) {
  out.clear();
  int status = response.status;
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_number(out, static_cast<std::size_t>(status));
  out += ' ';
  auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  out.append(reason.data(), reason.size());
  out += "\r\nDate: ";
  out += util::http_date_now();
  out += "\r\n";
  const std::string* content_type = response.headers.find("Content-Type");
  if (content_type && valid_header_text(*content_type)) {
    out += "Content-Type: ";
    out += *content_type;
    out += "\r\n";
  }
  bool no_body = (status >= 100 && status < 200) || status == 204 || status == 304;
  if (!no_body) {
    out += "Content-Length: ";
    append_number(out, response.body.size());
    out += "\r\n";
  }
  if (keep_alive) {
    // API Gateway states keep-alive explicitly (docs/aws-notes-core.md §10).
    out += "Connection: keep-alive\r\n";
  } else {
    out += "Connection: close\r\n";
  }
  for (const auto& f : response.headers) {
    if (framing_header(f.name) || core::iequals(f.name, "Content-Type")) continue;
    if (f.name.empty() || !valid_header_text(f.name) || !valid_header_text(f.value)) {
      spdlog::warn("dropping response header with a control character: {}", f.name);
      continue;
    }
    out += f.name;
    out += ": ";
    out += f.value;
    out += "\r\n";
  }
  out += "\r\n";
  return !no_body && !head_request;
}

bool quiet_error(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == asio::error::bad_descriptor || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

// A fixed answer for requests too broken to reach the gateway (no API is known yet).
constexpr std::string_view kBadRequest =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
    "Content-Length: 25\r\nConnection: close\r\n\r\n{\"message\":\"Bad Request\"}";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

template <typename Stream>
asio::awaitable<void> serve(Stream& stream, const SessionEnv& env, SessionState& state,
                            const core::ConnectionInfo& conn) {
  pipeline::Gateway& gateway = *env.gateway;
  pipeline::SnapshotHandle handle;
  beast::flat_buffer buffer;
  std::string head_bytes;
  error_code ec;
  auto on_error = asio::redirect_error(asio::use_awaitable, ec);

  for (;;) {
    // Keep-alive idle: wait for the first byte of the next request.
    if (buffer.size() == 0) {
      if (env.registry->stopping()) co_return;
      state.idle = true;
      state.expires_after(gateway.refresh(handle).snapshot->config().server.limits.idle_timeout);
      std::size_t n = co_await stream.async_read_some(buffer.prepare(kReadChunk), on_error);
      state.idle = false;
      if (ec || state.closing) co_return;
      buffer.commit(n);
    }
    // The request starts now: it gets the config installed now, and keeps it (and `limits`)
    // until it is answered, even if a reload swaps in another meanwhile.
    const config::LimitsConfig& limits = gateway.refresh(handle).snapshot->config().server.limits;

    pipeline::Exchange ex;
    ex.role = env.role;
    core::Request& req = ex.ctx.request;
    req.connection = conn;
    req.headers.reserve(16);
    RequestParser parser(req);
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);

    // Request line and headers, under the header deadline (slowloris).
    state.expires_after(limits.header_timeout);
    co_await http::async_read_header(stream, buffer, parser, on_error);
    std::optional<core::GatewayError> refused;
    if (ec == http::error::header_limit) {
      refused = core::GatewayError::of(
          core::ErrorKind::kHeadersTooLarge,
          "HTTP header is larger than " + std::to_string(limits.max_header_bytes) + " bytes.");
    } else if (ec == http::error::body_limit) {
      refused = core::GatewayError::of(
          core::ErrorKind::kRequestTooLarge,
          "HTTP content length exceeded " + std::to_string(limits.max_body_bytes) + " bytes.");
    } else if (ec) {
      if (!state.closing && !quiet_error(ec)) {
        spdlog::debug("{}:{}: malformed request: {}", conn.source_ip, conn.source_port,
                      ec.message());
        state.expires_after(limits.body_timeout);
        co_await asio::async_write(stream, asio::buffer(kBadRequest), on_error);
        state.linger = true;
      }
      co_return;
    }
    gateway.begin(ex, handle);
    const unsigned version = req.version;
    const bool head_request = req.method == "HEAD";
    bool keep_alive = !refused && parser.keep_alive();

    // Body, refused when too large before (Content-Length) or while (chunked) reading it.
    if (!refused && !parser.is_done()) {
      if (version == 11 && core::iequals(req.headers.get("Expect"), "100-continue")) {
        state.expires_after(limits.body_timeout);
        co_await asio::async_write(stream, asio::buffer(kContinue), on_error);
        if (ec) co_return;
      }
      state.expires_after(limits.body_timeout);
      co_await http::async_read(stream, buffer, parser, on_error);
      if (ec == http::error::body_limit) {
        refused = core::GatewayError::of(
            core::ErrorKind::kRequestTooLarge,
            "HTTP content length exceeded " + std::to_string(limits.max_body_bytes) + " bytes.");
        keep_alive = false;
      } else if (ec) {
        if (!state.closing && !quiet_error(ec)) {
          spdlog::debug("{}:{}: bad request body: {}", conn.source_ip, conn.source_port,
                        ec.message());
          state.expires_after(limits.body_timeout);
          co_await asio::async_write(stream, asio::buffer(kBadRequest), on_error);
          state.linger = true;
        }
        co_return;
      }
    }

    core::Response response;
    if (refused) {
      response = gateway.reject(ex, std::move(*refused));
      state.linger = true;
    } else {
      // The integration enforces its own deadline; the connection has none while it runs.
      state.expires_never();
      response = co_await gateway.run(ex);
    }
    if (env.registry->stopping() || state.closing) keep_alive = false;

    ex.ctx.status = response.status;
    ex.ctx.response_length = head_request ? 0 : response.body.size();
    bool with_body = serialize_head(head_bytes, response, version, head_request, keep_alive);
    state.expires_after(limits.body_timeout);
    if (with_body) {
      std::array<asio::const_buffer, 2> buffers{asio::buffer(head_bytes),
                                                asio::buffer(response.body)};
      co_await asio::async_write(stream, buffers, on_error);
    } else {
      co_await asio::async_write(stream, asio::buffer(head_bytes), on_error);
    }
    gateway.complete(ex);
    if (ec || !keep_alive) co_return;
  }
}

// Lingering close (as nginx does): after answering a request whose body was not read (413,
// 400), stop sending and discard what the client is still sending for a moment. Closing at
// once would make the kernel answer the in-flight body with a reset, and many clients then
// report "connection reset" instead of the response.
asio::awaitable<void> linger(tcp::socket& socket, SessionState& state) {
  constexpr std::size_t kMaxDiscard = 16 * 1024 * 1024;
  error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  state.expires_after(std::chrono::seconds(2));
  std::array<char, 16384> scratch;
  std::size_t discarded = 0;
  while (!ec && !state.closing && discarded < kMaxDiscard) {
    discarded += co_await socket.async_read_some(asio::buffer(scratch),
                                                 asio::redirect_error(asio::use_awaitable, ec));
  }
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
  auto& deadlines =
      asio::use_service<DeadlineService>(asio::query(executor, asio::execution::context));

  std::optional<asio::ssl::stream<tcp::socket&>> tls;
  SessionState state(socket);
  auto control = std::make_shared<ConnectionControl>();
  control->executor = executor;
  // Busy connections finish their request and then close (keep-alive is turned off).
  control->close_if_idle = [&state] {
    if (state.idle) state.close();
  };
  control->close_now = [&state] { state.close(); };
  auto id = env.registry->add(control);
  if (!id) co_return;  // over maxConnections or shutting down: the socket closes here
  env.gateway->metrics().connection_opened();
  deadlines.watch(state);

  try {
    if (env.tls) {
      tls.emplace(socket, *env.tls);
      state.expires_after(
          env.gateway->installed()->snapshot->config().server.limits.header_timeout);
      co_await tls->async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
      if (!ec && !state.closing) {
        co_await serve(*tls, env, state, conn);
        if (!state.closing) {
          // TLS close_notify, bounded: a peer that vanished must not hold the connection.
          state.expires_after(std::chrono::seconds(1));
          co_await tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
        }
      }
    } else {
      co_await serve(socket, env, state, conn);
      if (state.linger && !state.closing) co_await linger(socket, state);
    }
  } catch (const std::exception& e) {
    // Last resort: nothing on the data path should throw.
    spdlog::error("{}:{}: connection failed: {}", conn.source_ip, conn.source_port, e.what());
  }
  deadlines.unwatch(state);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
  // Registry requests may still be queued for this executor; they must find nothing to close.
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
