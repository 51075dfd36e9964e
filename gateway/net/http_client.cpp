#include "gateway/net/http_client.hpp"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cassert>
#include <deque>
#include <filesystem>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/net/deadline_service.hpp"
#include "gateway/net/fast_head.hpp"
#include "gateway/net/stream_io.hpp"

namespace gh::net {

using namespace std::string_view_literals;  // literals appended without a strlen each

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

// ------------------------------------------------------------------------------- connections

// How far ahead a deadline must be for the coarse DeadlineService to watch it (accurate to about
// its 100 ms tick, and free per request). Nearer deadlines (a timeoutInMillis of a second or
// two, AWS allows 50 ms) get a timer of their own.
constexpr auto kCoarseDeadlineFrom = std::chrono::seconds(3);

// One upstream connection. Its deadline (see arm()) closes the socket when it passes: whatever
// operation is pending, or starts next, then fails, and timed_out() tells a timeout from other
// failures by the clock. Closing rather than cancelling also fails the next operation when the
// deadline passes between two. A completion queued before the deadline still arrives as a
// success, so exchange() pools a connection only while its socket is open.
struct Connection final : DeadlineService::Entry {
  explicit Connection(const asio::any_io_executor& executor)
      : deadlines(
            asio::use_service<DeadlineService>(asio::query(executor, asio::execution::context))),
        timer(executor) {}
  ~Connection() override { disarm(); }

  // Declared first so it is destroyed last: the SSL object below refers to it.
  std::shared_ptr<ssl::context> tls_context;
  std::unique_ptr<tcp::socket> plain;
  std::unique_ptr<ssl::stream<tcp::socket>> tls;
  beast::flat_buffer buffer;

  tcp::socket& lowest() { return tls ? tls->next_layer() : *plain; }

  /// Closes the socket at `deadline` unless disarm() comes first.
  void arm(Clock::time_point deadline, Clock::time_point now) {
    disarm();
    if (deadline - now >= kCoarseDeadlineFrom) {
      expires_at(deadline);
      deadlines.watch(*this);
      watched_ = true;
      return;
    }
    timer.expires_at(deadline);
    timed_ = true;
    // The wait may complete after this connection is gone or re-armed: the handler checks both.
    timer.async_wait([alive = std::weak_ptr<int>(alive_), this, armed = ++arms_](error_code ec) {
      if (ec || alive.expired() || armed != arms_) return;
      expire();
    });
  }

  void disarm() {
    if (watched_) {
      deadlines.unwatch(*this);
      watched_ = false;
    }
    if (timed_) {
      ++arms_;
      timer.cancel();
      timed_ = false;
    }
  }

  // Called once per arm() at most; the entry stays watched (its deadline is now "never") until
  // disarm().
  void expire() override {
    error_code ignored;
    lowest().close(ignored);
  }

