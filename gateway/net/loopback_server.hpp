#pragma once
/// LoopbackServer: a small HTTP/1.1 server on 127.0.0.1 for the processes Gatehouse starts
/// itself — each Lambda instance gets one as its Runtime API endpoint, so a connection always
/// knows which instance it talks to. Keep-alive, chunked request bodies, header and body
/// limits; no TLS, no deadlines (the peer is a child we kill when it misbehaves; a long-poll
/// such as /invocation/next may legitimately wait for minutes).
///
/// Created, used and closed on one executor (the Lambda service's thread); the handler runs
/// there as a coroutine and must not block. close() ends the acceptor and every connection;
/// handlers still suspended finish on their own and their answers are dropped.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>

#include "gateway/core/request.hpp"
#include "gateway/core/response.hpp"

namespace gh::net {

class LoopbackServer {
 public:
  /// Sends the answers the connection holds back. A client that pipelines (a Runtime API
  /// bootstrap writes its GET /next right behind its POST /response) gets an answer together
  /// with the next one, in one write: one wake-up of the peer, not two. A handler that is
  /// about to wait (the /next long poll) calls this first, so nothing waits with it.
  using Flush = std::function<boost::asio::awaitable<void>()>;
  using Handler =
      std::function<boost::asio::awaitable<core::Response>(core::Request&, const Flush&)>;

  struct Options {
    std::size_t max_header_bytes = 64 * 1024;
    /// Bodies up to this size reach `handler`. A larger one is still read to its end (and
    /// thrown away) so the peer gets an answer on a usable connection, the way AWS's Runtime
    /// Interface Emulator reads it, and goes to `too_large` with an empty body.
    std::size_t max_body_bytes = 6 * 1024 * 1024;
    Handler too_large;
    /// Past this many body bytes the connection is simply closed.
    std::size_t max_discarded_body_bytes = std::size_t{1} << 30;
  };

  /// Binds 127.0.0.1 on a free port and starts accepting. Throws on bind failure.
  static std::shared_ptr<LoopbackServer> start(boost::asio::any_io_executor executor,
                                               Handler handler, Options options);
  virtual ~LoopbackServer() = default;

  virtual std::uint16_t port() const = 0;
  virtual void close() = 0;
};

}  // namespace gh::net
