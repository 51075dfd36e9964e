#include "gateway/net/http_session.hpp"

#include <sys/sendfile.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <memory>
#include <optional>

#include "gateway/net/connection_registry.hpp"
#include "gateway/net/deadline_service.hpp"
#include "gateway/net/fast_head.hpp"
#include "gateway/net/http_wire.hpp"
#include "gateway/net/session_state.hpp"
#include "gateway/net/stream_io.hpp"
#include "gateway/net/websocket_session.hpp"
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

/// The largest body the services listener reads for a service API that streams it: S3's
/// PutObject maximum, 5 GiB, plus room for aws-chunked framing (a chunk header and signature
/// per 8 KiB chunk at worst, ~1.2 %). The sink's own max_bytes() is the real limit.
constexpr std::uint64_t kMaxStreamedBody = 5ull * 1024 * 1024 * 1024 * 103 / 100;

enum class SendFileResult { kSent, kFailed, kUnsupported };

/// write_source's path for a body that is a span of a file on a plain TCP socket: sendfile(2)
/// as much as the socket takes, then waits until it takes more (the body deadline re-armed for
/// each step, as for writes). kUnsupported: the file's filesystem cannot sendfile, and nothing
/// was sent (the caller reads the body instead).
asio::awaitable<SendFileResult> send_file(tcp::socket& socket, core::BodySource::FileSpan span,
                                          std::uint64_t left, SessionState& state,
                                          const config::LimitsConfig& limits) {
  // sendfile moves at most 0x7ffff000 bytes per call.
  constexpr std::uint64_t kMaxPerCall = 0x7ffff000;
  auto offset = static_cast<off_t>(span.offset);
  const std::uint64_t size = left;
  error_code ec;
  while (left > 0) {
    state.expires_after(limits.body_timeout);
    const ssize_t n = ::sendfile(socket.native_handle(), span.fd, &offset,
                                 static_cast<std::size_t>(std::min(left, kMaxPerCall)));
    if (n > 0) {
      left -= static_cast<std::uint64_t>(n);
    } else if (n == 0) {
      spdlog::warn("a streamed response body ended {} bytes early: end of data", left);
      co_return SendFileResult::kFailed;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      co_await socket.async_wait(tcp::socket::wait_write,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return SendFileResult::kFailed;
    } else if ((errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) && left == size) {
      co_return SendFileResult::kUnsupported;
    } else if (errno != EINTR) {
      // The client went away (EPIPE, ECONNRESET; Server::start ignores SIGPIPE), or the file
      // failed.
      co_return SendFileResult::kFailed;
    }
  }
  co_return SendFileResult::kSent;
}

/// Sends a BodySource's bytes in pieces, each write under the body deadline (a client that
/// stops reading is cut off). False when the source failed or ended early, or a write failed.
template <typename Stream>
asio::awaitable<bool> write_source(Stream& stream, core::BodySource& source, SessionState& state,
                                   const config::LimitsConfig& limits) {
  if constexpr (kDirectIo<Stream>) {
    if (const auto span = source.file(); span.fd >= 0) {
      const SendFileResult sent = co_await send_file(stream, span, source.size(), state, limits);
      if (sent != SendFileResult::kUnsupported) co_return sent == SendFileResult::kSent;
    }
  }
  // 64 KiB: a few syscalls per MiB, and below malloc's mmap threshold (cheap to allocate).
  constexpr std::size_t kPiece = 64 * 1024;
  std::unique_ptr<char[]> piece(new char[kPiece]);
  std::uint64_t left = source.size();
  error_code ec;
  while (left > 0) {
    std::error_code read_error;
    std::size_t n = source.read(
        piece.get(), static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, left)), read_error);
    if (read_error || n == 0) {
      spdlog::warn("a streamed response body ended {} bytes early: {}", left,
                   read_error ? read_error.message() : "end of data");
      co_return false;
    }
    state.expires_after(limits.body_timeout);
    co_await write_all(stream, asio::buffer(piece.get(), n), ec);
    if (ec) co_return false;
    left -= n;
  }
  co_return true;
}