 private:
  DeadlineService& deadlines;
  asio::steady_timer timer;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::uint64_t arms_ = 0;
  bool watched_ = false;
  bool timed_ = false;
};

// An idle keep-alive connection is silent. Peeking without blocking tells a live one (nothing to
// read) from one the server has closed (EOF), reset, or written junk to; any of those is dropped
// before it costs a failed request.
// Whether the server has closed an idle connection: a non-blocking one-byte peek on the native
// socket (one syscall; toggling Asio's non_blocking() would cost three).
bool still_open(Connection& connection) {
  char byte = 0;
  ssize_t n = ::recv(connection.lowest().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// Nothing read from a TLS connection waits inside it: neither decrypted bytes (SSL_pending)
// nor records OpenSSL or its input BIO hold undecrypted. True for plain connections.
bool tls_drained(Connection& connection) {
  if (!connection.tls) return true;
  SSL* ssl = connection.tls->native_handle();
  return SSL_pending(ssl) == 0 && SSL_has_pending(ssl) == 0 &&
         BIO_ctrl_pending(SSL_get_rbio(ssl)) == 0;
}

// A connection back in the pool for less than this is reused without the peek: servers close
// idle keep-alive connections after seconds, not milliseconds, and under load connections are
// reused within microseconds. The retry-once rule covers the rare late close.
constexpr auto kPeekAfterIdle = std::chrono::seconds(1);

// What a pooled connection may be reused for: the origin and, for HTTPS, the client's trust
// settings. Looked up through a view, so a request builds no key string.
struct PoolKeyView {
  bool https = false;
  std::string_view host;
  std::uint16_t port = 0;
  // The TLS context the connection was verified with (null for plain HTTP): a changed CA file
  // gets a new context on reload (TlsContextCache), and pooled connections keep theirs alive,
  // so an address never stands for two trust settings.
  const void* tls = nullptr;
};

struct PoolKey {
  bool https = false;
  std::string host;
  std::uint16_t port = 0;
  const void* tls = nullptr;

  PoolKeyView view() const noexcept { return {https, host, port, tls}; }
};

struct PoolKeyHash {
  using is_transparent = void;
  std::size_t operator()(const PoolKeyView& k) const noexcept {
    std::size_t h = std::hash<std::string_view>{}(k.host);
    h ^= (static_cast<std::size_t>(k.port) << 1 | static_cast<std::size_t>(k.https)) +
         0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= std::hash<const void*>{}(k.tls) + (h << 6) + (h >> 2);
    return h;
  }
  std::size_t operator()(const PoolKey& k) const noexcept { return (*this)(k.view()); }
};

struct PoolKeyEqual {
  using is_transparent = void;
  static PoolKeyView view(const PoolKeyView& k) noexcept { return k; }
  static PoolKeyView view(const PoolKey& k) noexcept { return k.view(); }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const noexcept {
    const PoolKeyView x = view(a), y = view(b);
    return x.https == y.https && x.port == y.port && x.host == y.host && x.tls == y.tls;
  }
};

// The idle connections of one io_context. An Asio service, so it is created on first use by that
// io_context and destroyed with it: sockets never outlive (or migrate from) the io_context that
// owns them. Lock-free because each io_context is run by one thread (see the header).
class ConnectionPool final : public asio::execution_context::service {
 public:
  using key_type = ConnectionPool;
  static inline asio::execution_context::id id;

  explicit ConnectionPool(asio::execution_context& context) : service(context) {}

  std::unique_ptr<Connection> take(const PoolKeyView& origin_key, Clock::time_point now) {
    check_thread();
    sweep(now);
    auto it = idle_.find(origin_key);
    if (it == idle_.end()) return nullptr;
    auto& list = it->second;
    // Most recently used first: it is the least likely to have been closed by the server.
    while (!list.empty()) {
      Idle item = std::move(list.back());
      list.pop_back();
      --count_;
      if (item.expires <= now) continue;
      if (now - item.returned < kPeekAfterIdle || still_open(*item.connection)) {
        return std::move(item.connection);
      }
    }
    return nullptr;
  }

  void put(const PoolKeyView& origin_key, std::unique_ptr<Connection> connection,
           Clock::time_point now, const ClientOptions& options) {
    check_thread();
    if (options.max_idle_per_origin == 0) return;
    auto it = idle_.find(origin_key);
    if (it == idle_.end()) {
      PoolKey owned{origin_key.https, std::string(origin_key.host), origin_key.port,
                    origin_key.tls};
      it = idle_.emplace(std::move(owned), std::deque<Idle>()).first;
    }
    auto& list = it->second;
    list.push_back({std::move(connection), now + options.idle_timeout, now});
    ++count_;
    while (list.size() > options.max_idle_per_origin) {
      list.pop_front();  // the oldest goes
      --count_;
    }
  }

  std::size_t size() const noexcept { return count_; }

 private:
  struct Idle {
    std::unique_ptr<Connection> connection;
    Clock::time_point expires;
    Clock::time_point returned;
  };

  void shutdown() override {
    idle_.clear();
    count_ = 0;
  }

  // Expired connections are closed lazily, at most once a second, when the pool is used: a timer
  // would count as work and keep an otherwise finished io_context running.
  void sweep(Clock::time_point now) {
    if (now < next_sweep_) return;
    next_sweep_ = now + std::chrono::seconds(1);
    for (auto it = idle_.begin(); it != idle_.end();) {
      count_ -= std::erase_if(it->second, [&](const Idle& i) { return i.expires <= now; });
      it = it->second.empty() ? idle_.erase(it) : std::next(it);
    }
  }

  void check_thread() {
#ifndef NDEBUG
    if (owner_ == std::thread::id()) owner_ = std::this_thread::get_id();
    assert(owner_ == std::this_thread::get_id() && "an io_context must be run by one thread");
#endif
  }

  std::unordered_map<PoolKey, std::deque<Idle>, PoolKeyHash, PoolKeyEqual> idle_;
  std::size_t count_ = 0;
  Clock::time_point next_sweep_{};
  std::thread::id owner_;
};

// ------------------------------------------------------------------------------------- errors

bool timed_out(const error_code& ec, Clock::time_point deadline) {
  return ec == beast::error::timeout || ec == asio::error::timed_out || Clock::now() >= deadline;
}

bool closed_by_peer(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
         ec == asio::error::not_connected || ec == ssl::error::stream_truncated;
}

SendError read_error(const error_code& ec, Clock::time_point deadline, std::size_t body_limit) {
  if (timed_out(ec, deadline)) return {SendErrorKind::kTimeout, "no complete response in time"};
  if (ec == http::error::body_limit) {
    return {SendErrorKind::kTooLarge,
            "response body larger than " + std::to_string(body_limit) + " bytes"};
  }
  if (ec == http::error::end_of_stream) {
    return {SendErrorKind::kConnect, "connection closed before a response"};
  }
  if (ec == http::error::partial_message || closed_by_peer(ec)) {
    return {SendErrorKind::kConnect, "connection closed during the response"};
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return {SendErrorKind::kProtocol, "malformed response: " + ec.message()};
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    return {SendErrorKind::kProtocol, "TLS error reading the response: " + ec.message()};
  }
  return {SendErrorKind::kConnect, "reading the response: " + ec.message()};
}

// ---------------------------------------------------------------------------------------- DNS

// Resolves `host` but completes at `deadline` at the latest. Cancelling a resolver does not
// interrupt a getaddrinfo call in progress, so the lookup and a timer race, the first to finish
// completes the operation, and the loser finishes on its own while the shared state keeps the
// resolver alive.
template <typename Token>
auto async_resolve_until(const asio::any_io_executor& executor, std::string host, std::string port,
                         Clock::time_point deadline, Token&& token) {
  return asio::async_initiate<Token, void(error_code, tcp::resolver::results_type)>(
      [](auto handler, const asio::any_io_executor& ex, std::string h, std::string p,
         Clock::time_point until) {
        using Handler = decltype(handler);
        struct State {
          State(const asio::any_io_executor& e, Handler&& hd)
              : resolver(e), timer(e), handler(std::move(hd)) {}
          tcp::resolver resolver;
          asio::steady_timer timer;
          std::optional<Handler> handler;

          void complete(error_code ec, tcp::resolver::results_type results) {
            if (!handler) return;
            Handler done = std::move(*handler);
            handler.reset();
            timer.cancel();
            resolver.cancel();
            auto done_executor = asio::get_associated_executor(done, resolver.get_executor());
            asio::dispatch(done_executor,
                           [done = std::move(done), ec, results = std::move(results)]() mutable {
                             std::move(done)(ec, std::move(results));
                           });
          }
        };
        auto state = std::make_shared<State>(ex, std::move(handler));
        state->timer.expires_at(until);
        state->timer.async_wait([state](error_code ec) {
          if (!ec) state->complete(asio::error::timed_out, {});
        });
        state->resolver.async_resolve(h, p,
                                      [state](error_code ec, tcp::resolver::results_type results) {
                                        state->complete(ec, std::move(results));
                                      });
      },
      token, executor, std::move(host), std::move(port), deadline);
}

// ---------------------------------------------------------------------------------- exchanges

using Connected = std::variant<std::unique_ptr<Connection>, SendError>;
/// The request as it goes on the wire: status line and headers serialized once per send (both
/// attempts share it), and the body as a view of the caller's string.
struct WireRequest {
  std::string head;
  std::string_view body;
  FileBody file;  // instead of `body` when file.fd >= 0
  ResponseSink* sink = nullptr;
  std::uint64_t sink_above = 0;
  std::chrono::milliseconds progress{0};
};

// Pieces of a streamed body: a few syscalls per MiB, and the memory a request holds stays small.
constexpr std::size_t kBodyPiece = 256 * 1024;
// Direct (non-waiting) reads or writes in a row before one goes through the event loop, so a
// large body keeps its thread's other connections and timers served (as read_message does).
constexpr int kMaxDirectPieces = 16;

// The deadline of an exchange with a streamed body (WireRequest::progress): each piece moved
// pushes it to now + progress. Re-armed only when it moves by a tenth of a second or more, so a
// fast transfer does not re-arm the connection's timer per piece.
struct Progress {
  Connection& connection;
  Clock::time_point& deadline;
  std::chrono::milliseconds step;

  void moved() {
    if (step.count() <= 0) return;
    const auto now = Clock::now();
    const auto next = now + step;
    if (next - deadline < std::chrono::milliseconds(100)) return;
    deadline = next;
    connection.arm(deadline, now);
  }
};

/// Parses a response straight into a core::Response: no Beast fields container, the body
/// appended once into its final string, or given to a ResponseSink when the request has one and
/// the body is large or of unknown length.
class ResponseParser final : public http::basic_parser<false> {
 public:
  ResponseParser(core::Response& into, const WireRequest& wire, std::size_t max_whole,
                 Progress& progress)
      : response(into),
        sink_(wire.sink),
        sink_above_(wire.sink_above),
        max_whole_(max_whole),
        progress_(progress) {}
  core::Response& response;
  bool sink_failed = false;  // the sink refused or failed: the send fails with kLocal

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override {
    response.status = code;
  }
  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     error_code&) override {
    response.headers.add_copy(std::string_view(name.data(), name.size()),
                              std::string_view(value.data(), value.size()));
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code& ec) override {
    if (sink_ && (!length || *length > sink_above_)) {
      if (length && *length > sink_->max_bytes()) {
        ec = http::error::body_limit;
        return;
      }
      sinking_ = true;
      if (!sink_->begin(length ? std::optional<std::uint64_t>(*length) : std::nullopt)) {
        fail_sink(ec);
      }
      return;
    }
    if (length && *length > max_whole_) {
      ec = http::error::body_limit;
      return;
    }
    if (length) response.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view body, error_code& ec) override {
    take(body, ec);
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code& ec) override {
    take(body, ec);
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  void take(beast::string_view body, error_code& ec) {
    if (!sinking_) {
      if (response.body.size() + body.size() > max_whole_) {
        ec = http::error::body_limit;
        return;
      }
      response.body.append(body.data(), body.size());
      return;
    }
    sunk_ += body.size();
    if (sunk_ > sink_->max_bytes()) {
      ec = http::error::body_limit;
      return;
    }
    if (!sink_->write(std::string_view(body.data(), body.size()))) return fail_sink(ec);
    progress_.moved();
  }
  void fail_sink(error_code& ec) {
    sink_failed = true;
    ec = asio::error::operation_aborted;
  }

  ResponseSink* sink_;
  std::uint64_t sink_above_;
  std::size_t max_whole_;
  Progress& progress_;
  bool sinking_ = false;
  std::uint64_t sunk_ = 0;
};

// Methods whose request body has a defined meaning get a Content-Length even when empty
// (RFC 9110 §8.6), as Beast's prepare_payload() did.
bool sends_length_when_empty(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "DELETE" && method != "OPTIONS" &&
         method != "TRACE" && method != "CONNECT";
}

asio::awaitable<Connected> open_connection(const asio::any_io_executor& executor,
                                           const Origin& origin,
                                           const std::shared_ptr<ssl::context>& tls,
                                           const ClientOptions& options,
                                           Clock::time_point deadline) {
  std::vector<tcp::endpoint> endpoints;
  error_code ec;
  const asio::ip::address literal = asio::ip::make_address(origin.host, ec);
  const bool is_ip = !ec;
  if (is_ip) {
    endpoints.emplace_back(literal, origin.port);
  } else {
    auto results =
        co_await async_resolve_until(executor, origin.host, std::to_string(origin.port), deadline,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (timed_out(ec, deadline)) {
        co_return SendError{SendErrorKind::kTimeout, "DNS lookup timed out"};
      }
      co_return SendError{SendErrorKind::kDns,
                          "cannot resolve " + origin.host + ": " + ec.message()};
    }
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }

  auto connection = std::make_unique<Connection>(executor);
  if (origin.https) {
    if (!tls) co_return SendError{SendErrorKind::kTls, "no TLS context"};
    connection->tls_context = tls;
    connection->tls = std::make_unique<ssl::stream<tcp::socket>>(executor, *tls);
  } else {
    connection->plain = std::make_unique<tcp::socket>(executor);
  }
  tcp::socket& lowest = connection->lowest();
  // Disarmed when the connection is returned (or by exchange(), which arms it again).
  connection->arm(deadline, Clock::now());
  co_await asio::async_connect(lowest, endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (timed_out(ec, deadline)) co_return SendError{SendErrorKind::kTimeout, "connect timed out"};
    co_return SendError{SendErrorKind::kConnect, ec.message()};
  }
  // Headers and body usually leave in one write; without Nagle a small request is not held back.
  lowest.set_option(tcp::no_delay(true), ec);
  if (!origin.https) {
    // exchange() writes a request in place when the socket takes it (stream_io.hpp's write_now).
    lowest.non_blocking(true, ec);
    enable_read_hints(lowest);  // (read_buffer.hpp)
    co_return connection;
  }

  SSL* handle = connection->tls->native_handle();
  // SNI carries names only (RFC 6066 §3), never IP literals.
  if (!is_ip) SSL_set_tlsext_host_name(handle, origin.host.c_str());
  if (options.tls_verify) {
    connection->tls->set_verify_mode(ssl::verify_peer);
    X509_VERIFY_PARAM* param = SSL_get0_param(handle);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, origin.host.c_str())
                   : X509_VERIFY_PARAM_set1_host(param, origin.host.c_str(), 0);
    if (ok != 1) co_return SendError{SendErrorKind::kTls, "cannot set the expected host name"};
  } else {
    connection->tls->set_verify_mode(ssl::verify_none);
  }
  co_await connection->tls->async_handshake(ssl::stream_base::client,
                                            asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    if (timed_out(ec, deadline)) {
      co_return SendError{SendErrorKind::kTimeout, "TLS handshake timed out"};
    }
    long verify = SSL_get_verify_result(handle);
    if (options.tls_verify && verify != X509_V_OK) {
      co_return SendError{SendErrorKind::kTls, std::string("certificate verification failed: ") +
                                                   X509_verify_cert_error_string(verify)};
    }
    if (closed_by_peer(ec)) {
      co_return SendError{SendErrorKind::kConnect, "connection closed during the TLS handshake"};
    }
    co_return SendError{SendErrorKind::kTls, "TLS handshake failed: " + ec.message()};
  }
  co_return connection;
}

struct Outcome {
  std::optional<SendError> error;  // none: the response was parsed into the caller's
  bool response_started = false;   // some response byte arrived
  bool reusable = false;           // the connection may go back to the pool
};

// Whether the server has sent something (or closed) while a request body is still going out:
// an early answer (a refused upload). A non-blocking one-byte peek on the native socket.
bool peer_spoke(Connection& connection) {
  char byte = 0;
  ssize_t n = ::recv(connection.lowest().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0;  // bytes, or 0: the server closed its side
}

// How writing a file body ended.
struct FileSent {
  error_code ec;                // a write failed (or timed out)
  bool file_failed = false;     // the file could not be read (ec holds errno)
  bool answered_early = false;  // the server answered before the whole body was sent
};

// Writes `file` after the head, in pieces, each moving the progress deadline. Plain TCP uses
// sendfile(2) (no copy through user space) and peeks between pieces for an early answer; TLS,
// and files whose filesystem cannot sendfile, read pieces with pread(2) and write them.
template <typename Stream>
asio::awaitable<FileSent> write_file_body(Stream& stream, Connection& connection,
                                          const FileBody& file, Progress& progress) {
  FileSent out;
  std::uint64_t sent = 0;
  if constexpr (kDirectIo<Stream>) {
    auto offset = static_cast<off_t>(file.offset);
    int direct = 0;
    bool unsupported = false;
    while (sent < file.size) {
      if (peer_spoke(connection)) {
        out.answered_early = true;
        co_return out;
      }
      const auto want = static_cast<std::size_t>(
          std::min<std::uint64_t>(file.size - sent, std::uint64_t{4} * kBodyPiece));
      const ssize_t n = ::sendfile(stream.native_handle(), file.fd, &offset, want);
      if (n > 0) {
        sent += static_cast<std::uint64_t>(n);
        progress.moved();
        if (++direct < kMaxDirectPieces) continue;
      } else if (n == 0) {
        out.file_failed = true;  // the file is shorter than announced
        out.ec = asio::error::eof;
        co_return out;
      } else if (errno == EINTR) {
        continue;
      } else if ((errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) && sent == 0) {
        unsupported = true;
        break;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        out.ec = error_code(errno, boost::system::system_category());
        co_return out;
      }
      // The socket is full (or this thread has sent for a while): wait until it takes more,
      // through the event loop. The connection's deadline closes the socket if it never does.
      direct = 0;
      co_await stream.async_wait(tcp::socket::wait_write,
                                 asio::redirect_error(asio::use_awaitable, out.ec));
      if (out.ec) co_return out;
    }
    if (!unsupported) co_return out;
  }
  std::unique_ptr<char[]> piece(new char[kBodyPiece]);
  while (sent < file.size) {
    if constexpr (kDirectIo<Stream>) {
      if (peer_spoke(connection)) {
        out.answered_early = true;
        co_return out;
      }
    }
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(file.size - sent, kBodyPiece));
    const ssize_t n = ::pread(file.fd, piece.get(), want, static_cast<off_t>(file.offset + sent));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      out.file_failed = true;
      out.ec = n == 0 ? error_code(asio::error::eof)
                      : error_code(errno, boost::system::system_category());
      co_return out;
    }
    co_await write_all(stream, asio::buffer(piece.get(), static_cast<std::size_t>(n)), out.ec);
    if (out.ec) co_return out;
    sent += static_cast<std::uint64_t>(n);
    progress.moved();
  }
  co_return out;
}

// Reads a body of `length` bytes announced by a fast-parsed head into the sink: what the
// buffer holds first, then straight from the socket in pieces. False: `out.error` is set.
template <typename Stream>
asio::awaitable<bool> read_into_sink(Stream& stream, beast::flat_buffer& buffer,
                                     std::uint64_t length, ResponseSink& sink, Progress& progress,
                                     Outcome& out, error_code& ec, bool& waited) {
  if (!sink.begin(length)) {
    out.error = SendError{SendErrorKind::kLocal, "the response body could not be stored"};
    co_return false;
  }
  auto failed_sink = [&] {
    out.error = SendError{SendErrorKind::kLocal, "the response body could not be stored"};
    return false;
  };
  const auto have = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length));
  if (have > 0 &&
      !sink.write(std::string_view(static_cast<const char*>(buffer.data().data()), have))) {
    co_return failed_sink();
  }
  buffer.consume(have);
  std::uint64_t left = length - have;
  std::unique_ptr<char[]> piece(left > 0 ? new char[kBodyPiece] : nullptr);
  int direct = 0;
  while (left > 0) {
    const auto into = asio::buffer(
        piece.get(), static_cast<std::size_t>(std::min<std::uint64_t>(left, kBodyPiece)));
    std::size_t n = 0;
    if (direct < kMaxDirectPieces && read_now(stream, into, ec, n)) {
      ++direct;
    } else {
      direct = 0;
      n = co_await read_some(stream, into, ec, waited);
    }
    if (n > 0) {
      if (!sink.write(std::string_view(piece.get(), n))) co_return failed_sink();
      left -= n;
      progress.moved();
    }
    if (ec) co_return false;
  }
  co_return true;
}

