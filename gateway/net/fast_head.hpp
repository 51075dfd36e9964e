#pragma once
/// A fast parser for the response heads upstreams usually send, ahead of Beast's general one.
///
/// Beast's parser costs about 4,400 instructions for a five-field response (it looks every
/// field name up in its table of known fields and checks each character through several
/// layers), an eighth of a proxied request. Most upstream responses are one plain shape:
/// an HTTP/1.x status line, token-named fields without folding, and a body framed by one
/// Content-Length (or none at all: 204, 304, HEAD). parse_response_head() parses exactly that
/// shape in one pass and declines everything else (kFallback): chunked or EOF-delimited
/// bodies, interim 1xx and 101 responses, folded or unusual fields, a second Content-Length,
/// Connection: upgrade, a head over its limit. The caller then hands the same bytes to Beast,
/// which gives the general result or the error. So the fast path never accepts what Beast would
/// reject, and yields what Beast would (status, fields in order with values trimmed, body
/// length, keep-alive); tests/unit/test_response_head.cpp checks both against Beast.

#include <cstddef>
#include <cstdint>
#include <string_view>

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

}  // namespace gh::net
