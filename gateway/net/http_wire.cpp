#include "gateway/net/http_wire.hpp"

#include <spdlog/spdlog.h>

#include <boost/beast/http/status.hpp>
#include <charconv>

#include "gateway/util/time_format.hpp"

namespace gh::net {

namespace http = boost::beast::http;

namespace {

bool valid_header_text(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
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

void append_number(std::string& out, std::size_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

}  // namespace

bool serialize_head(std::string& out, const core::Response& response, unsigned version,
                    bool head_request, bool keep_alive) {
  out.clear();
  int status = response.status;
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_number(out, static_cast<std::size_t>(status));
  out += ' ';
  auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  out.append(reason.data(), reason.size());
  out += "\r\nDate: ";
  out += util::http_date_now();
  out += "\r\n";
  const std::string* content_type = response.headers.find("Content-Type");
  if (content_type && valid_header_text(*content_type)) {
    out += "Content-Type: ";
    out += *content_type;
    out += "\r\n";
  }
  bool no_body = (status >= 100 && status < 200) || status == 204 || status == 304;
  if (!no_body) {
    out += "Content-Length: ";
    // A HEAD answer may state the length a GET would have (the S3 API's HeadObject): only
    // service APIs can, the pipeline drops integrations' Content-Length.
    const std::string* head_length =
        head_request ? response.headers.find("Content-Length") : nullptr;
    if (head_length && !head_length->empty() &&
        head_length->find_first_not_of("0123456789") == std::string::npos) {
      out += *head_length;
    } else {
      append_number(out, response.body_source
                             ? static_cast<std::size_t>(response.body_source->size())
                             : response.body.size());
    }
    out += "\r\n";
  }
  if (keep_alive) {
    // API Gateway states keep-alive explicitly (docs/aws-notes-core.md §10).
    out += "Connection: keep-alive\r\n";
  } else {
    out += "Connection: close\r\n";
  }
  for (const auto& f : response.headers) {
    if (written_by_us(f.name)) continue;
    if (f.name.empty() || !valid_header_text(f.name) || !valid_header_text(f.value)) {
      spdlog::warn("dropping response header with a control character: {}", f.name);
      continue;
    }
    out += f.name;
    out += ": ";
    out += f.value;
    out += "\r\n";
  }
  out += "\r\n";
  return !no_body && !head_request;
}

}  // namespace gh::net
