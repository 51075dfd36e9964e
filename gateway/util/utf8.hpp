#pragma once
/// UTF-8 well-formedness as Unicode §3.9 (Table 3-7) defines it: no overlong forms, no
/// surrogates, nothing above U+10FFFF. Pure functions.

#include <cstddef>
#include <string>
#include <string_view>

namespace gh::util {

/// Length (1 to 4) of the well-formed UTF-8 sequence that starts at `text[i]` (i < size), or 0
/// when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept;

/// `bytes` as valid UTF-8: each maximal ill-formed subpart becomes one U+FFFD (Unicode §3.9,
/// "U+FFFD substitution of maximal subparts"), as Java's and Python's decoders do.
std::string replace_invalid_utf8(std::string_view bytes);

}  // namespace gh::util
