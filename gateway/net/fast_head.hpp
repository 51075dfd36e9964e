#pragma once
/// Fast parsers for the message heads clients and upstreams usually send, ahead of Beast's
/// general parser.
///
/// Beast's parser costs about 2,500 instructions for a three-field request and 4,400 for a
/// five-field response (it looks every field name up in its table of known fields and checks
/// each character through several layers): a tenth of a proxied request each. Most messages
/// are one plain shape: an HTTP/1.x start line, token-named fields without folding, and a
/// simple body framing. These parsers handle exactly that shape in one pass and decline
/// everything else (kFallback): chunked or EOF-delimited bodies, interim 1xx and 101
/// responses, upgrades, folded or unusual fields, a second Content-Length, a head over its
/// limit, and on the request side a body that has not all arrived yet. The caller then hands the
/// same bytes to Beast, which gives the general result or the error. So a fast path never accepts
/// what Beast would reject, and yields what Beast would (start line, fields in order with values
/// trimmed, body length, keep-alive); tests/unit/test_fast_head.cpp checks both against Beast, with
/// thousands of mutated heads.
///
/// One deliberate difference: a message naming both `keep-alive` and `close` in Connection
/// does not keep its connection, even in HTTP/1.0, where Beast would keep it (RFC 9112 §9.3:
/// "close" ends the connection).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/core/request.hpp"
#include "gateway/core/response.hpp"

namespace gh::net {

enum class HeadParse {
  kNeedMore,  // no complete head yet: read more and call again with all the bytes
  kParsed,    // `response` holds the status and fields, `head` says what follows
  kFallback,  // not the plain shape: parse the same bytes with the general parser
};

struct ResponseHead {
  std::size_t size = 0;              // bytes of the status line, fields and the blank line
  bool has_body = false;             // false: nothing follows (204, 304, a response to HEAD)
  std::uint64_t content_length = 0;  // the body's length when has_body
  bool keep_alive = false;           // the connection may carry another request
};

/// Parses the head at the start of `data`. `head_request`: the response answers a HEAD, so
/// it has no body whatever it announces. Heads longer than `max_head` and bodies longer than
/// `max_body` fall back (the general parser reports them). On kParsed, `response.status` and
/// `response.headers` are set (the headers replaced); otherwise `response` is unspecified.
HeadParse parse_response_head(std::string_view data, bool head_request, std::size_t max_head,
                              std::uint64_t max_body, core::Response& response, ResponseHead& head);

struct RequestHead {
  std::size_t size = 0;              // bytes of the request line, fields and the blank line
  std::uint64_t content_length = 0;  // the body's bytes, in `data` right after the head
  bool keep_alive = false;           // the connection may carry another request
};

/// Parses a request head at the start of `data` into `request` (method, target, version,
/// headers appended). The request has no body, or one Content-Length whose bytes have all
/// arrived (they follow the head in `data`; the caller takes them) and are at most `max_body`.
/// Everything else falls back: Transfer-Encoding, a body still arriving or over `max_body`
/// (Beast reads it, under its deadline, and refuses one too large), upgrades (WebSocket
/// handshakes), a missing or repeated Host in HTTP/1.1, and heads longer than `max_head`. On
/// anything but kParsed, `request` is unspecified.
HeadParse parse_request_head(std::string_view data, std::size_t max_head, std::uint64_t max_body,
                             core::Request& request, RequestHead& head);

}  // namespace gh::net
