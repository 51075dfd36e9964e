#pragma once
/// HttpClient: the gateway's outbound HTTP/1.1 client (HTTP_PROXY integrations, remote endpoints).
///
/// One HttpClient per upstream configuration (TLS options, pool bounds, limits). It is created
/// while a snapshot is compiled (one thread; it may read a CA file then) and is immutable and
/// shared by every request and thread afterwards. send() is a coroutine run on the caller's
/// executor; it never blocks the thread and every wait in it (DNS, connect, TLS handshake, write,
/// read) ends at the caller's deadline.
///
/// Connection reuse: idle keep-alive connections live in a pool that belongs to the calling
/// executor's io_context (an Asio service of that execution context), keyed by origin and TLS
/// settings. ASSUMPTION: each io_context is run by exactly one thread (the server's model: one
/// io_context per worker thread), so the pool takes no locks, and a pooled connection is only
/// ever reused on the io_context whose sockets it owns. Running one io_context from several
/// threads would race on the pool (a debug assertion checks the owning thread). Idle connections
/// do not count as work: an io_context with only idle pooled connections still runs out of work.
///
/// Ownership: the caller owns the Origin and the OutboundRequest and must keep them (and the
/// body's storage) alive until send() completes; the body is written straight from the caller's
/// storage, never copied. The returned Response owns its body (read once, then moved).
///
/// Bodies too large to hold in memory (the services endpoint's S3 proxy: objects up to 5 GiB):
/// a request body may be a span of a file (OutboundRequest::body_file), read in pieces while it
/// is sent (sendfile(2) on plain TCP), and a response body may go to a ResponseSink as it is
/// read (OutboundRequest::response_sink) instead of into Response::body. Memory then stays at a
/// few hundred KiB per request whatever the size. With either, `progress_timeout` turns the
/// deadline into one for progress: each piece moved restarts it.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "gateway/core/header_map.hpp"
#include "gateway/core/response.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace gh::net {

/// Where a request goes: scheme, host and port.
struct Origin {
  bool https = false;
  std::string host;  // DNS name or IP literal; an IPv6 literal without brackets
  std::uint16_t port = 80;

  /// host[:port] as the Host header wants it: IPv6 in brackets, the port omitted when it is the
  /// scheme's default.
  std::string authority() const;
  /// "http://host:port", always with the port (logs, pool keys).
  std::string to_string() const;
};

struct ClientOptions {
  /// Verify the server certificate (chain and host name). AWS always verifies public
  /// certificates for HTTP_PROXY (insecureSkipVerification exists only for private integrations).
  bool tls_verify = true;
  /// PEM file of trusted CAs; when set it replaces the system store for this upstream.
  std::string ca_file;
  /// Idle keep-alive connections kept per origin per io_context; 0 disables reuse.
  std::size_t max_idle_per_origin = 64;
  std::chrono::milliseconds idle_timeout{60000};
  /// Response body limit: AWS fails a backend payload over 10 MB (aws-notes-core.md §1).
  std::size_t max_response_body = 10 * 1024 * 1024;
  /// Response status line + headers limit.
  std::size_t max_response_header = 64 * 1024;
};

enum class SendErrorKind {
  kTimeout,   // the deadline passed (DNS, connect, TLS, write or read)
  kConnect,   // refused, reset, or closed before a complete response
  kDns,       // the host name did not resolve
  kTls,       // handshake or certificate verification failed
  kProtocol,  // the response was not valid HTTP/1.1
  kTooLarge,  // the response body exceeded ClientOptions::max_response_body (or the sink's max)
  kLocal,     // a local failure: the ResponseSink refused the body or failed (a full disk), or
              // the request's body file could not be read
};

/// "timeout", "connect", "dns", "tls", "protocol", "too large", "local".
std::string_view to_string(SendErrorKind kind) noexcept;

struct SendError {
  SendErrorKind kind = SendErrorKind::kConnect;
  std::string message;  // short, for logs: never contains headers or bodies
};

using SendResult = std::variant<core::Response, SendError>;

/// Where a large response body goes while it is read (OutboundRequest::response_sink). Called on
/// the executor running send(), synchronously from its reads; calls may block briefly on local
/// file I/O (as core::BodySink's). A sink serves one send(): a retried attempt (a stale pooled
/// connection) never reaches it, as no response byte had arrived then.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  /// The largest body the sink takes; a longer one fails the send with kTooLarge.
  virtual std::uint64_t max_bytes() const = 0;
  /// The response's head is parsed and its body comes here: `length` when announced
  /// (Content-Length), nullopt for a chunked or close-delimited body. Called once, before any
  /// write(); false fails the send with kLocal.
  virtual bool begin(std::optional<std::uint64_t> length) = 0;
  /// The next bytes of the body, in order. False fails the send with kLocal (the connection is
  /// closed, not pooled).
  virtual bool write(std::string_view bytes) = 0;
};