template <typename Stream>
asio::awaitable<Outcome> exchange(Stream& stream, Connection& connection, const WireRequest& wire,
                                  bool head, const ClientOptions& options,
                                  Clock::time_point& deadline, core::Response& response) {
  Outcome out;
  connection.arm(deadline, Clock::now());
  Progress progress{connection, deadline, wire.progress};
  error_code ec;
  // The whole request is written before the response is read. A backend that answers early and
  // closes (e.g. a 413 while a large body is still being sent) is therefore seen as a connection
  // failure (kConnect) — except for a file body, whose writer listens for such an answer
  // (write_file_body) and then reads it. Reading while writing would need a second coroutine.
  std::array<asio::const_buffer, 2> buffers{asio::buffer(wire.head), asio::buffer(wire.body)};
  // On a plain connection the request is written in place when the socket takes it all (no
  // coroutine trip, no timer armed); what remains, and TLS, go through the timed stream.
  std::size_t written = 0;
  bool sent = false;
  if constexpr (kDirectIo<Stream>) sent = write_now(stream, buffers, ec, written);
  if (!sent) co_await write_rest(stream, buffers, written, ec);
  // The body was not all sent (the server answered early): the connection is not reused.
  bool body_cut = false;
  if (!ec && wire.file.fd >= 0 && wire.file.size > 0) {
    FileSent file = co_await write_file_body(stream, connection, wire.file, progress);
    if (file.file_failed) {
      out.error =
          SendError{SendErrorKind::kLocal, "reading the request body's file: " + file.ec.message()};
      co_return out;
    }
    ec = file.ec;
    body_cut = file.answered_early;
    // A server that refused the body may close while it is still being sent: what it answered
    // may wait in the socket. (A timeout is a timeout.)
    if (ec && closed_by_peer(ec) && !timed_out(ec, deadline)) {
      ec = {};
      body_cut = true;
    }
  }
  if (ec) {
    if (timed_out(ec, deadline)) {
      out.error = SendError{SendErrorKind::kTimeout, "request not sent in time"};
    } else {
      out.error = SendError{SendErrorKind::kConnect, "sending the request: " + ec.message()};
    }
    co_return out;
  }
  // With a sink, bodies over max_response_body may arrive (the sink's own limit applies then).
  const std::uint64_t body_max =
      wire.sink ? std::max<std::uint64_t>(wire.sink->max_bytes(), options.max_response_body)
                : options.max_response_body;
  beast::flat_buffer& buffer = connection.buffer;
  auto closed_to_error = [&] {  // what Beast's parser makes of an end of stream here
    if (ec == asio::error::eof) {
      ec = out.response_started ? error_code(http::error::partial_message)
                                : error_code(http::error::end_of_stream);
    }
    out.error = read_error(ec, deadline, options.max_response_body);
  };
  for (;;) {
    // The usual shape first (fast_head.hpp): the head parsed in one pass, the body read
    // straight into the response. Anything else goes to Beast's parser below, from the same
    // bytes.
    ResponseHead fast;
    HeadParse parsed;
    bool waited = false;
    // Whether bytes past this response may wait in the socket unseen: then the connection is
    // peeked before it is pooled.
    bool read_past_buffer = false;
    for (;;) {
      const auto bytes = buffer.data();
      parsed = parse_response_head(
          std::string_view(static_cast<const char*>(bytes.data()), bytes.size()), head,
          options.max_response_header, body_max, response, fast);
      if (parsed != HeadParse::kNeedMore) break;
      const std::size_t size = beast::read_size(buffer, 65536);
      if (size == 0) {
        parsed = HeadParse::kFallback;
        break;
      }
      // The response's first bytes are not there yet when the request has just gone out:
      // wait for them. Later reads of the head try the socket first (stream_io.hpp).
      const auto into = buffer.prepare(size);
      std::size_t n = 0;
      const bool first = buffer.size() == 0;
      if (first || !read_now(stream, into, ec, n)) n = co_await read_some(stream, into, ec, waited);
      // A read that filled what it was given may have left more in the socket.
      read_past_buffer = n == size;
      buffer.commit(n);
      if (buffer.size() > 0) out.response_started = true;
      if (ec) {
        closed_to_error();
        co_return out;
      }
    }
    if (parsed == HeadParse::kParsed) {
      buffer.consume(fast.size);
      if (fast.has_body && wire.sink && fast.content_length > wire.sink_above) {
        if (fast.content_length > wire.sink->max_bytes()) {
          out.error = read_error(http::error::body_limit, deadline, wire.sink->max_bytes());
          co_return out;
        }
        read_past_buffer = true;
        if (!co_await read_into_sink(stream, buffer, fast.content_length, *wire.sink, progress, out,
                                     ec, waited)) {
          if (!out.error) closed_to_error();
          co_return out;
        }
      } else if (fast.has_body) {
        if (fast.content_length > options.max_response_body) {
          out.error = read_error(http::error::body_limit, deadline, options.max_response_body);
          co_return out;
        }
        const auto length = static_cast<std::size_t>(fast.content_length);
        const std::size_t have = std::min(buffer.size(), length);
        response.body.assign(static_cast<const char*>(buffer.data().data()), have);
        buffer.consume(have);
        if (have < length) {
          // Read straight into the body, exactly what is missing: bytes an upstream sends past
          // its Content-Length then stay in the socket, and the peek below keeps such a
          // connection out of the pool.
          read_past_buffer = true;
          response.body.resize(length);
          for (std::size_t got = have; got < length;) {
            const auto into = asio::buffer(response.body.data() + got, length - got);
            std::size_t n = 0;
            if (!read_now(stream, into, ec, n)) n = co_await read_some(stream, into, ec, waited);
            got += n;
            if (ec) {
              closed_to_error();
              co_return out;
            }
          }
        }
      }
      out.reusable = !body_cut && fast.keep_alive && buffer.size() == 0 &&
                     connection.lowest().is_open() && tls_drained(connection) &&
                     (!read_past_buffer || still_open(connection));
      co_return out;
    }

    response = core::Response{};  // an interim response before this one leaves nothing behind
    ResponseParser parser(response, wire, options.max_response_body, progress);
    parser.header_limit(static_cast<std::uint32_t>(options.max_response_header));
    parser.body_limit(body_max);
    // A response to HEAD announces a length but carries no body.
    if (head) parser.skip(true);
    co_await read_message(stream, connection.buffer, parser, false, ec, waited);
    if (parser.got_some()) out.response_started = true;
    if (parser.sink_failed) {
      out.error = SendError{SendErrorKind::kLocal, "the response body could not be stored"};
      co_return out;
    }
    if (ec) {
      out.error =
          read_error(ec, deadline, wire.sink ? wire.sink->max_bytes() : options.max_response_body);
      co_return out;
    }
    const int status = response.status;
    // Interim responses (100 Continue, 103 Early Hints) precede the real one.
    if (status >= 100 && status < 200 && status != 101) continue;
    // Reuse only a connection whose response was delimited (not read to EOF), fully consumed,
    // and not followed by bytes nobody asked for.
    out.reusable = !body_cut && parser.keep_alive() && !parser.need_eof() &&
                   connection.buffer.size() == 0 && status != 101 &&
                   connection.lowest().is_open() && tls_drained(connection);
    co_return out;
  }
}

