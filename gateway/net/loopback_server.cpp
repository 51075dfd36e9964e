#include "gateway/net/loopback_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <list>

#include "gateway/net/http_wire.hpp"
#include "gateway/net/stream_io.hpp"

namespace gh::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

/// The most answer bytes a connection holds back (see LoopbackServer::Flush).
constexpr std::size_t kMaxHeldBytes = 64 * 1024;

/// What the Runtime Interface Emulator's server, Go's net/http, writes before it closes a
/// connection whose request does not parse (net/http server.go, conn.serve): 431 for a header
/// over the limit, 501 for a transfer coding it does not know, 400 for the rest; nothing when
/// the peer closed or the socket failed, and nothing past the discarded-body limit (closed, as
/// Options says).
std::string_view refusal_for(const error_code& ec) {
  namespace http = boost::beast::http;
  if (ec.category() != http::make_error_code(http::error::end_of_stream).category() ||
      ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == http::error::body_limit) {
    return {};
  }
  constexpr std::string_view kHeaders =
      "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n";
  static const std::string k431 = "HTTP/1.1 431 Request Header Fields Too Large" +
                                  std::string(kHeaders) + "431 Request Header Fields Too Large";
  static const std::string k501 =
      "HTTP/1.1 501 Not Implemented" + std::string(kHeaders) + "Unsupported transfer encoding";
  static const std::string k400 =
      "HTTP/1.1 400 Bad Request" + std::string(kHeaders) + "400 Bad Request";
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) return k431;
  if (ec == http::error::bad_transfer_encoding) return k501;
  return k400;
}

/// Sends the answers held back on a connection. A failed write shows in the next read (or no
/// longer matters: the connection is ending).
asio::awaitable<void> send_held(tcp::socket& socket, std::string& held) {
  if (held.empty()) co_return;
  error_code ignored;
  co_await write_all(socket, asio::buffer(held), ignored);
  held.clear();
}

/// The socket as read_message() reads it: answers held back are sent before it waits for more
/// bytes, so a peer that sent only part of its next request is never left waiting for them.
struct HoldingReader {
  tcp::socket& socket;
  std::string& held;

  template <typename Token>
  asio::awaitable<std::size_t> async_read_some(asio::mutable_buffer into, Token token) {
    if (!held.empty()) co_await send_held(socket, held);  // (no coroutine frame per read)
    co_return co_await socket.async_read_some(into, std::move(token));
  }
};

class Server final : public LoopbackServer, public std::enable_shared_from_this<Server> {
 public:
  Server(asio::any_io_executor executor, Handler handler, Options options)
      : acceptor_(executor), handler_(std::move(handler)), options_(std::move(options)) {
    tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
  }

  void run() {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(shared_from_this()), asio::detached);
  }

  std::uint16_t port() const override { return port_; }

  void close() override {
    closed_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    for (tcp::socket* socket : sockets_) {
      socket->shutdown(tcp::socket::shutdown_both, ignored);
      socket->close(ignored);
    }
  }

 private:
  static asio::awaitable<void> accept_loop(std::shared_ptr<Server> self) {
    error_code ec;
    for (;;) {
      tcp::socket socket(self->acceptor_.get_executor());
      co_await self->acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || self->closed_) co_return;
      socket.set_option(tcp::no_delay(true), ec);
      socket.non_blocking(true, ec);  // for write_now (stream_io.hpp)
      if (ec) continue;
      asio::co_spawn(self->acceptor_.get_executor(), session(self, std::move(socket)),
                     asio::detached);
    }
  }

  static asio::awaitable<void> session(std::shared_ptr<Server> self, tcp::socket socket) {
    auto registered = self->sockets_.insert(self->sockets_.end(), &socket);
    beast::flat_buffer buffer;
    std::string head;
    std::string held;  // answers not sent yet (LoopbackServer::Flush)
    HoldingReader reader{socket, held};
    const Flush flush = [&socket, &held] { return send_held(socket, held); };
    error_code ec;
    while (!self->closed_) {
      core::Request request;
      RequestParser parser(request);
      parser.header_limit(static_cast<std::uint32_t>(self->options_.max_header_bytes));
      parser.body_limit(self->options_.too_large ? self->options_.max_discarded_body_bytes
                                                 : self->options_.max_body_bytes);
      parser.keep_body_up_to(self->options_.max_body_bytes);
      // Parsed inline from what is buffered (a runtime's GET /next is usually already there,
      // pipelined after its POST /response) and written in place: stream_io.hpp.
      bool waited = false;
      co_await read_message(reader, buffer, parser, /*header_only=*/false, ec, waited);
      if (self->closed_) break;
      if (ec) {
        // A next request that does not parse ends the connection, but the answers held for
        // the requests before it are still owed, and the broken one is answered as the
        // Runtime Interface Emulator's server (Go's net/http) answers it, then closed.
        if (const std::string_view refusal = refusal_for(ec); !refusal.empty()) held += refusal;
        co_await send_held(socket, held);
        break;
      }
      bool keep_alive = parser.keep_alive();
      // Two statements, not one `?:`: GCC 12 miscompiles co_await inside a conditional
      // expression (the frame's temporaries are destroyed twice).
      core::Response response;
      if (parser.body_overflowed()) {
        response = co_await self->options_.too_large(request, flush);
      } else {
        response = co_await self->handler_(request, flush);
      }
      if (self->closed_) break;
      serialize_head(head, response, request.version, request.method == "HEAD", keep_alive);
      // The next request is already (at least partly) here: hold this answer and send it with
      // the next one (LoopbackServer::Flush, HoldingReader).
      if (keep_alive && buffer.size() > 0 &&
          held.size() + head.size() + response.body.size() <= kMaxHeldBytes) {
        held += head;
        held += response.body;
        continue;
      }
      std::array<asio::const_buffer, 3> out{asio::buffer(held), asio::buffer(head),
                                            asio::buffer(response.body)};
      std::size_t written = 0;
      if (!write_now(socket, out, ec, written)) co_await write_rest(socket, out, written, ec);
      held.clear();
      if (ec || !keep_alive) break;
    }
    self->sockets_.erase(registered);
    error_code ignored;
    socket.close(ignored);
  }

  tcp::acceptor acceptor_;
  Handler handler_;
  Options options_;
  std::uint16_t port_ = 0;
  bool closed_ = false;
  std::list<tcp::socket*> sockets_;
};

}  // namespace

std::shared_ptr<LoopbackServer> LoopbackServer::start(asio::any_io_executor executor,
                                                      Handler handler, Options options) {
  auto server =
      std::make_shared<Server>(std::move(executor), std::move(handler), std::move(options));
  server->run();
  return server;
}

}  // namespace gh::net
