// util/utf8: well-formed sequence lengths and U+FFFD substitution of maximal subparts.
#include <doctest/doctest.h>

#include <string>

#include "gateway/util/utf8.hpp"

using namespace std::string_literals;

namespace {
const std::string kFffd = "\xEF\xBF\xBD";
}

TEST_CASE("utf8: sequence lengths") {
  using gh::util::utf8_sequence_length;
  CHECK(utf8_sequence_length("a", 0) == 1);
  CHECK(utf8_sequence_length("\x00"s, 0) == 1);
  CHECK(utf8_sequence_length("\xC3\xA9", 0) == 2);          // é
  CHECK(utf8_sequence_length("\xE2\x82\xAC", 0) == 3);      // €
  CHECK(utf8_sequence_length("\xF0\x9F\x98\x80", 0) == 4);  // 😀
  CHECK(utf8_sequence_length("x\xE2\x82\xAC", 1) == 3);
  CHECK(utf8_sequence_length("\x80", 0) == 0);              // lone continuation byte
  CHECK(utf8_sequence_length("\xC0\xAF", 0) == 0);          // overlong
  CHECK(utf8_sequence_length("\xE0\x80\xAF", 0) == 0);      // overlong
  CHECK(utf8_sequence_length("\xED\xA0\x80", 0) == 0);      // surrogate
  CHECK(utf8_sequence_length("\xF4\x90\x80\x80", 0) == 0);  // above U+10FFFF
  CHECK(utf8_sequence_length("\xF5\x80\x80\x80", 0) == 0);
  CHECK(utf8_sequence_length("\xE2\x82", 0) == 0);  // truncated
  CHECK(utf8_sequence_length("\xFF", 0) == 0);
}

TEST_CASE("utf8: replace_invalid_utf8") {
  using gh::util::replace_invalid_utf8;
  CHECK(replace_invalid_utf8("") == "");
  CHECK(replace_invalid_utf8("plain text") == "plain text");
  CHECK(replace_invalid_utf8("\x00\x7F"s) == "\x00\x7F"s);
  CHECK(replace_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
        "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  CHECK(replace_invalid_utf8("a\xFF|") == "a" + kFffd + "|");
  CHECK(replace_invalid_utf8("\x80\x80") == kFffd + kFffd);
  // A truncated sequence is one maximal subpart: one U+FFFD.
  CHECK(replace_invalid_utf8("\xE2\x82|") == kFffd + "|");
  CHECK(replace_invalid_utf8("\xF0\x9F\x98") == kFffd);
  // A byte that starts no sequence (C0: overlong), or a lead whose next byte is out of its range
  // (surrogates, above U+10FFFF), is a subpart of its own.
  CHECK(replace_invalid_utf8("\xC0\xAF") == kFffd + kFffd);
  CHECK(replace_invalid_utf8("\xED\xA0\x80") == kFffd + kFffd + kFffd);
  CHECK(replace_invalid_utf8("\xF4\x90\x80\x80") == kFffd + kFffd + kFffd + kFffd);
  // Unicode §3.9, Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64.
  CHECK(replace_invalid_utf8("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64") ==
        "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d");
  // PNG's signature, as an upload without a binary media type arrives.
  CHECK(replace_invalid_utf8("\x89PNG\r\n\x1A\n") == kFffd + "PNG\r\n\x1A\n");
}
