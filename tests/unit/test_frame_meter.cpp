// The WebSocket frame-header scanner behind AWS's 32 KB frame limit (net/frame_meter.hpp): client
// frames built by hand, fed whole and byte by byte.
#include <doctest/doctest.h>

#include <vector>

#include "gateway/net/frame_meter.hpp"

namespace {

using Bytes = std::vector<unsigned char>;

/// A masked client frame: FIN flag, opcode and a payload of `length` bytes (zeros).
Bytes frame(bool fin, unsigned opcode, std::uint64_t length) {
  Bytes b{static_cast<unsigned char>((fin ? 0x80 : 0) | opcode)};
  if (length < 126) {
    b.push_back(static_cast<unsigned char>(0x80 | length));
  } else if (length <= 0xffff) {
    b.push_back(0x80 | 126);
    b.push_back(static_cast<unsigned char>(length >> 8));
    b.push_back(static_cast<unsigned char>(length));
  } else {
    b.push_back(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) {
      b.push_back(static_cast<unsigned char>(length >> shift));
    }
  }
  b.insert(b.end(), {1, 2, 3, 4});  // mask key
  b.resize(b.size() + length, 0x7f);
  return b;
}

Bytes join(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

std::optional<std::uint64_t> scan(const Bytes& bytes, bool byte_by_byte) {
  gh::net::FrameHeaderScanner scanner(32 * 1024);
  if (byte_by_byte) {
    for (unsigned char c : bytes) scanner.feed(&c, 1);
  } else {
    scanner.feed(bytes.data(), bytes.size());
  }
  return scanner.oversized_message();
}

}  // namespace

TEST_CASE("frames within the limit pass, in any length encoding and split anywhere") {
  Bytes stream = join({frame(true, 1, 5), frame(true, 1, 300), frame(true, 1, 32 * 1024),
                       frame(false, 1, 20000), frame(false, 0, 20000), frame(true, 0, 20000),
                       frame(true, 9, 10), frame(true, 2, 0)});
  CHECK_FALSE(scan(stream, false));
  CHECK_FALSE(scan(stream, true));
}

TEST_CASE("the first message holding an oversized data frame is found by index") {
  for (bool split : {false, true}) {
    CAPTURE(split);
    // Messages 0 and 1 are fine, message 2 is one 32 KB + 1 frame.
    CHECK(scan(join({frame(true, 1, 10), frame(true, 1, 10), frame(true, 1, 32 * 1024 + 1)}),
               split) == 2u);
    // A control frame between fragments counts as no message; the big fragment is in message 1.
    CHECK(scan(join({frame(true, 1, 10), frame(false, 1, 100), frame(true, 10, 4),
                     frame(true, 0, 40000)}),
               split) == 1u);
    // 64-bit lengths are read whole.
    CHECK(scan(join({frame(true, 2, 70000)}), split) == 0u);
    // Only the first one is recorded.
    CHECK(scan(join({frame(true, 1, 40000), frame(true, 1, 50000)}), split) == 0u);
  }
}
