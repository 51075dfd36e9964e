#include "gateway/net/fast_head.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "gateway/util/ascii.hpp"

namespace gh::net {

namespace {

// RFC 9110 §5.5: field-value and reason-phrase characters (HTAB, SP, VCHAR, obs-text).
constexpr std::array<bool, 256> kText = [] {
  std::array<bool, 256> t{};
  t['\t'] = true;
  for (int c = 0x20; c <= 0x7e; ++c) t[c] = true;
  for (int c = 0x80; c <= 0xff; ++c) t[c] = true;
  return t;
}();

// Field values and reason phrases: every byte in kText, eight at a time (a word with no byte
// below 0x20 and no DEL is text as it is).
bool all_text(std::string_view s) {
  return util::all_bytes(
      s,
      [](std::uint64_t w) { return util::word_has_below(w, 0x20) | util::word_has_byte(w, 0x7f); },
      [](unsigned char c) { return kText[c]; });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

enum class Line { kOk, kNeedMore, kFallback };

// The next CRLF-terminated line from `p`; a bare LF falls back (the general parser decides).
Line next_line(const char*& p, const char* end, std::string_view& line) {
  if (p == end) return Line::kNeedMore;  // (an empty buffer's data() may be null: no memchr)
  const void* found = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
  if (!found) return Line::kNeedMore;
  const char* nl = static_cast<const char*>(found);
  if (nl == p || nl[-1] != '\r') return Line::kFallback;
  line = std::string_view(p, static_cast<std::size_t>(nl - 1 - p));
  p = nl + 1;
  return Line::kOk;
}

// The bytes a head may occupy (the first max_head; past them the general parser reports it),
// and the read position in them.
struct Cursor {
  Cursor(std::string_view data, std::size_t max_head)
      : begin(data.data()),
        end(begin + std::min(data.size(), max_head)),
        p(begin),
        need_more(data.size() > max_head ? HeadParse::kFallback : HeadParse::kNeedMore) {}

  // The next CRLF-terminated line: kParsed when there is one, else what the parse returns.
  HeadParse next(std::string_view& line) {
    switch (next_line(p, end, line)) {
      case Line::kOk:
        return HeadParse::kParsed;
      case Line::kNeedMore:
        return need_more;
      case Line::kFallback:
        break;
    }
    return HeadParse::kFallback;
  }
  std::size_t used() const noexcept { return static_cast<std::size_t>(p - begin); }

  const char* begin;
  const char* end;
  const char* p;
  HeadParse need_more;
};

// What the fields of a head said about framing and the connection.
struct Facts {
  bool has_length = false;
  std::uint64_t length = 0;
  bool close = false;
  bool keep_alive_token = false;
  bool upgrade_header = false;  // an Upgrade field
  int hosts = 0;
};

// A Connection or Proxy-Connection value: Beast reads both as the connection's options and
// rejects a value that is not a list of tokens, so false (fall back) for one; and for
// "upgrade", which only the general path handles.
bool connection_options(std::string_view value, Facts& facts) {
  std::string_view rest = value;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view token = trim(rest.substr(0, comma));
    if (!util::all_tchar(token)) return false;
    if (util::iequals_ascii(token, "close")) {
      facts.close = true;
    } else if (util::iequals_ascii(token, "keep-alive")) {
      facts.keep_alive_token = true;
    } else if (util::iequals_ascii(token, "upgrade")) {
      return false;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return true;
}

// The fields up to the blank line, each added to `headers`. Declines (kFallback) what only the
// general parser should judge; p ends past the blank line.
HeadParse parse_fields(Cursor& at, core::HeaderMap& headers, Facts& facts) {
  std::string_view line;
  for (;;) {
    if (HeadParse r = at.next(line); r != HeadParse::kParsed) return r;
    if (line.empty()) return HeadParse::kParsed;  // the blank line ending the head
    // The name: one or more tchars up to the colon (a leading SP, folding, fails here).
    std::size_t colon = 0;
    while (colon < line.size() && util::is_tchar(line[colon])) ++colon;
    if (colon == 0 || colon == line.size() || line[colon] != ':') return HeadParse::kFallback;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (!all_text(value)) return HeadParse::kFallback;
    // The names that matter here, told apart by their length first (most fields are none).
    switch (name.size()) {
      case 14:  // Content-Length: one plain number; a second one, even equal, is Beast's.
        if (util::iequals_ascii(name, "Content-Length")) {
          if (facts.has_length || value.empty() || value.size() > 18) return HeadParse::kFallback;
          for (char c : value) {
            if (c < '0' || c > '9') return HeadParse::kFallback;
            facts.length = facts.length * 10 + static_cast<std::uint64_t>(c - '0');
          }
          facts.has_length = true;
        }
        break;
      case 17:
        if (util::iequals_ascii(name, "Transfer-Encoding")) return HeadParse::kFallback;
        break;
      case 10:
      case 16:
        if (util::iequals_ascii(name, "Connection") ||
            util::iequals_ascii(name, "Proxy-Connection")) {
          if (!connection_options(value, facts)) return HeadParse::kFallback;
        }
        break;
      case 7:
        if (util::iequals_ascii(name, "Upgrade")) facts.upgrade_header = true;
        break;
      case 4:
        if (util::iequals_ascii(name, "Host")) ++facts.hosts;
        break;
      default:
        break;
    }
    headers.add_copy(name, value);
  }
}

// RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive" (as Beast
// reads it), and never with "close".
bool keeps_alive(bool http11, const Facts& facts) {
  return http11 ? !facts.close : (facts.keep_alive_token && !facts.close);
}

// RFC 9110 §5.6.2 token, non-empty.
bool is_token(std::string_view s) { return !s.empty() && util::all_tchar(s); }

// Beast's request-target characters: any octet but controls, SP and DEL.
bool is_target(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

}  // namespace

HeadParse parse_response_head(std::string_view data, bool head_request, std::size_t max_head,
                              std::uint64_t max_body, core::Response& response,
                              ResponseHead& head) {
  Cursor at(data, max_head);
  std::string_view line;
  // Status line: "HTTP/1.0" or "HTTP/1.1", SP, three digits, SP, reason phrase.
  if (HeadParse r = at.next(line); r != HeadParse::kParsed) return r;
  if (line.size() < 13 || line.substr(0, 7) != "HTTP/1." || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ' || line[12] != ' ') {
    return HeadParse::kFallback;
  }
  const bool http11 = line[7] == '1';
  int status = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return HeadParse::kFallback;
    status = status * 10 + (line[i] - '0');
  }
  // Interim (1xx) and switching responses, and codes outside HTTP's range, take the general path.
  if (status < 200 || status > 599) return HeadParse::kFallback;
  if (!all_text(line.substr(13))) return HeadParse::kFallback;

  response.status = status;
  response.headers.clear();
  Facts facts;
  if (HeadParse r = parse_fields(at, response.headers, facts); r != HeadParse::kParsed) {
    return r;
  }

  head.size = at.used();
  // RFC 9112 §6.3: responses to HEAD, 204 and 304 end with their head.
  head.has_body = !head_request && status != 204 && status != 304;
  if (head.has_body) {
    // A body read until the connection closes is the general parser's (and ends the
    // connection anyway).
    if (!facts.has_length || facts.length > max_body) return HeadParse::kFallback;
    head.content_length = facts.length;
  } else {
    head.content_length = 0;
  }
  head.keep_alive = keeps_alive(http11, facts);
  return HeadParse::kParsed;
}

HeadParse parse_request_head(std::string_view data, std::size_t max_head, std::uint64_t max_body,
                             core::Request& request, RequestHead& head) {
  Cursor at(data, max_head);
  std::string_view line;
  // Request line: method SP request-target SP "HTTP/1.0" or "HTTP/1.1".
  if (HeadParse r = at.next(line); r != HeadParse::kParsed) return r;
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return HeadParse::kFallback;
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return HeadParse::kFallback;
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || !is_target(target) || (version != "HTTP/1.1" && version != "HTTP/1.0")) {
    return HeadParse::kFallback;
  }
  const bool http11 = version[7] == '1';

  Facts facts;
  if (HeadParse r = parse_fields(at, request.headers, facts); r != HeadParse::kParsed) {
    return r;
  }
  // An upgrade and Host trouble (RFC 9112 §3.2: an HTTP/1.1 request has exactly one) are the
  // general path's.
  if (facts.upgrade_header || facts.hosts > 1 || (http11 && facts.hosts == 0)) {
    return HeadParse::kFallback;
  }
  // So is a body still arriving (Beast reads it under the body deadline) or over the limit.
  const std::size_t used = at.used();
  if (facts.has_length && (facts.length > max_body || facts.length > data.size() - used)) {
    return HeadParse::kFallback;
  }
  request.method.assign(method);
  request.set_target(std::string(target));
  request.version = http11 ? 11 : 10;
  head.size = used;
  head.content_length = facts.has_length ? facts.length : 0;
  head.keep_alive = keeps_alive(http11, facts);
  return HeadParse::kParsed;
}

}  // namespace gh::net
