#include "gateway/net/http_wire.hpp"

#include <spdlog/spdlog.h>

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <cstring>

#include "gateway/util/ascii.hpp"
#include "gateway/util/time_format.hpp"

namespace gh::net {

namespace http = boost::beast::http;
using namespace std::string_view_literals;

namespace {

// No CR, LF or NUL (they would split or end the head), eight bytes at a time: all three are
// below 0x0e, so a word with no byte that low is fine as it is.
bool valid_header_text(std::string_view s) {
  return util::all_bytes(
      s, [](std::uint64_t w) { return util::word_has_below(w, 0x0e); },
      [](unsigned char c) { return c != '\r' && c != '\n' && c != '\0'; });
}

// Fields serialize_head() writes itself: framing, Date, and Content-Type (written first).
// By length first: most names match none of the lengths.
bool written_by_us(std::string_view name) {
  switch (name.size()) {
    case 4:
      return core::iequals(name, "Date");
    case 10:
      return core::iequals(name, "Connection") || core::iequals(name, "Keep-Alive");
    case 12:
      return core::iequals(name, "Content-Type");
    case 14:
      return core::iequals(name, "Content-Length");
    case 17:
      return core::iequals(name, "Transfer-Encoding");
    default:
      return false;
  }
}

}  // namespace

bool serialize_head(std::string& out, const core::Response& response, unsigned version,
                    bool head_request, bool keep_alive) {
  // Sized once, then written through a cursor: appending piece by piece costs a capacity check
  // and a call per piece (about twenty pieces per response).
  const int status = response.status;
  const std::string_view reason =
      http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  const std::string_view date = util::http_date_now();
  const std::string* content_type = response.headers.find("Content-Type");
  if (content_type && !valid_header_text(*content_type)) content_type = nullptr;
  const bool no_body = (status >= 100 && status < 200) || status == 204 || status == 304;
  // A HEAD answer may state the length a GET would have (the S3 API's HeadObject): only
  // service APIs can, the pipeline drops integrations' Content-Length.
  const std::string* head_length =
      head_request && !no_body ? response.headers.find("Content-Length") : nullptr;
  if (head_length &&
      (head_length->empty() || head_length->find_first_not_of("0123456789") != std::string::npos)) {
    head_length = nullptr;
  }
  // API Gateway states keep-alive explicitly (docs/aws-notes-core.md §10).
  const std::string_view connection =
      keep_alive ? "Connection: keep-alive\r\n"sv : "Connection: close\r\n"sv;

  std::size_t bound = 9 + 24 + 1 + reason.size() + 8 + date.size() + 2 + connection.size() + 2;
  if (content_type) bound += 14 + content_type->size() + 2;
  if (!no_body) bound += 16 + (head_length ? head_length->size() : 24) + 2;
  for (const auto& f : response.headers) bound += f.name.size() + f.value.size() + 4;
  out.resize(bound);

  char* at = out.data();
  auto put = [&at](std::string_view piece) {
    if (piece.empty()) return;  // (an empty view's data() may be null: no memcpy from it)
    std::memcpy(at, piece.data(), piece.size());
    at += piece.size();
  };
  put(version == 10 ? "HTTP/1.0 "sv : "HTTP/1.1 "sv);
  at = std::to_chars(at, at + 24, status).ptr;
  *at++ = ' ';
  put(reason);
  put("\r\nDate: "sv);
  put(date);
  put("\r\n"sv);
  if (content_type) {
    put("Content-Type: "sv);
    put(*content_type);
    put("\r\n"sv);
  }
  if (!no_body) {
    put("Content-Length: "sv);
    if (head_length) {
      put(*head_length);
    } else {
      std::size_t length = response.body_source
                               ? static_cast<std::size_t>(response.body_source->size())
                               : response.body.size();
      at = std::to_chars(at, at + 24, length).ptr;
    }
    put("\r\n"sv);
  }
  put(connection);
  for (const auto& f : response.headers) {
    if (written_by_us(f.name)) continue;
    if (f.name.empty() || !valid_header_text(f.name) || !valid_header_text(f.value)) {
      spdlog::warn("dropping response header with a control character: {}", f.name);
      continue;
    }
    put(f.name);
    put(": "sv);
    put(f.value);
    put("\r\n"sv);
  }
  put("\r\n"sv);
  out.resize(static_cast<std::size_t>(at - out.data()));
  return !no_body && !head_request;
}

}  // namespace gh::net
