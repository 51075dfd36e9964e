#pragma once
/// ASCII case folding for protocol text (header names, IAM actions, SigV4 names): no locale,
/// inline, so the hot paths that compare names pay no library call per character.

#include <array>
#include <string_view>

namespace gh::util {

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Equal ignoring ASCII case.
constexpr bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
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

}  // namespace gh::util
