#include "gateway/net/websocket_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include "gateway/core/services.hpp"
#include "gateway/core/websocket_connections.hpp"
#include "gateway/net/frame_meter.hpp"
#include "gateway/net/http_wire.hpp"
#include "gateway/util/time_format.hpp"

namespace gh::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {

std::int64_t now_ms() { return util::epoch_millis(std::chrono::system_clock::now()); }

/// The registry's handle on one open connection. send()/close() may come from any thread: they
/// count the bytes (the bound) and post the work to the connection's executor, where the
/// session's writer owns the queue.
class Connection final : public core::WebSocketConnection,
                         public std::enable_shared_from_this<Connection> {
 public:
  struct Item {
    std::string text;
    bool close = false;
    int code = 1000;
  };

  Connection(asio::any_io_executor executor, std::size_t max_pending)
      : executor_(std::move(executor)), max_pending_(max_pending) {}

  SendResult send(std::string message) override {
    if (!open_.load()) return SendResult::kGone;
    std::size_t size = message.size();
    if (pending_.fetch_add(size) + size > max_pending_) {
      pending_.fetch_sub(size);
      return SendResult::kQueueFull;
    }
    asio::post(executor_, [self = shared_from_this(), m = std::move(message)]() mutable {
      self->push(Item{std::move(m)});
    });
    return SendResult::kQueued;
  }

  void close(int code, std::string reason) override {
    asio::post(executor_, [self = shared_from_this(), code, r = std::move(reason)]() mutable {
      self->push(Item{std::move(r), true, code});
    });
  }

  // --- on the executor --------------------------------------------------------------------

  /// Queues an item (replies of two-way routes are queued here directly).
  void push(Item item) {
    if (!running_) {
      if (!item.close) pending_.fetch_sub(item.text.size());
      return;
    }
    queue_.push_back(std::move(item));
    if (wake_) wake_->cancel();
  }
  /// Counts a reply queued from the executor itself against the bound.
  void push_reply(std::string text) {
    pending_.fetch_add(text.size());
    push(Item{std::move(text)});
  }

  std::deque<Item> queue_;
  asio::steady_timer* wake_ = nullptr;
  bool running_ = false;
  std::atomic<bool> open_{false};
  std::atomic<std::size_t> pending_{0};

 private:
  asio::any_io_executor executor_;
  std::size_t max_pending_;
};

template <typename Stream>
asio::awaitable<void> refuse(Stream& stream, pipeline::Exchange& ex, const pipeline::Gateway& gw,
                             core::Response response, SessionState& state) {
  // A refused handshake gets the integration's (or the auth phase's) status and body instead
  // of 101 (aws-behaviour.md §2.3).
  std::string head;
  ex.ctx.status = response.status;
  ex.ctx.response_length = response.body.size();
  serialize_head(head, response, ex.ctx.request.version, false, false);
  error_code ec;
  state.expires_after(std::chrono::seconds(10));
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(response.body)};
  co_await asio::async_write(stream, buffers, asio::redirect_error(asio::use_awaitable, ec));
  gw.complete(ex);
}