bool has_ipv6_colon(std::string_view host) { return host.find(':') != std::string_view::npos; }

std::string file_stamp(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return "?";
  auto time = std::filesystem::last_write_time(path, ec);
  if (ec) return "?";
  return std::to_string(size) + "@" + std::to_string(time.time_since_epoch().count());
}

std::shared_ptr<ssl::context> make_tls_context(bool verify, const std::string& ca_file,
                                               std::string& error) {
  try {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    if (verify) {
      error_code ec;
      if (!ca_file.empty()) {
        context->load_verify_file(ca_file, ec);
        if (ec) {
          error = "cannot load CA file '" + ca_file + "': " + ec.message();
          return nullptr;
        }
      } else {
        context->set_default_verify_paths(ec);
        if (ec) {
          error = "cannot load the system CA store: " + ec.message();
          return nullptr;
        }
      }
    }
    return context;
  } catch (const std::exception& e) {
    error = std::string("cannot create a TLS context: ") + e.what();
    return nullptr;
  }
}

}  // namespace

// ------------------------------------------------------------------------------------- public

std::string_view to_string(SendErrorKind kind) noexcept {
  switch (kind) {
    case SendErrorKind::kTimeout:
      return "timeout";
    case SendErrorKind::kConnect:
      return "connect";
    case SendErrorKind::kDns:
      return "dns";
    case SendErrorKind::kTls:
      return "tls";
    case SendErrorKind::kProtocol:
      return "protocol";
    case SendErrorKind::kTooLarge:
      return "too large";
    case SendErrorKind::kLocal:
      return "local";
  }
  return "unknown";
}

