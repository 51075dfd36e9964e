#pragma once
/// HTTP/1.1 wire helpers shared by the servers in net/ (client sessions, the loopback Runtime
/// API server): a request parser that fills a core::Request directly, and the response-head
/// serializer. Beast stays inside net/.

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/body_stream.hpp"
#include "gateway/core/request.hpp"
#include "gateway/core/response.hpp"

namespace gh::net {

/// Parses a request straight into a core::Request: no intermediate Beast fields container, the
/// body appended once into its final string.
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(core::Request& request) : request_(request) {}

  /// Keeps at most `bytes` of the body and discards the rest while still reading it (the
  /// connection stays usable); body_overflowed() then tells. Unlimited by default; Beast's own
  /// body_limit() still ends the read with an error.
  void keep_body_up_to(std::size_t bytes) { keep_ = bytes; }
  bool body_overflowed() const { return overflowed_; }
  /// Hands the body to `sink` as it is parsed instead of keeping it in Request::body. When the
  /// sink stops accepting, parsing ends with body_refused_by_sink() (and an error code).
  void stream_body_to(core::BodySink* sink) { sink_ = sink; }
  bool body_refused_by_sink() const { return sink_refused_; }

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view method,
                       boost::beast::string_view target, int version,
                       boost::system::error_code&) override {
    request_.method.assign(method.data(), method.size());
    request_.set_target(std::string(target));
    request_.version = static_cast<unsigned>(version);
  }
  void on_response_impl(int, boost::beast::string_view, int, boost::system::error_code&) override {}
  void on_field_impl(boost::beast::http::field field, boost::beast::string_view name,
                     boost::beast::string_view value, boost::system::error_code&) override {
    if (field == boost::beast::http::field::host) ++host_fields_;
    if (field == boost::beast::http::field::transfer_encoding)
      last_transfer_coding_ = last_token(value);
    request_.headers.add_copy(std::string_view(name.data(), name.size()),
                              std::string_view(value.data(), value.size()));
  }
  void on_header_impl(boost::system::error_code& ec) override {
    // RFC 9112 §6.3: a request whose Transfer-Encoding does not end in "chunked" has no
    // reliable length; answering it would let the body be read as a second request
    // (smuggling). §3.2: an HTTP/1.1 request has exactly one Host.
    if (last_transfer_coding_ && !core::iequals(*last_transfer_coding_, "chunked")) {
      ec = boost::beast::http::error::bad_transfer_encoding;
    } else if (host_fields_ > 1 || (request_.version == 11 && host_fields_ == 0)) {
      ec = boost::beast::http::error::bad_field;
    }
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         boost::system::error_code&) override {
    if (sink_) return;
    if (length && *length <= keep_) request_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(boost::beast::string_view body, boost::system::error_code& ec) override {
    keep(body, ec);
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                            boost::system::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                 boost::system::error_code& ec) override {
    keep(body, ec);
    return body.size();
  }
  void keep(boost::beast::string_view body, boost::system::error_code& ec) {
    if (sink_) {
      sink_->write(std::string_view(body.data(), body.size()));
      if (!sink_->accepting()) {
        sink_refused_ = true;
        ec = boost::system::errc::make_error_code(boost::system::errc::operation_canceled);
      }
      return;
    }
    if (overflowed_ || request_.body.size() + body.size() > keep_) {
      if (!overflowed_) {
        overflowed_ = true;
        std::string().swap(request_.body);
      }
      return;
    }
    request_.body.append(body.data(), body.size());
  }
  void on_finish_impl(boost::system::error_code&) override {}

  static std::string last_token(boost::beast::string_view value) {
    std::string_view v(value.data(), value.size());
    if (auto comma = v.rfind(','); comma != std::string_view::npos) v.remove_prefix(comma + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return std::string(v);
  }

  core::Request& request_;
  core::BodySink* sink_ = nullptr;
  bool sink_refused_ = false;
  std::size_t keep_ = static_cast<std::size_t>(-1);
  bool overflowed_ = false;
  int host_fields_ = 0;
  std::optional<std::string> last_transfer_coding_;
};

/// Writes the status line and headers into `out` (reused across requests). Header order
/// follows API Gateway's: Date, Content-Type, Content-Length, Connection, then the rest.
/// Returns whether a body follows.
bool serialize_head(std::string& out, const core::Response& response, unsigned version,
                    bool head_request, bool keep_alive);

}  // namespace gh::net
