// The fast head parsers against Beast's: whatever they accept, Beast accepts with the same
// start line, fields, body framing and keep-alive; a prefix of an acceptable head asks for more.
#include <doctest/doctest.h>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gateway/net/fast_head.hpp"
#include "gateway/net/http_wire.hpp"
#include "gateway/util/ascii.hpp"

namespace {

namespace http = boost::beast::http;
using gh::net::HeadParse;
using gh::net::parse_response_head;
using gh::net::ResponseHead;

constexpr std::size_t kMaxHead = 4096;
constexpr std::uint64_t kMaxBody = 1 << 20;

struct Parsed {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool keep_alive = false;
  std::size_t used = 0;  // bytes of the message
};

// Beast's reading of `wire`, or nullopt when it rejects it or needs more.
std::optional<Parsed> beast_parse(const std::string& wire, bool head_request) {
  http::response_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(kMaxHead));
  parser.body_limit(kMaxBody);
  parser.eager(true);
  if (head_request) parser.skip(true);
  boost::system::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done()) {
    std::size_t n = parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
    used += n;
    if (ec || n == 0) return std::nullopt;
  }
  Parsed out;
  out.status = parser.get().result_int();
  for (const auto& f : parser.get()) {
    out.fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  out.body = parser.get().body();
  out.keep_alive = parser.keep_alive();
  out.used = used;
  return out;
}

// The fast parser's reading: the head, then the body it frames.
HeadParse fast_parse(const std::string& wire, bool head_request, Parsed& out) {
  gh::core::Response response;
  ResponseHead head;
  HeadParse result = parse_response_head(wire, head_request, kMaxHead, kMaxBody, response, head);
  if (result != HeadParse::kParsed) return result;
  out.status = response.status;
  for (const auto& f : response.headers) out.fields.emplace_back(f.name, f.value);
  out.keep_alive = head.keep_alive;
  out.used = head.size;
  if (head.has_body) {
    if (wire.size() - head.size < head.content_length) return HeadParse::kNeedMore;
    out.body = wire.substr(head.size, head.content_length);
    out.used += head.content_length;
  }
  return result;
}

std::string lowered(std::string s) {
  for (char& c : s) c = gh::util::ascii_lower(c);
  return s;
}

struct Case {
  std::string wire;
  bool head_request = false;
};