namespace {

/// host (IPv6 in brackets), then ":port" when `with_port`: appended without temporaries (these
/// run for every proxied request).
void append_host_port(std::string& out, const std::string& host, std::uint16_t port,
                      bool with_port) {
  const bool bracket = has_ipv6_colon(host);
  if (bracket) out += '[';
  out += host;
  if (bracket) out += ']';
  if (!with_port) return;
  char digits[8];
  auto end = std::to_chars(digits, digits + sizeof digits, port).ptr;
  out += ':';
  out.append(digits, end);
}

}  // namespace

std::string Origin::authority() const {
  std::string out;
  out.reserve(host.size() + 8);
  append_host_port(out, host, port, port != (https ? 443 : 80));
  return out;
}

std::string Origin::to_string() const {
  std::string out;
  out.reserve(host.size() + 16);
  out += https ? "https://" : "http://";
  append_host_port(out, host, port, true);
  return out;
}

std::shared_ptr<ssl::context> TlsContextCache::get(bool verify, const std::string& ca_file,
                                                   std::string& error) {
  std::string key = verify
                        ? "verify|" + ca_file + "|" + (ca_file.empty() ? "" : file_stamp(ca_file))
                        : "noverify";
  std::lock_guard lock(mutex_);
  std::erase_if(contexts_, [](const auto& entry) { return entry.second.expired(); });
  if (auto it = contexts_.find(key); it != contexts_.end()) {
    if (auto context = it->second.lock()) return context;
  }
  auto context = make_tls_context(verify, ca_file, error);
  if (context) contexts_[key] = context;
  return context;
}

