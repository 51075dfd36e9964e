#pragma once
/// FrameMeter: a pass-through stream layer under Beast's websocket::stream that watches the
/// client's frame headers go by, because AWS limits WebSocket *frames* to 32 KB (a larger frame
/// closes the connection with 1009) while Beast only limits whole messages. A 100 KB message sent
/// as one frame is refused; the same message in four 25 KB fragments is accepted
/// (aws-behaviour.md §2.5).
///
/// It parses the RFC 6455 header of every frame read from the next layer (2 bytes, then the
/// 16- or 64-bit length, then the mask key) and skips the payload, so it costs a few branches per
/// read. It only observes: the bytes reach Beast unchanged. What it records is the index of the
/// first message that holds an oversized data frame (counting messages by their final frames),
/// so a session can tell that message from the good ones Beast may have read ahead of it.

#include <array>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cstdint>
#include <optional>

namespace gh::net {

/// The header parser, separate from the stream so it can be tested on bytes alone.
class FrameHeaderScanner {
 public:
  explicit FrameHeaderScanner(std::uint64_t max_frame) : max_frame_(max_frame) {}

  /// Feeds bytes in the order they arrived.
  void feed(const unsigned char* data, std::size_t size) {
    while (size > 0) {
      if (skip_ > 0) {
        std::uint64_t n = std::min<std::uint64_t>(skip_, size);
        skip_ -= n;
        data += n;
        size -= n;
        continue;
      }
      header_[have_++] = *data++;
      --size;
      if (have_ < 2) continue;
      std::size_t need = 2;
      unsigned len7 = header_[1] & 0x7f;
      if (len7 == 126) need += 2;
      if (len7 == 127) need += 8;
      if (header_[1] & 0x80) need += 4;  // mask key
      if (have_ < need) continue;
      std::uint64_t length = len7;
      if (len7 == 126) length = (std::uint64_t{header_[2]} << 8) | header_[3];
      if (len7 == 127) {
        length = 0;
        for (int i = 2; i < 10; ++i) length = (length << 8) | header_[i];
      }
      on_frame(header_[0], length);
      skip_ = length;
      have_ = 0;
    }
  }

  /// The 0-based index of the first message holding a data frame over the limit, if any.
  std::optional<std::uint64_t> oversized_message() const noexcept { return oversized_; }

 private:
  void on_frame(unsigned char first, std::uint64_t length) {
    unsigned opcode = first & 0x0f;
    bool fin = (first & 0x80) != 0;
    if (opcode >= 0x8) return;  // control frames (≤ 125 bytes by the protocol) end no message
    if (length > max_frame_ && !oversized_) oversized_ = messages_;
    if (fin) ++messages_;
  }

  std::uint64_t max_frame_;
  std::array<unsigned char, 14> header_{};
  std::size_t have_ = 0;
  std::uint64_t skip_ = 0;
  std::uint64_t messages_ = 0;
  std::optional<std::uint64_t> oversized_;
};

template <typename NextLayer>
class FrameMeter {
 public:
  using executor_type = typename NextLayer::executor_type;

  FrameMeter(NextLayer& next, std::uint64_t max_frame) : next_(next), scanner_(max_frame) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  NextLayer& next() noexcept { return next_; }
  const FrameHeaderScanner& scanner() const noexcept { return scanner_; }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    using boost::system::error_code;
    return boost::asio::async_compose<Token, void(error_code, std::size_t)>(
        [this, buffers, started = false](auto& self, error_code ec = {},
                                         std::size_t n = 0) mutable {
          if (!started) {
            started = true;
            next_.async_read_some(buffers, std::move(self));
            return;
          }
          observe(buffers, n);
          self.complete(ec, n);
        },
        token, next_);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return next_.async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  template <typename MutableBuffers>
  void observe(const MutableBuffers& buffers, std::size_t n) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         n > 0 && it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b = *it;
      std::size_t take = std::min(n, b.size());
      scanner_.feed(static_cast<const unsigned char*>(b.data()), take);
      n -= take;
    }
  }

  NextLayer& next_;
  FrameHeaderScanner scanner_;
};

// Beast closes a WebSocket's transport through teardown(), found by ADL: the meter's is the
// next layer's.
template <typename NextLayer>
void teardown(boost::beast::role_type role, FrameMeter<NextLayer>& meter,
              boost::system::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, meter.next(), ec);
}

template <typename NextLayer, typename TeardownHandler>
void async_teardown(boost::beast::role_type role, FrameMeter<NextLayer>& meter,
                    TeardownHandler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, meter.next(), std::forward<TeardownHandler>(handler));
}

/// And drops a failed connection with beast_close_socket(), also found by ADL.
template <typename NextLayer>
void beast_close_socket(FrameMeter<NextLayer>& meter) {
  boost::beast::close_socket(boost::beast::get_lowest_layer(meter.next()));
}

}  // namespace gh::net