/// A request body that is a span of an open file, read while it is sent: the caller keeps `fd`
/// open until send() completes. Read with pread(2)/sendfile(2) at explicit offsets, so the
/// file's position is untouched and a retry sends it again from `offset`.
struct FileBody {
  int fd = -1;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

struct OutboundRequest {
  std::string method;       // sent as is
  std::string target;       // origin-form: "/path?query"
  core::HeaderMap headers;  // sent as given; Host is added from the origin when absent.
                            // Content-Length / Transfer-Encoding are the client's: ignored.
  /// Header lines already in wire form ("Name: value\r\n" each), sent instead of `headers`
  /// when not empty: for callers that build them per request (the HTTP proxy). They must hold
  /// Host and no Content-Length or Transfer-Encoding; the values must hold no CR or LF.
  std::string fields;
  std::string_view body;  // not copied: must outlive send()
  /// Instead of `body` when `body_file.fd` >= 0: the body is read from the file as it is sent.
  /// A server that answers before the whole body was sent (an auth refusal) is heard: on plain
  /// TCP the socket is peeked between pieces, and a write that fails because the server closed
  /// is followed by reading what it answered. That connection is never pooled.
  FileBody body_file;
  /// When set, a response body longer than `sink_above` bytes, or of unknown length (chunked,
  /// read to EOF), goes to the sink as it is read (bounded by the sink's max_bytes(), not by
  /// ClientOptions::max_response_body) and Response::body stays empty; shorter bodies (error
  /// documents, small objects) stay in Response::body. The sink must outlive send().
  ResponseSink* response_sink = nullptr;
  std::uint64_t sink_above = 0;
  /// Non-zero (with body_file or response_sink): the deadline given to send() covers the
  /// connection, the head and the first bytes; each piece of a file body written, and each
  /// piece of a response body read, moves the deadline to now + progress_timeout (never
  /// earlier). A peer that stalls mid-body still fails with kTimeout, but a large transfer that
  /// keeps moving is not cut at a fixed time.
  std::chrono::milliseconds progress_timeout{0};
};

/// Shares TLS contexts between clients with the same trust settings: loading the system CA
/// store costs ~30 ms, and a config builds one client per route and stage. Entries are weak, so
/// a context lives only as long as some client uses it; a changed caFile (size or mtime) gets a
/// new context on the next reload. Thread-safe; used only while snapshots are compiled.
class TlsContextCache {
 public:
  /// The context for these settings, created if needed; nullptr and `error` on failure.
  std::shared_ptr<boost::asio::ssl::context> get(bool verify, const std::string& ca_file,
                                                 std::string& error);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<boost::asio::ssl::context>> contexts_;
};

class HttpClient {
 public:
  /// Builds a client; for `https` origins with TLS verification it loads the CA file or the
  /// system store (through `cache` when given; ~30 ms, so plain-HTTP clients skip it). Returns
  /// nullptr and sets `error` when the TLS setup fails (e.g. an unreadable caFile). Called at
  /// snapshot compile time, never on the data path.
  static std::shared_ptr<const HttpClient> create(ClientOptions options, std::string& error,
                                                  TlsContextCache* cache = nullptr,
                                                  bool https = true);

  HttpClient(ClientOptions options, std::shared_ptr<boost::asio::ssl::context> tls);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends `request` to `origin` and reads the whole response, reusing an idle pooled connection
  /// when one is available. When a reused connection fails before any response byte arrives (the
  /// server closed it while it sat idle), the request is sent once more on a fresh connection.
  /// Runs on the caller's executor; completes by `deadline` (kTimeout otherwise).
  boost::asio::awaitable<SendResult> send(const Origin& origin, const OutboundRequest& request,
                                          std::chrono::steady_clock::time_point deadline) const;
  /// send(), with the response parsed straight into `response` (left empty on failure): a
  /// proxied response is not moved through result variants and coroutine frames on its way.
  boost::asio::awaitable<std::optional<SendError>> send_into(
      const Origin& origin, const OutboundRequest& request,
      std::chrono::steady_clock::time_point deadline, core::Response& response) const;

  const ClientOptions& options() const noexcept { return options_; }

 private:
  ClientOptions options_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
};

/// Idle pooled connections held for `context` (all origins). For tests and metrics; call it on
/// the thread that runs `context`.
std::size_t idle_connection_count(boost::asio::execution_context& context);

}  // namespace gh::net