std::shared_ptr<const HttpClient> HttpClient::create(ClientOptions options, std::string& error,
                                                     TlsContextCache* cache, bool https) {
  std::shared_ptr<ssl::context> tls;
  if (https) {
    tls = cache ? cache->get(options.tls_verify, options.ca_file, error)
                : make_tls_context(options.tls_verify, options.ca_file, error);
    if (!tls) return nullptr;
  }
  return std::make_shared<HttpClient>(std::move(options), std::move(tls));
}

HttpClient::HttpClient(ClientOptions options, std::shared_ptr<ssl::context> tls)
    : options_(std::move(options)), tls_(std::move(tls)) {}

HttpClient::~HttpClient() = default;

asio::awaitable<SendResult> HttpClient::send(const Origin& origin, const OutboundRequest& request,
                                             Clock::time_point deadline) const {
  core::Response response;
  std::optional<SendError> error = co_await send_into(origin, request, deadline, response);
  if (error) co_return std::move(*error);
  co_return std::move(response);
}

asio::awaitable<std::optional<SendError>> HttpClient::send_into(const Origin& origin,
                                                                const OutboundRequest& request,
                                                                Clock::time_point deadline,
                                                                core::Response& response) const {
  auto executor = co_await asio::this_coro::executor;
  auto& pool = asio::use_service<ConnectionPool>(asio::query(executor, asio::execution::context));
  const PoolKeyView key{origin.https, origin.host, origin.port,
                        origin.https ? static_cast<const void*>(tls_.get()) : nullptr};

  // Built once for both attempts. The body is a view of the caller's storage: never copied.
  WireRequest wire;
  wire.body = request.body;
  const bool file_body = request.body_file.fd >= 0;
  if (file_body) {
    wire.body = {};
    wire.file = request.body_file;
  }
  wire.sink = request.response_sink;
  wire.sink_above = request.sink_above;
  wire.progress = request.progress_timeout;
  const std::uint64_t body_size = file_body ? request.body_file.size : request.body.size();
  wire.head.reserve(256 + request.target.size() + request.fields.size());
  wire.head += request.method;
  wire.head += ' ';
  wire.head += request.target;
  wire.head += " HTTP/1.1\r\n"sv;
  if (!request.fields.empty()) {
    wire.head += request.fields;
  } else {
    bool has_host = false;
    for (const auto& field : request.headers) {
      // Framing belongs to this client.
      if (core::iequals(field.name, "Content-Length") ||
          core::iequals(field.name, "Transfer-Encoding")) {
        continue;
      }
      if (core::iequals(field.name, "Host")) has_host = true;
      wire.head += field.name;
      wire.head += ": "sv;
      wire.head += field.value;
      wire.head += "\r\n"sv;
    }
    if (!has_host) {
      wire.head += "Host: "sv;
      wire.head += origin.authority();
      wire.head += "\r\n"sv;
    }
  }
  if (body_size > 0 || sends_length_when_empty(request.method)) {
    wire.head += "Content-Length: "sv;
    wire.head += std::to_string(body_size);
    wire.head += "\r\n"sv;
  }
  wire.head += "\r\n"sv;
  const bool head = request.method == "HEAD";
  const bool idempotent = request.method == "GET" || head || request.method == "PUT" ||
                          request.method == "DELETE" || request.method == "OPTIONS" ||
                          request.method == "TRACE";

  // Moved on by a streamed body's progress (OutboundRequest::progress_timeout).
  Clock::time_point until = deadline;
  for (int attempt = 0;; ++attempt) {
    if (Clock::now() >= until) {
      co_return SendError{SendErrorKind::kTimeout, "deadline passed before sending"};
    }
    std::unique_ptr<Connection> connection;
    if (attempt == 0) connection = pool.take(key, Clock::now());
    const bool reused = connection != nullptr;
    if (!connection) {
      Connected connected = co_await open_connection(executor, origin, tls_, options_, until);
      if (auto* error = std::get_if<SendError>(&connected)) co_return std::move(*error);
      connection = std::move(std::get<std::unique_ptr<Connection>>(connected));
    }

    Outcome outcome;
    if (connection->tls) {
      outcome =
          co_await exchange(*connection->tls, *connection, wire, head, options_, until, response);
    } else {
      outcome =
          co_await exchange(*connection->plain, *connection, wire, head, options_, until, response);
    }

    if (outcome.error) {
      SendError* error = &*outcome.error;
      // A server may close an idle keep-alive connection just as we pick it up (the peek in
      // still_open() cannot close that race). Nothing came back, so send once more on a fresh
      // connection, as browsers and other proxies do — but only for idempotent methods
      // (RFC 9110 §9.2.2): a POST the server read before closing must not run twice.
      if (reused && idempotent && !outcome.response_started &&
          error->kind == SendErrorKind::kConnect) {
        spdlog::debug("http client: pooled connection to {} failed ({}); retrying on a new one",
                      origin.to_string(), error->message);
        continue;
      }
      response = core::Response{};
      co_return std::move(outcome.error);
    }
    if (outcome.reusable) {
      connection->disarm();
      pool.put(key, std::move(connection), Clock::now(), options_);
    }
    co_return std::nullopt;
  }
}

std::size_t idle_connection_count(asio::execution_context& context) {
  if (!asio::has_service<ConnectionPool>(context)) return 0;
  return asio::use_service<ConnectionPool>(context).size();
}

}  // namespace gh::net
