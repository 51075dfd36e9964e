#pragma once
/// Reads and writes on a client connection that skip the event loop when they can finish at
/// once.
///
/// Asio completes every asynchronous operation through its scheduler: even when the bytes are
/// already there, the handler is posted and the coroutine resumed from the run loop. Beast's
/// async_read adds a composed operation (and a post of its own) on top. A keep-alive request
/// made three such trips (read, parse, write), about a fifth of the gateway's instructions per
/// mock request. Here the parse runs inline on what was read, and for a plain TCP socket in
/// non-blocking mode a write is tried directly first (a response almost always fits the socket
/// buffer) and waits for the socket only when it would block; TLS streams use the asynchronous
/// operations as before.
///
/// The socket must be in non-blocking mode (`socket.non_blocking(true)`): run_connection sets it.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <type_traits>

#include "gateway/net/read_buffer.hpp"

namespace gh::net {

template <typename Stream>
inline constexpr bool kDirectIo = std::is_same_v<Stream, boost::asio::ip::tcp::socket>;

/// Reads what is there (at least one byte), or waits for some; `waited` is set (the read went
/// through the event loop). Asio's async_read_some into a ReadBuffer: once a read has emptied
/// the socket (read_buffer.hpp), the next one waits for the event loop instead of trying recv()
/// first, which saved 1.8 EAGAIN recv() calls per proxied request. That suits the first read of
/// a message (the next request on a keep-alive connection, the response to a request just
/// sent), which finds nothing. A read inside a message tries read_now() first: a reset that
/// came with the last bytes raises no edge of its own.
template <typename Stream>
boost::asio::awaitable<std::size_t> read_some(Stream& stream, boost::asio::mutable_buffer into,
                                              boost::system::error_code& ec, bool& waited) {
  waited = true;
  return stream.async_read_some(ReadBuffer(into),
                                boost::asio::redirect_error(boost::asio::use_awaitable, ec));
}

/// Reads what a plain TCP socket holds now, without waiting: true when that settled the read
/// (`n` bytes, or the end of the stream or an error in `ec`), false when the socket is empty
/// (then read_some). Always false for TLS streams. Not a coroutine, like write_now.
template <typename Stream>
bool read_now(Stream& stream, boost::asio::mutable_buffer into, boost::system::error_code& ec,
              std::size_t& n) {
  n = 0;
  if constexpr (kDirectIo<Stream>) {
    n = stream.read_some(into, ec);
    if (ec == boost::asio::error::would_block) {
      ec = {};
      return false;
    }
    return true;
  } else {
    return false;
  }
}

/// Writes what a plain TCP socket takes at once. True when that was all of `buffers`, or the
/// write failed (`ec` set); false when the rest is for write_rest(), `written` bytes in. Not a
/// coroutine: the usual case (a response that fits the socket buffer) costs no frame.
template <typename Stream, typename Buffers>
bool write_now(Stream& stream, const Buffers& buffers, boost::system::error_code& ec,
               std::size_t& written) {
  written = 0;
  if constexpr (kDirectIo<Stream>) {
    written = stream.write_some(buffers, ec);
    if (ec == boost::asio::error::would_block) {
      ec = {};
      return false;
    }
    return ec || written == boost::asio::buffer_size(buffers);
  } else {
    return false;
  }
}

/// Writes `buffers` from byte `skip` on, waiting for the socket as needed.
template <typename Stream, typename Buffers>
boost::asio::awaitable<void> write_rest(Stream& stream, const Buffers& buffers, std::size_t skip,
                                        boost::system::error_code& ec) {
  auto on_error = boost::asio::redirect_error(boost::asio::use_awaitable, ec);
  if (skip == 0) {
    co_await boost::asio::async_write(stream, buffers, on_error);
    co_return;
  }
  for (auto it = boost::asio::buffer_sequence_begin(buffers);
       it != boost::asio::buffer_sequence_end(buffers); ++it) {
    boost::asio::const_buffer piece = *it;
    if (skip >= piece.size()) {
      skip -= piece.size();
      continue;
    }
    co_await boost::asio::async_write(stream, piece + skip, on_error);
    skip = 0;
    if (ec) co_return;
  }
}

/// Writes all of `buffers` (a sequence of const buffers).
template <typename Stream, typename Buffers>
boost::asio::awaitable<void> write_all(Stream& stream, const Buffers& buffers,
                                       boost::system::error_code& ec) {
  std::size_t written = 0;
  if (write_now(stream, buffers, ec, written)) co_return;
  co_await write_rest(stream, buffers, written, ec);
}

/// Beast's http::async_read / async_read_header on these reads: parses what `buffer` holds and
/// reads more until the parser is done (`header_only`: until its header is). Errors as Beast's:
/// end_of_stream when the peer closed before a byte of the message, partial_message when it
/// closed inside one, buffer_overflow when the buffer cannot grow.
template <typename Stream, bool isRequest>
boost::asio::awaitable<void> read_message(Stream& stream, boost::beast::flat_buffer& buffer,
                                          boost::beast::http::basic_parser<isRequest>& parser,
                                          bool header_only, boost::system::error_code& ec,
                                          bool& waited) {
  namespace http = boost::beast::http;
  auto done = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  ec = {};
  if (done()) co_return;
  int direct_reads = 0;
  for (;;) {
    if (buffer.size() > 0) {
      std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec != http::error::need_more) {
        if (ec || done()) co_return;
        continue;  // a complete header with header_only false: go on into the body
      }
      ec = {};
    }
    std::size_t size = boost::beast::read_size(buffer, 65536);
    if (size == 0) {
      ec = http::error::buffer_overflow;
      co_return;
    }
    // The socket first (see read_some); every kMaxDirectReads-th read in a row goes through
    // the event loop, so that a client streaming a large body gives its thread's other
    // connections and timers their turn. (Safe with the read policy: bytes that came after a
    // read emptied the socket raised an edge, which re-enabled Asio's own first attempt.)
    constexpr int kMaxDirectReads = 16;
    const auto into = buffer.prepare(size);
    std::size_t n = 0;
    if (direct_reads < kMaxDirectReads && read_now(stream, into, ec, n)) {
      ++direct_reads;
    } else {
      direct_reads = 0;
      n = co_await read_some(stream, into, ec, waited);
    }
    buffer.commit(n);
    if (ec == boost::asio::error::eof) {
      if (!parser.got_some()) {
        ec = http::error::end_of_stream;
        co_return;
      }
      ec = {};
      parser.put_eof(ec);  // partial_message unless the message ends at the close
      co_return;
    }
    if (ec) co_return;
  }
}

}  // namespace gh::net