const std::vector<Case> kPlain = {
    {"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 03 Dec 2026 10:00:00 GMT\r\n"
     "Content-Type: text/plain\r\nContent-Length: 22\r\nConnection: keep-alive\r\n\r\n"
     "hello from the backend"},
    {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi"},
    {"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nhi"},
    {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi"},
    {"HTTP/1.1 200 OK\r\nconnection: keep-alive, X-Option , close\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nProxy-Connection: close\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 204 No Content\r\nX-Id: 7\r\n\r\n"},
    {"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\nETag: \"abc\"\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true},
    {"HTTP/1.1 404 Not Found\r\nX-A:   spaced  \t\r\nX-Empty:\r\nX-Empty2:  \r\n"
     "Content-Length: 3\r\n\r\nnot"},
    {"HTTP/1.1 503 \r\nX-Utf: caf\xc3\xa9\r\ncontent-length: 000004\r\n\r\nbusy"},
    {"HTTP/1.1 200 D\xc3\xa9j\xc3\xa0 vu\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
     "Content-Length: 1\r\n\r\nx"},
    {"HTTP/1.1 201 Created\r\nLocation: /pets/1\r\nContent-Length: 11\r\n\r\n{\"id\":\"1\"}\n"
     "HTTP/1.1 200 OK\r\n"},  // bytes after the body are not this response's
    {"HTTP/1.1 599 Odd\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n"},
};

const std::vector<Case> kDeclined = {
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close"},
    {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nConnection: Upgrade\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200 OK\nContent-Length: 0\n\n"},
    {"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi"},
    {"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nhi"},
    {"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nhi"},
    {"HTTP/1.1 200 OK\r\nConnection: keep alive\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nX-Ctl: a\x01"
     "b\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nX-Del: a\x7f\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\n: x\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 600 Beyond\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n"},
    {"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n"},  // over the body limit
};

}  // namespace

TEST_CASE("response head: the plain shapes parse as Beast parses them") {
  for (const auto& c : kPlain) {
    CAPTURE(c.wire);
    Parsed fast;
    REQUIRE(fast_parse(c.wire, c.head_request, fast) == HeadParse::kParsed);
    auto beast = beast_parse(c.wire, c.head_request);
    REQUIRE(beast);
    CHECK(fast.status == beast->status);
    CHECK(fast.fields == beast->fields);
    CHECK(fast.body == beast->body);
    CHECK(fast.keep_alive == beast->keep_alive);
    CHECK(fast.used == beast->used);
  }
}

TEST_CASE("response head: every part of a head asks for more") {
  for (const auto& c : kPlain) {
    gh::core::Response response;
    ResponseHead head;
    REQUIRE(parse_response_head(c.wire, c.head_request, kMaxHead, kMaxBody, response, head) ==
            HeadParse::kParsed);
    for (std::size_t n = 0; n < head.size; ++n) {
      CAPTURE(c.wire.substr(0, n));
      CHECK(parse_response_head(std::string_view(c.wire).substr(0, n), c.head_request, kMaxHead,
                                kMaxBody, response, head) == HeadParse::kNeedMore);
    }
  }
}

TEST_CASE("response head: other shapes are left to Beast") {
  for (const auto& c : kDeclined) {
    CAPTURE(c.wire);
    Parsed fast;
    CHECK(fast_parse(c.wire, c.head_request, fast) == HeadParse::kFallback);
  }
  // A head that does not end within the limit is Beast's to report.
  std::string long_head = "HTTP/1.1 200 OK\r\nX-Long: " + std::string(kMaxHead, 'a') + "\r\n\r\n";
  gh::core::Response response;
  ResponseHead head;
  CHECK(parse_response_head(long_head, false, kMaxHead, kMaxBody, response, head) ==
        HeadParse::kFallback);
  CHECK(parse_response_head(std::string_view(long_head).substr(0, kMaxHead + 1), false, kMaxHead,
                            kMaxBody, response, head) == HeadParse::kFallback);
}

TEST_CASE("response head: mutated heads are never accepted differently from Beast") {
  // Each plain case with one byte changed, many times over: whenever the fast parser accepts
  // the result, Beast must accept it and read it the same way.
  std::mt19937 random(20261203);
  const std::string interesting = std::string("\r\n :,\t\x7f\x80\x01") + "0aZ-";
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    const Case& c = kPlain[random() % kPlain.size()];
    std::string wire = c.wire;
    std::size_t at = random() % wire.size();
    wire[at] = random() % 2 ? interesting[random() % interesting.size()]
                            : static_cast<char>(random() % 256);
    Parsed fast;
    if (fast_parse(wire, c.head_request, fast) != HeadParse::kParsed) continue;
    ++accepted;
    CAPTURE(wire);
    auto beast = beast_parse(wire, c.head_request);
    REQUIRE(beast);
    CHECK(fast.status == beast->status);
    CHECK(fast.fields == beast->fields);
    CHECK(fast.body == beast->body);
    if (fast.keep_alive != beast->keep_alive) {
      // The one knowing difference: an HTTP/1.0 response naming both keep-alive and close
      // keeps its connection for Beast; "close" wins here (RFC 9112 §9.3), so it is not reused.
      CHECK_FALSE(fast.keep_alive);
      CHECK(wire.rfind("HTTP/1.0", 0) == 0);
      CHECK(lowered(wire).find("close") != std::string::npos);
    }
    CHECK(fast.used == beast->used);
  }
  CHECK(accepted > 5000);  // the mutations mostly land in values and bodies
}

// ---------------------------------------------------------------------------------- requests

namespace {

struct ParsedRequest {
  std::string method;
  std::string target;
  unsigned version = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  bool keep_alive = false;
  std::size_t used = 0;  // bytes of the head and its body
};

// The gateway's Beast-based RequestParser on `wire`; nullopt when it rejects it or needs more.
std::optional<ParsedRequest> beast_request(const std::string& wire) {
  gh::core::Request request;
  gh::net::RequestParser parser(request);
  parser.header_limit(static_cast<std::uint32_t>(kMaxHead));
  parser.eager(true);
  boost::system::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done()) {
    std::size_t n = parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
    used += n;
    if (ec || n == 0) return std::nullopt;
  }
  ParsedRequest out{
      request.method, request.target, request.version, {}, request.body, parser.keep_alive(), used};
  for (const auto& f : request.headers) out.fields.emplace_back(f.name, f.value);
  return out;
}

HeadParse fast_request(const std::string& wire, ParsedRequest& out) {
  gh::core::Request request;
  gh::net::RequestHead head;
  HeadParse result = gh::net::parse_request_head(wire, kMaxHead, kMaxBody, request, head);
  if (result != HeadParse::kParsed) return result;
  // The body is the caller's to take: it follows the head.
  REQUIRE(head.size + head.content_length <= wire.size());
  out = {request.method,
         request.target,
         request.version,
         {},
         wire.substr(head.size, static_cast<std::size_t>(head.content_length)),
         head.keep_alive,
         head.size + static_cast<std::size_t>(head.content_length)};
  for (const auto& f : request.headers) out.fields.emplace_back(f.name, f.value);
  return result;
}

const std::vector<std::string> kPlainRequests = {
    "GET /proxy HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\n\r\n",
    "GET /dev/pets/1?a=1&b=%20x HTTP/1.1\r\nhost: api.example.com\r\nConnection: close\r\n\r\n",
    "DELETE /pets/caf\xc3\xa9 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "HEAD / HTTP/1.0\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: h\r\nOrigin: https://x.example\r\n"
    "Access-Control-Request-Method: PUT\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Sp:  a  b \t\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n"
    "GET /next HTTP/1.1\r\n",  // a pipelined request follows
    "PATCH /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n",
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi",
    "POST /x HTTP/1.1\r\nHost: h\r\ncontent-length: 0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: localhost:4566\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\n"
    "Content-Type: application/x-amz-json-1.0\r\nContent-Length: 00026\r\n\r\n"
    "{\"TableName\":\"t\",\"Key\":{}}",
    "PUT /b/k HTTP/1.0\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n\r\n\x01\xff\n"
    "GET /next HTTP/1.1\r\n",  // a pipelined request follows the body
};

const std::vector<std::string> kDeclinedRequests = {
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nhi",      // still arriving
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n",  // over kMaxBody
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0000000000000000002\r\n\r\nhi",  // 19 digits
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi",
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\nhi",
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: +2\r\n\r\nhi",
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\nhi",
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\nhi",
    "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
    "0\r\n\r\n",
    "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n",
    "GET / HTTP/1.1\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET / HTTP/1.1 \r\nHost: h\r\n\r\n",
    "GET / HTTP/2.0\r\nHost: h\r\n\r\n",
    "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET / HTTP/1.1\nHost: h\n\n",
    "GET / HTTP/1.1\r\nHost: h\r\nX-Fold: a\r\n b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep alive\r\n\r\n",
};

}  // namespace

TEST_CASE("request head: the plain shapes parse as Beast parses them") {
  for (const auto& wire : kPlainRequests) {
    CAPTURE(wire);
    ParsedRequest fast;
    REQUIRE(fast_request(wire, fast) == HeadParse::kParsed);
    auto beast = beast_request(wire);
    REQUIRE(beast);
    CHECK(fast.method == beast->method);
    CHECK(fast.target == beast->target);
    CHECK(fast.version == beast->version);
    CHECK(fast.fields == beast->fields);
    CHECK(fast.body == beast->body);
    CHECK(fast.keep_alive == beast->keep_alive);
    CHECK(fast.used == beast->used);
    // Every part of the head asks for more; a head whose body has not all come is Beast's.
    const std::size_t head_size = fast.used - fast.body.size();
    for (std::size_t n = 0; n < fast.used; ++n) {
      gh::core::Request request;
      gh::net::RequestHead head;
      CHECK(gh::net::parse_request_head(std::string_view(wire).substr(0, n), kMaxHead, kMaxBody,
                                        request, head) ==
            (n < head_size ? HeadParse::kNeedMore : HeadParse::kFallback));
    }
  }
}

TEST_CASE("fast heads: an empty buffer (a null view) asks for more") {
  gh::core::Request request;
  gh::net::RequestHead request_head;
  CHECK(gh::net::parse_request_head(std::string_view(), kMaxHead, kMaxBody, request,
                                    request_head) == HeadParse::kNeedMore);
  gh::core::Response response;
  ResponseHead response_head;
  CHECK(parse_response_head(std::string_view(), false, kMaxHead, kMaxBody, response,
                            response_head) == HeadParse::kNeedMore);
}

TEST_CASE("request head: bodies, upgrades and other shapes are left to Beast") {
  for (const auto& wire : kDeclinedRequests) {
    CAPTURE(wire);
    ParsedRequest fast;
    CHECK(fast_request(wire, fast) == HeadParse::kFallback);
  }
  // A head that does not end within the limit is Beast's to report, however much has come.
  std::string long_head =
      "GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(kMaxHead, 'a') + "\r\n\r\n";
  gh::core::Request request;
  gh::net::RequestHead head;
  CHECK(gh::net::parse_request_head(long_head, kMaxHead, kMaxBody, request, head) ==
        HeadParse::kFallback);
  CHECK(gh::net::parse_request_head(std::string_view(long_head).substr(0, kMaxHead + 1), kMaxHead,
                                    kMaxBody, request, head) == HeadParse::kFallback);
}

TEST_CASE("request head: a body that has all come is taken up to the body limit") {
  const std::string wire =
      "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 000000000000000005\r\n\r\nhello";
  gh::core::Request request;
  gh::net::RequestHead head;
  REQUIRE(gh::net::parse_request_head(wire, kMaxHead, 5, request, head) == HeadParse::kParsed);
  CHECK(head.content_length == 5);  // eighteen digits, leading zeros as Beast reads them
  CHECK(wire.substr(head.size) == "hello");
  // One byte over the limit: Beast's, which refuses it (413) before reading it.
  CHECK(gh::net::parse_request_head(wire, kMaxHead, 4, request, head) == HeadParse::kFallback);
}

TEST_CASE("request head: mutated heads are never accepted differently from Beast") {
  std::mt19937 random(20261204);
  const std::string interesting = std::string("\r\n :,\t\x7f\x80\x01") + "0aZ-/?";
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string wire = kPlainRequests[random() % kPlainRequests.size()];
    std::size_t at = random() % wire.size();
    wire[at] = random() % 2 ? interesting[random() % interesting.size()]
                            : static_cast<char>(random() % 256);
    ParsedRequest fast;
    if (fast_request(wire, fast) != HeadParse::kParsed) continue;
    ++accepted;
    CAPTURE(wire);
    auto beast = beast_request(wire);
    REQUIRE(beast);
    CHECK(fast.method == beast->method);
    CHECK(fast.target == beast->target);
    CHECK(fast.version == beast->version);
    CHECK(fast.fields == beast->fields);
    CHECK(fast.body == beast->body);
    if (fast.keep_alive != beast->keep_alive) {  // the one knowing difference (fast_head.hpp)
      CHECK_FALSE(fast.keep_alive);
      CHECK(wire.find("HTTP/1.0") != std::string::npos);
      CHECK(lowered(wire).find("close") != std::string::npos);
    }
    CHECK(fast.used == beast->used);
  }
  CHECK(accepted > 5000);
}

TEST_CASE("response head: a control byte or DEL anywhere in a long value is Beast's to judge") {
  // Values are checked eight bytes at a time: put each odd byte at every position of the words.
  const std::string value(40, 'v');
  for (std::size_t at = 0; at < value.size(); ++at) {
    for (char odd : {'\x00', '\x01', '\x1f', '\x7f', '\t', ' ', '\x80', '\xff', '~'}) {
      std::string v = value;
      v[at] = odd;
      const std::string wire =
          "HTTP/1.1 200 " + v + "\r\nX-Long: " + v + "\r\nContent-Length: 0\r\n\r\n";
      CAPTURE(at);
      CAPTURE(static_cast<int>(static_cast<unsigned char>(odd)));
      Parsed fast;
      const HeadParse r = fast_parse(wire, false, fast);
      const bool control = (odd >= '\x00' && odd < ' ' && odd != '\t') || odd == '\x7f';
      CHECK(r == (control ? HeadParse::kFallback : HeadParse::kParsed));
      if (r != HeadParse::kParsed) continue;
      auto beast = beast_parse(wire, false);
      REQUIRE(beast);
      CHECK(fast.fields == beast->fields);
    }
  }
}
