#include "gateway/util/ids.hpp"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>

#include "gateway/util/crypto.hpp"
#include "gateway/util/encoding.hpp"

namespace gh::util {

namespace {
std::mt19937_64& generator() {
  thread_local std::mt19937_64 gen{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }()};
  return gen;
}
}  // namespace

void random_bytes(unsigned char* out, std::size_t n) {
  auto& gen = generator();
  for (; n >= 8; n -= 8, out += 8) {
    const std::uint64_t v = gen();
    std::memcpy(out, &v, 8);
  }
  if (n > 0) {
    const std::uint64_t v = gen();
    std::memcpy(out, &v, n);
  }
}

std::string uuid_v4() {
  unsigned char b[16];
  random_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string hex = hex_lower(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' +
         hex.substr(16, 4) + '-' + hex.substr(20, 12);
}

std::string short_request_id() {
  // 11 random bytes in base64 with AWS's URL-safe alphabet ("R9NOvE-qIAMECfw=",
  // "LGSu_i1cLPEEPNw="): 15 characters and one '=' of padding. Written in place: every request
  // gets one.
  static constexpr char kUrlSafe[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char b[12] = {};  // the 12th byte stays zero: the last group encodes 2 bytes
  random_bytes(b, 11);
  std::string id(16, '=');
  for (int group = 0; group < 4; ++group) {
    std::uint32_t v = (std::uint32_t(b[3 * group]) << 16) | (std::uint32_t(b[3 * group + 1]) << 8) |
                      std::uint32_t(b[3 * group + 2]);
    for (int k = 0; k < 4 && 4 * group + k < 15; ++k) {
      id[4 * group + k] = kUrlSafe[(v >> (18 - 6 * k)) & 63];
    }
  }
  return id;
}

std::string trace_id() {
  std::string id;
  append_trace_id(id, std::chrono::system_clock::now());
  return id;
}

void append_trace_id(std::string& out, std::chrono::system_clock::time_point at) {
  unsigned char b[12];
  random_bytes(b, sizeof b);
  auto secs = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count());
  // "Root=1-" + the epoch second in 8 hex digits + '-' + 24 random hex digits, written in place
  // (every proxied request without a trace header gets one).
  constexpr std::string_view kRoot = "Root=1-";
  const std::size_t start = out.size();
  out.resize(start + kRoot.size() + 8 + 1 + 2 * sizeof b, '-');
  char* id = out.data() + start;
  std::memcpy(id, kRoot.data(), kRoot.size());
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) id[kRoot.size() + i] = kHex[(secs >> (28 - 4 * i)) & 0xf];
  hex_lower_into(std::string_view(reinterpret_cast<const char*>(b), sizeof b),
                 id + kRoot.size() + 9);
}

}  // namespace gh::util