template <typename Stream>
asio::awaitable<void> serve(Stream& stream, beast::flat_buffer& buffer, pipeline::Exchange& ex,
                            pipeline::SnapshotHandle& handle, const SessionEnv& env,
                            SessionState& state) {
  const pipeline::Gateway& gw = *env.gateway;
  const config::LimitsConfig limits = ex.limits();
  auto on_error = [](error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); };
  error_code ec;

  pipeline::WebSocketSession session;
  state.expires_never();  // $connect's integration has its own deadline
  core::Response verdict = co_await gw.websocket_connect(ex, session);
  if (verdict.status < 200 || verdict.status >= 300) {
    co_await refuse(stream, ex, gw, std::move(verdict), state);
    co_return;
  }

  // The meter sees the frame headers Beast hides, for AWS's 32 KB frame limit.
  websocket::stream<FrameMeter<Stream>> ws(stream, limits.websocket_max_frame_bytes);
  ws.read_message_max(limits.websocket_max_message_bytes);
  ws.auto_fragment(false);
  // Unmasked server frames are written from the message itself; Beast's 4 KB default write
  // buffer would sit unused in every idle connection.
  ws.write_buffer_bytes(256);
  ws.set_option(websocket::stream_base::decorator([&verdict](websocket::response_type& res) {
    // $connect's answer headers join the 101: Sec-WebSocket-Protocol negotiation [DOC].
    for (const auto& f : verdict.headers) {
      if (core::iequals(f.name, "Content-Type") || core::iequals(f.name, "Content-Length")) {
        continue;
      }
      res.set(f.name, f.value);
    }
    res.set(http::field::server, "Gatehouse");
  }));
  {
    http::request<http::empty_body> req;
    req.method_string(ex.ctx.request.method);
    req.target(ex.ctx.request.target);
    req.version(11);
    for (const auto& f : ex.ctx.request.headers) req.insert(f.name, f.value);
    state.expires_after(limits.header_timeout);
    co_await ws.async_accept(req, on_error(ec));
  }  // the handshake's fields are freed here, not kept for the connection's life
  if (ec) {
    spdlog::debug("websocket handshake failed: {}", ec.message());
    co_return;
  }
  // A client sends nothing before 101, so nothing was read past the request: give the HTTP
  // read buffer back (an idle WebSocket should cost little memory).
  buffer.clear();
  buffer.shrink_to_fit();
  ex.ctx.status = 101;
  gw.complete(ex);
  // What the connection needs from now on is in `session`; an idle WebSocket should not keep
  // the handshake request and the $connect answer.
  const std::string user_agent(ex.ctx.request.headers.get("User-Agent"));
  ex.ctx.request = core::Request{};
  verdict = core::Response{};

  auto executor = co_await asio::this_coro::executor;
  auto& registry = ex.ctx.services->get_or_create<core::WebSocketConnections>(
      [] { return std::make_shared<core::WebSocketConnections>(); });
  auto conn = std::make_shared<Connection>(executor, limits.websocket_send_queue_bytes);
  conn->id = session.connection_id;
  conn->api_id = session.api_id;
  conn->stage = session.stage;
  conn->source_ip = session.connection.source_ip;
  conn->user_agent = user_agent;
  conn->connected_at_ms = session.connected_at_ms;
  conn->last_active_ms = session.connected_at_ms;
  conn->running_ = true;
  conn->open_ = true;
  asio::steady_timer wake(executor);
  asio::steady_timer writer_done(executor, asio::steady_timer::time_point::max());
  conn->wake_ = &wake;
  registry.add(conn);
  state.going_away = [conn] { conn->push(Connection::Item{"Going away", true, 1001}); };

  const auto started = std::chrono::steady_clock::now();
  auto deadline = [&] {
    auto idle = std::chrono::steady_clock::now() + limits.websocket_idle_timeout;
    return std::min(idle, started + limits.websocket_max_duration);
  };
  std::chrono::steady_clock::time_point idle_deadline = deadline();
  bool stop = false;
  bool writer_running = true;
  int close_code = 0;

  // The writer: sends queued messages one at a time, closes when asked, and closes with 1001
  // when the connection has been idle too long or open for the maximum duration.
  asio::co_spawn(
      executor,
      [&]() -> asio::awaitable<void> {
        error_code wec;
        while (!stop) {
          if (conn->queue_.empty()) {
            // Once closing, only the reader's end (or a send to drop) wakes the writer: the
            // idle deadline has passed and must not fire again and again.
            wake.expires_at(close_code != 0 ? asio::steady_timer::time_point::max()
                                            : idle_deadline);
            co_await wake.async_wait(on_error(wec));
            if (!wec && !stop && close_code == 0 &&
                std::chrono::steady_clock::now() >= idle_deadline) {
              conn->queue_.push_back(Connection::Item{"Going away", true, 1001});
            }
            continue;
          }
          Connection::Item item = std::move(conn->queue_.front());
          conn->queue_.pop_front();
          if (item.close) {
            if (close_code == 0) {
              close_code = item.code;
              state.expires_after(std::chrono::seconds(5));  // a peer that never answers
              co_await ws.async_close(
                  websocket::close_reason(static_cast<websocket::close_code>(item.code), item.text),
                  on_error(wec));
            }
            continue;
          }
          conn->pending_.fetch_sub(item.text.size());
          if (close_code != 0) continue;
          ws.text(true);
          co_await ws.async_write(asio::buffer(item.text), on_error(wec));
          if (wec) break;
          conn->last_active_ms = now_ms();
          idle_deadline = deadline();
        }
        writer_running = false;
        writer_done.cancel();
      },
      asio::detached);

  // The reader: one message at a time to its route.
  beast::flat_buffer frames;
  std::string disconnect_reason;
  int disconnect_code = 1006;
  std::uint64_t messages_read = 0;
  for (;;) {
    state.expires_never();  // idle and duration are the writer's; the socket has no deadline
    co_await ws.async_read(frames, on_error(ec));
    if (ec) {
      if (ec == websocket::error::closed) {
        disconnect_code = ws.reason().code;
        disconnect_reason = std::string(ws.reason().reason.c_str());
      } else if (ec == websocket::error::message_too_big) {
        disconnect_code = 1009;  // Beast closes with "message too big" (AWS: 1009)
        disconnect_reason = "Message too big";
      } else if (close_code != 0) {
        disconnect_code = close_code;
      }
      break;
    }
    conn->last_active_ms = now_ms();
    idle_deadline = deadline();
    const std::uint64_t index = messages_read++;
    auto oversized = ws.next_layer().scanner().oversized_message();
    if (oversized && index >= *oversized) {
      // A frame over the limit (32 KB by default): AWS closes with 1009 (aws-behaviour.md §2.5).
      frames.consume(frames.size());
      conn->push(Connection::Item{"Frame too big", true, 1009});
      continue;
    }
    if (ws.got_binary()) {
      // AWS does not take binary frames: the connection is closed with 1003.
      frames.consume(frames.size());
      conn->push(Connection::Item{"Binary frames are not supported", true, 1003});
      continue;
    }
    std::string text = beast::buffers_to_string(frames.data());
    frames.consume(frames.size());
    if (frames.capacity() > 16 * 1024) frames.shrink_to_fit();  // after a large message
    if (close_code != 0) continue;
    std::optional<std::string> reply =
        co_await gw.websocket_message(handle, session, std::move(text));
    if (reply) conn->push_reply(std::move(*reply));
  }
  if (disconnect_code == 1006 && close_code != 0) disconnect_code = close_code;

  // Stop the writer and wait for it (it may be in a write on this stream).
  conn->open_ = false;
  stop = true;
  wake.cancel();
  if (writer_running) {
    co_await writer_done.async_wait(on_error(ec));
  }
  conn->running_ = false;
  conn->wake_ = nullptr;
  conn->queue_.clear();
  registry.remove(conn->id);
  state.going_away = nullptr;
  state.expires_never();
  co_await gw.websocket_disconnect(handle, session, disconnect_code, disconnect_reason);
}

}  // namespace

asio::awaitable<void> serve_websocket(asio::ip::tcp::socket& stream, beast::flat_buffer& buffer,
                                      pipeline::Exchange& ex, pipeline::SnapshotHandle& handle,
                                      const SessionEnv& env, SessionState& state) {
  co_await serve(stream, buffer, ex, handle, env, state);
}

asio::awaitable<void> serve_websocket(asio::ssl::stream<asio::ip::tcp::socket&>& stream,
                                      beast::flat_buffer& buffer, pipeline::Exchange& ex,
                                      pipeline::SnapshotHandle& handle, const SessionEnv& env,
                                      SessionState& state) {
  co_await serve(stream, buffer, ex, handle, env, state);
}

}  // namespace gh::net
