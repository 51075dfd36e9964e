#include "gateway/util/utf8.hpp"

namespace gh::util {

namespace {

struct Sequence {
  std::size_t length;  // well-formed: the sequence's; ill-formed: the maximal subpart's (>= 1)
  bool valid;
};

/// The sequence at text[i] (i < size).
Sequence sequence_at(std::string_view text, std::size_t i) noexcept {
  unsigned c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return {1, true};
  std::size_t need = 0;           // continuation bytes
  unsigned lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;  // no overlongs
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;  // no overlongs
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  }
  std::size_t k = 0;
  for (std::size_t j = i + 1; k < need && j < text.size(); ++k, ++j) {
    unsigned cc = static_cast<unsigned char>(text[j]);
    if (cc < (k == 0 ? lo : 0x80u) || cc > (k == 0 ? hi : 0xBFu)) break;
  }
  return {k + 1, need > 0 && k == need};
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
  Sequence s = sequence_at(text, i);
  return s.valid ? s.length : 0;
}

std::string replace_invalid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    Sequence s = sequence_at(bytes, i);
    if (s.valid) {
      out.append(bytes.substr(i, s.length));
    } else {
      out += "\xEF\xBF\xBD";
    }
    i += s.length;
  }
  return out;
}

}  // namespace gh::util