template <typename Stream>
asio::awaitable<void> serve(Stream& stream, const SessionEnv& env, SessionState& state,
                            const core::ConnectionInfo& conn) {
  pipeline::Gateway& gateway = *env.gateway;
  pipeline::SnapshotHandle handle;
  beast::flat_buffer buffer;
  std::string head_bytes;
  error_code ec;
  // Requests served in a row without waiting for the socket (a client that pipelines): every
  // so often the connection yields, so that one client cannot hold its thread.
  constexpr unsigned kMaxStreak = 16;
  unsigned streak = 0;
  bool waited = false;

  for (;;) {
    if (waited) {
      streak = 0;
    } else if (++streak >= kMaxStreak) {
      streak = 0;
      // (The executor is awaited into a local first: GCC 12 mishandles a co_await inside a
      // call's arguments, see docs/architecture.md.)
      auto executor = co_await asio::this_coro::executor;
      co_await asio::post(executor, asio::use_awaitable);
    }
    waited = false;
    // Keep-alive idle: wait for the first byte of the next request.
    if (buffer.size() == 0) {
      if (env.registry->stopping()) co_return;
      state.idle = true;
      state.expires_after(gateway.refresh(handle).snapshot->config().server.limits.idle_timeout);
      std::size_t n = co_await read_some(stream, buffer.prepare(kReadChunk), ec, waited);
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
    // The services listener may stream a body to a service API (S3 uploads, up to its own
    // limit): Beast checks a Content-Length against this limit as soon as the head is parsed,
    // so it is the larger one there, and the request's own limit is applied after the head.
    parser.body_limit(env.role == config::ListenerRole::kServices
                          ? std::max<std::uint64_t>(limits.max_body_bytes, kMaxStreamedBody)
                          : limits.max_body_bytes);

    // The usual request (a plain head, and a Content-Length body that has arrived with it) is
    // parsed in one pass when it is in the buffer already (fast_head.hpp); its body stays in
    // the buffer until it is taken below. Anything else, or a head still arriving, is Beast's:
    // the request line and headers under the header deadline (slowloris).
    RequestHead fast;
    const auto bytes = buffer.data();
    const bool parsed_fast =
        parse_request_head(std::string_view(static_cast<const char*>(bytes.data()), bytes.size()),
                           limits.max_header_bytes, limits.max_body_bytes, req,
                           fast) == HeadParse::kParsed;
    bool fast_body_waiting = false;  // the fast head's body, not taken yet, in `buffer`
    if (parsed_fast) {
      buffer.consume(fast.size);
      fast_body_waiting = fast.content_length > 0;
      ec = {};
    } else {
      req.headers.clear();  // what the fast parser took before it declined
      state.expires_after(limits.header_timeout);
      co_await read_message(stream, buffer, parser, true, ec, waited);
    }
    auto body_done = [&] { return parsed_fast ? !fast_body_waiting : parser.is_done(); };
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
        co_await write_all(stream, asio::buffer(kBadRequest), ec);
        state.linger = true;
      }
      co_return;
    }
    gateway.begin(ex, handle);
    const unsigned version = req.version;
    const bool head_request = req.method == "HEAD";
    bool keep_alive = !refused && (parsed_fast ? fast.keep_alive : parser.keep_alive());

    // The body's limit: a service API's sink's (it takes the body as it arrives), else the
    // service's own for a whole body, else maxBodyBytes. Beast counts what it still accepts
    // from here on.
    std::uint64_t body_limit = limits.max_body_bytes;
    core::BodySink* sink = nullptr;
    if (!refused && env.role == config::ListenerRole::kServices && !body_done()) {
      sink = gateway.stream_body(ex, body_limit);
      if (sink) body_limit = sink->max_bytes();
    }
    ex.body_limit = body_limit;
    if (!refused && !body_done()) {
      // (Beast's content_length() asserts a complete head: asked only here.)
      const std::optional<std::uint64_t> content_length = [&]() -> std::optional<std::uint64_t> {
        if (parsed_fast) return fast.content_length;
        if (auto n = parser.content_length()) return *n;
        return std::nullopt;  // chunked
      }();
      if (content_length && *content_length > body_limit) {
        refused = core::GatewayError::of(
            core::ErrorKind::kRequestTooLarge,
            "HTTP content length exceeded " + std::to_string(body_limit) + " bytes.");
        keep_alive = false;
      } else if (!parsed_fast) {
        parser.body_limit(body_limit);
        parser.stream_body_to(sink);
        // A streamed body is large: read it 64 KiB at a time (Beast's largest read), not in
        // the 8 KiB the buffer grew to for heads. Shrunk again after the request.
        if (sink) buffer.reserve(64 * 1024);
      }
    }
    // A sink that refused the request already (before its body): answer without reading it.
    const bool skip_body = sink && !sink->accepting();
    if (skip_body) keep_alive = false;

    // Body, refused when too large before (Content-Length) or while (chunked) reading it.
    const bool expects_continue =
        version == 11 && core::iequals(req.headers.get("Expect"), "100-continue");
    if (!refused && body_done() && expects_continue) {
      // An empty body still gets its 100 (RFC 9110 §10.1.1 allows either): botocore keeps a
      // final answer to its Expect as the status of the connection's NEXT response otherwise.
      state.expires_after(limits.body_timeout);
      co_await write_all(stream, asio::buffer(kContinue), ec);
      if (ec) co_return;
    }
    if (!refused && !skip_body && !body_done()) {
      if (expects_continue) {
        state.expires_after(limits.body_timeout);
        co_await write_all(stream, asio::buffer(kContinue), ec);
        if (ec) co_return;
      }
      if (parsed_fast) {
        // The whole body is in the buffer: one copy into the request, or into the sink.
        const std::string_view body(static_cast<const char*>(buffer.data().data()),
                                    static_cast<std::size_t>(fast.content_length));
        if (sink) {
          sink->write(body);
          if (!sink->accepting()) keep_alive = false;  // as when Beast feeds it: answer, close
        } else {
          req.body.assign(body);
        }
        buffer.consume(body.size());
        fast_body_waiting = false;
      } else {
        state.expires_after(limits.body_timeout);
        co_await read_message(stream, buffer, parser, false, ec, waited);
      }
      if (ec && parser.body_refused_by_sink()) {
        keep_alive = false;  // the rest of the body is not read: answer, then close
      } else if (ec == http::error::body_limit) {
        refused = core::GatewayError::of(
            core::ErrorKind::kRequestTooLarge,
            "HTTP content length exceeded " + std::to_string(body_limit) + " bytes.");
        keep_alive = false;
      } else if (ec) {
        if (!state.closing && !quiet_error(ec)) {
          spdlog::debug("{}:{}: bad request body: {}", conn.source_ip, conn.source_port,
                        ec.message());
          state.expires_after(limits.body_timeout);
          co_await write_all(stream, asio::buffer(kBadRequest), ec);
          state.linger = true;
        }
        co_return;
      }
    }

    if (skip_body || (sink && !keep_alive)) state.linger = true;

    if (!refused && gateway.is_websocket_handshake(ex)) {
      // The connection becomes a WebSocket (or is refused by $connect) and ends with it.
      co_await serve_websocket(stream, buffer, ex, handle, env, state);
      co_return;
    }

    core::Response response;
    if (refused) {
      response = gateway.reject(ex, std::move(*refused));
      state.linger = true;
    } else {
      // The integration enforces its own deadline; the connection has none while it runs.
      state.expires_never();
      if (!gateway.run_now(ex, response)) co_await gateway.run(ex, response);
    }
    if (env.registry->stopping() || state.closing) keep_alive = false;

    ex.ctx.status = response.status;
    const std::uint64_t body_size =
        response.body_source ? response.body_source->size() : response.body.size();
    ex.ctx.response_length = head_request ? 0 : static_cast<std::size_t>(body_size);
    bool with_body = serialize_head(head_bytes, response, version, head_request, keep_alive);
    state.expires_after(limits.body_timeout);
    if (with_body && response.body_source) {
      co_await write_all(stream, asio::buffer(head_bytes), ec);
      if (!ec && !co_await write_source(stream, *response.body_source, state, limits)) {
        ec = asio::error::connection_aborted;  // cut mid-body: the client sees a short body
      }
    } else if (with_body) {
      // The common answer, written in place when the socket takes it (no coroutine frame).
      std::array<asio::const_buffer, 2> buffers{asio::buffer(head_bytes),
                                                asio::buffer(response.body)};
      std::size_t written = 0;
      if (!write_now(stream, buffers, ec, written)) {
        co_await write_rest(stream, buffers, written, ec);
      }
    } else {
      co_await write_all(stream, asio::buffer(head_bytes), ec);
    }
    gateway.complete(ex);
    if (ec || !keep_alive) co_return;
    if (sink && buffer.capacity() > 2 * kReadChunk) buffer.shrink_to_fit();
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
  // stream_io.hpp's direct reads and writes: would_block instead of blocking the thread.
  socket.non_blocking(true, ec);
  // A read that empties the socket ends the recv() attempts until epoll (read_buffer.hpp).
  enable_read_hints(socket);

  auto executor = socket.get_executor();
  auto& deadlines =
      asio::use_service<DeadlineService>(asio::query(executor, asio::execution::context));

  std::optional<asio::ssl::stream<tcp::socket&>> tls;
  SessionState state(socket);
  auto control = std::make_shared<ConnectionControl>();
  control->executor = executor;
  // Busy connections finish their request and then close (keep-alive is turned off).
  control->close_if_idle = [&state] {
    if (state.going_away) {
      state.going_away();  // a WebSocket: close frame 1001, then $disconnect
    } else if (state.idle) {
      state.close();
    }
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
