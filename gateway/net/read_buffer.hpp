#pragma once
/// ReadBuffer: the buffer the gateway's own reads (read_some in stream_io.hpp) hand to Asio, so
/// that Asio's reactor reads a TCP socket as nginx does: a read that emptied the socket's
/// receive queue makes the next read wait for the event loop's next readiness edge instead of
/// trying recv() at once.
///
/// Why: Asio tries every read speculatively (recv() first, the event loop only on EAGAIN) and
/// stops that only after a read of 0 bytes. On a keep-alive connection the next request, and on
/// an upstream connection the response, is never there yet when the read starts: 1.8 recv()
/// calls per proxied request came back EAGAIN under wrk (perf tracepoints, 2026-12-04), on top
/// of the two that carry data; nginx makes none. Waiting for readiness with async_wait instead
/// costs an EPOLL_CTL_MOD per wait, which is no better.
///
/// How: Asio's epoll reactor already has the rule for writes. An operation that reports
/// `done_and_exhausted` clears the descriptor's "try at once" flag, and the reactor sets it again
/// whenever epoll reports the descriptor readable, under the descriptor's lock. So data that
/// arrives between this read and the next is never missed: an edge that came while no read was
/// queued lets the next read try at once, and one that comes later completes the queued read.
///
/// "Emptied" must include end of stream: a FIN that arrived with the data raises no edge of its
/// own after the read, so a short read alone does not show it (nginx learns it from
/// EPOLLRDHUP, which Asio does not ask for). The kernel says it: with TCP_INQ on
/// (enable_read_hints), recvmsg() reports how many bytes the queue still holds, and 1 when a
/// FIN waits (tcp_inq_hint). The specialization below reads with recvmsg() and reports
/// exhausted only when that count is 0; without the count (TCP_INQ off, a Unix socket) or with
/// flags (MSG_PEEK) a read is Asio's own. Reads into Asio's buffer types (Beast's parser,
/// OpenSSL's record reads under a TLS stream) are untouched.
///
/// The specialization is declared here beside the type, so any file that can start such a read
/// sees it (C++ requires that of an explicit specialization). It is written against Boost 1.81's
/// reactive_socket_recv_op_base (Debian 12): the static_assert stops the build on another Boost,
/// where that class may have changed.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/detail/reactive_socket_recv_op.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/system/error_code.hpp>
#include <boost/version.hpp>
#include <cerrno>
#include <cstring>

static_assert(BOOST_VERSION / 100 == 1081,
              "gateway/net/read_buffer.hpp specializes Boost 1.81's reactive_socket_recv_op_base: "
              "check it against this Boost");

namespace gh::net {

/// A mutable_buffer by another name (see the file comment).
struct ReadBuffer : boost::asio::mutable_buffer {
  explicit ReadBuffer(boost::asio::mutable_buffer b) noexcept : boost::asio::mutable_buffer(b) {}
};

/// Turns on TCP_INQ for a TCP socket read through ReadBuffer (one setsockopt per connection);
/// without it its reads stay Asio's. Best effort: a failure only keeps them so.
template <typename Socket>
void enable_read_hints(Socket& socket) {
  const int on = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INQ, &on, sizeof on);
}

}  // namespace gh::net

namespace boost::asio::detail {

// Asio 1.81's do_perform for a single buffer (socket_ops::non_blocking_recv1), reading with
// recvmsg() to learn what the receive queue still holds (see the file comment).
template <>
inline reactor_op::status reactive_socket_recv_op_base<gh::net::ReadBuffer>::do_perform(
    reactor_op* base) {
  auto* o = static_cast<reactive_socket_recv_op_base*>(base);
  const bool stream = (o->state_ & socket_ops::stream_oriented) != 0;
  if (!stream || o->flags_ != 0) {
    if (!socket_ops::non_blocking_recv1(o->socket_, o->buffers_.data(), o->buffers_.size(),
                                        o->flags_, stream, o->ec_, o->bytes_transferred_)) {
      return not_done;
    }
    return stream && o->bytes_transferred_ == 0 ? done_and_exhausted : done;
  }
  iovec iov{o->buffers_.data(), o->buffers_.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  for (;;) {
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(o->socket_, &msg, 0);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      o->ec_ = boost::system::error_code(err, boost::asio::error::get_system_category());
      if (err == EAGAIN || err == EWOULDBLOCK) return not_done;
      o->bytes_transferred_ = 0;
      return done_and_exhausted;
    }
    if (n == 0) {
      o->ec_ = boost::asio::error::eof;
      o->bytes_transferred_ = 0;
      return done_and_exhausted;
    }
    o->ec_.assign(0, o->ec_.category());
    o->bytes_transferred_ = static_cast<std::size_t>(n);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_TCP && c->cmsg_type == TCP_CM_INQ) {
        int left = 1;
        std::memcpy(&left, CMSG_DATA(c), sizeof left);
        return left == 0 ? done_and_exhausted : done;
      }
    }
    return done;
  }
}

}  // namespace boost::asio::detail
