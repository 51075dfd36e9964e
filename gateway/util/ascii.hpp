#pragma once
/// ASCII case folding for protocol text (header names, IAM actions, SigV4 names): no locale,
/// inline, so the hot paths that compare names pay no library call per character.

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace gh::util {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

namespace detail {
inline constexpr std::uint64_t kOnes = 0x0101010101010101u;
inline constexpr std::uint64_t kHighs = 0x8080808080808080u;

/// ascii_lower() of each byte of `word` at once: 'A'..'Z' gain 0x20, every other byte (those
/// of 0x80 and above included) is kept.
constexpr std::uint64_t lower_word(std::uint64_t word) noexcept {
  const std::uint64_t seven = word & ~kHighs;  // each byte's low seven bits: no carries below
  const std::uint64_t above_z = seven + kOnes * (0x7f - 'Z');  // high bit: byte > 'Z'
  const std::uint64_t from_a = seven + kOnes * (0x80 - 'A');   // high bit: byte >= 'A'
  const std::uint64_t upper = (from_a ^ above_z) & ~word & kHighs;
  return word | (upper >> 2);
}
}  // namespace detail

/// Equal ignoring ASCII case. Header names are compared many times per request: eight bytes at
/// a time, then four, then one.
constexpr bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  std::size_t i = 0;
  if (!std::is_constant_evaluated()) {
    for (; i + 8 <= a.size(); i += 8) {
      std::uint64_t x = 0;
      std::uint64_t y = 0;
      std::memcpy(&x, a.data() + i, 8);
      std::memcpy(&y, b.data() + i, 8);
      if (x != y && detail::lower_word(x) != detail::lower_word(y)) return false;
    }
    if (i + 4 <= a.size()) {
      std::uint32_t x = 0;
      std::uint32_t y = 0;
      std::memcpy(&x, a.data() + i, 4);
      std::memcpy(&y, b.data() + i, 4);
      if (x != y && detail::lower_word(x) != detail::lower_word(y)) return false;
      i += 4;
    }
  }
  for (; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

namespace detail {
inline constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();
}  // namespace detail

/// RFC 9110 §5.6.2 tchar: the characters of a token (field names, list options).
constexpr bool is_tchar(char c) noexcept { return detail::kTchar[static_cast<unsigned char>(c)]; }

/// Every character of `s` is a tchar (true for an empty `s`).
constexpr bool all_tchar(std::string_view s) noexcept {
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

/// Word-at-a-time scans of protocol text: a byte test that is cheap on eight bytes at once
/// screens each word, and only a word it flags is looked at byte by byte.
/// Non-zero when some byte of `word` is below `n` (n <= 0x80). Exact as to whether one is.
constexpr std::uint64_t word_has_below(std::uint64_t word, unsigned n) noexcept {
  return (word - detail::kOnes * n) & ~word & detail::kHighs;
}
/// Non-zero when some byte of `word` equals `b`. Exact as to whether one does.
constexpr std::uint64_t word_has_byte(std::uint64_t word, unsigned char b) noexcept {
  const std::uint64_t x = word ^ (detail::kOnes * b);
  return (x - detail::kOnes) & ~x & detail::kHighs;
}
/// Every byte of `s` passes `ok`, where `flagged(word)` is non-zero for every 8-byte word that
/// holds a byte `ok` refuses (it may flag others: those are checked byte by byte).
template <typename Flag, typename Ok>
bool all_bytes(std::string_view s, Flag flagged, Ok ok) {
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    if (flagged(word) == 0) continue;
    for (int i = 0; i < 8; ++i) {
      if (!ok(static_cast<unsigned char>(p[i]))) return false;
    }
  }
  for (; n > 0; ++p, --n) {
    if (!ok(static_cast<unsigned char>(*p))) return false;
  }
  return true;
}

}  // namespace gh::util
