#include "plugins/lambda/proxy_result.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <variant>

#include "gateway/core/api_info.hpp"
#include "gateway/core/binary_media_types.hpp"
#include "gateway/util/encoding.hpp"

// Sources (aws-behaviour.md §1.4 has the tables):
//  [LS-AWS]  LocalStack tests recorded against AWS: test_aws_proxy_response_payload_format_
//            validation (REST) and ..._validation_v1 / _v2 (HTTP APIs).
//  [DOTNET]  aws/aws-lambda-dotnet Tools/LambdaTestTool-v2 (AWS's own emulator), whose
//            integration tests compare its conversions with live API Gateway responses:
//            ApiGatewayResponseExtensions.cs, InvokeResponseExtensions.cs,
//            ApiGatewayResponseExtensionsJsonInference.cs.
//  [SAM]     aws-sam-cli local_apigw_service.py ("based on trials").
//  [DOC]     http-api-develop-integrations-lambda.md, set-up-lambda-proxy-integrations.md.

namespace gh::plugins::lambda {

namespace {

namespace json = boost::json;
using Result = std::variant<core::Response, core::GatewayError>;

// Renders REST 502 {"message": "Internal server error"}, HTTP API 500 {"message":"Internal
// Server Error"}. No custom message: the body must stay AWS's.
core::GatewayError malformed() {
  return core::GatewayError::of(core::ErrorKind::kIntegrationResponseError);
}

std::string_view view(const json::string& s) { return {s.data(), s.size()}; }

// Function output nests as deep as it likes (an inferred 2.0 body is any JSON); Boost.JSON's
// default limit of 32 levels would turn deep but valid output into an error.
json::value parse(std::string_view text, boost::system::error_code& ec) {
  json::parse_options opt;
  opt.max_depth = 1024;
  return json::parse(text, ec, {}, opt);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// statusCode: an integer or a string of digits ("201" → 201 [LS-AWS]). 200.5 is rejected by
// HTTP APIs [DOTNET StatusCodeAsFloat], 0 by both API types [DOTNET HandlesZeroStatusCode]; we
// accept only real HTTP status codes, 100–599.
bool parse_status(const json::value& v, int& out) {
  std::int64_t n = -1;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64()) {
    n = v.get_uint64() > 999 ? -1 : static_cast<std::int64_t>(v.get_uint64());
  } else if (v.is_double()) {
    double d = v.get_double();
    if (std::floor(d) != d || d < 0 || d > 999) return false;
    n = static_cast<std::int64_t>(d);
  } else if (v.is_string()) {
    std::string_view s = view(v.get_string());
    if (s.empty() || s.size() > 3) return false;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    std::from_chars(s.data(), s.data() + s.size(), n);
  } else {
    return false;
  }
  if (n < 100 || n > 599) return false;
  out = static_cast<int>(n);
  return true;
}

enum class Scalar { kText, kNull, kInvalid };

// A header value or cookie as text. Strings as is; booleans and numbers stringified, as API
// Gateway's Java side coerces them ({"header-bool": true} → "true" [LS-AWS]); null skips the
// entry; arrays and objects are malformed.
Scalar scalar_text(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::string:
      out.assign(view(v.get_string()));
      return Scalar::kText;
    case json::kind::bool_:
      out = v.get_bool() ? "true" : "false";
      return Scalar::kText;
    case json::kind::int64:
      out = std::to_string(v.get_int64());
      return Scalar::kText;
    case json::kind::uint64:
      out = std::to_string(v.get_uint64());
      return Scalar::kText;
    case json::kind::double_: {
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, v.get_double());
      out.assign(buf, res.ptr);
      return Scalar::kText;
    }
    case json::kind::null:
      return Scalar::kNull;
    default:
      return Scalar::kInvalid;
  }
}

bool token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A field we could put on the wire without corrupting the response: a token name (RFC 9110
// §5.1) and a value without CR, LF or NUL. Anything else is treated as a malformed response
// rather than passed on (no AWS source; AWS rejects such headers one way or another).
bool valid_header(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!token_char(c)) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// `key` must be absent, null or a string; false otherwise. A non-string body is the classic
// "Malformed Lambda proxy response" of REST APIs, and HTTP APIs deserialise body as a string
// too [DOTNET]: {"body": {"a": 1}} is an error in every format, never serialised for the client.
bool optional_string(const json::object& o, std::string_view key, std::string& out) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return false;
  out.assign(view(v->get_string()));
  return true;
}

// isBase64Encoded: a boolean; the strings "true"/"false" are accepted like SAM does [SAM].
bool optional_flag(const json::object& o, std::string_view key, bool& out) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return true;
  if (v->is_bool()) {
    out = v->get_bool();
    return true;
  }
  if (v->is_string()) {
    std::string_view s = view(v->get_string());
    if (s == "true" || s == "True" || s == "false" || s == "False") {
      out = s[0] == 't' || s[0] == 'T';
      return true;
    }
  }
  return false;
}

// "headers": an object of single values (null or absent: none).
bool add_single_headers(const json::object& o, core::Response& r,
                        const json::object* multi_value_headers) {
  const json::value* h = o.if_contains("headers");
  if (!h || h->is_null()) return true;
  if (!h->is_object()) return false;
  std::string text;
  for (const auto& kv : h->get_object()) {
    std::string_view name(kv.key().data(), kv.key().size());
    Scalar s = scalar_text(kv.value(), text);
    if (s == Scalar::kInvalid) return false;
    if (s == Scalar::kNull) continue;
    // A name also in multiValueHeaders is sent under that map's casing, after its values
    // ("tesT-Multi: value-multi" then "tesT-Multi: value-solo") [LS-AWS].
    if (multi_value_headers) {
      for (const auto& m : *multi_value_headers) {
        std::string_view multi_name(m.key().data(), m.key().size());
        if (core::iequals(multi_name, name)) name = multi_name;
      }
    }
    if (!valid_header(name, text)) return false;
    r.headers.add(std::string(name), std::move(text));
  }
  return true;
}

// Payload 1.0 (REST and HTTP APIs): statusCode, headers, multiValueHeaders, body,
// isBase64Encoded. REST rejects any other key and defaults statusCode to 200; HTTP APIs ignore
// other keys and require statusCode [LS-AWS, SAM].
Result v1_response(std::string_view payload, const core::ApiInfo& api,
                   const core::Request& request) {
  const bool rest = api.protocol == core::ApiProtocol::kRest;
  boost::system::error_code ec;
  json::value doc = parse(payload, ec);
  if (ec || !doc.is_object()) return malformed();  // "justAString" → 502 / 500 [LS-AWS]
  const json::object& o = doc.get_object();

  if (rest) {
    for (const auto& kv : o) {
      std::string_view k(kv.key().data(), kv.key().size());
      if (k != "statusCode" && k != "headers" && k != "multiValueHeaders" && k != "body" &&
          k != "isBase64Encoded") {
        return malformed();  // {"statusCode":200,"wrongValue":"x"} → 502 [LS-AWS]
      }
    }
  }

  core::Response r;
  const json::value* status = o.if_contains("statusCode");
  if (status && !status->is_null()) {
    if (!parse_status(*status, r.status)) return malformed();
  } else if (!rest) {
    return malformed();  // HTTP APIs make no assumption for 1.0: {} → 500 [LS-AWS]
  }

  // multiValueHeaders first, then headers: both are sent [LS-AWS, DOTNET Combined-Header].
  const json::object* multi = nullptr;
  if (const json::value* m = o.if_contains("multiValueHeaders"); m && !m->is_null()) {
    if (!m->is_object()) return malformed();
    multi = &m->get_object();
    std::string text;
    for (const auto& kv : *multi) {
      if (kv.value().is_null()) continue;
      // {"test-multi": "value1"} (not a list) → 502 / 500 [LS-AWS]
      if (!kv.value().is_array()) return malformed();
      std::string_view name(kv.key().data(), kv.key().size());
      for (const json::value& e : kv.value().get_array()) {
        Scalar s = scalar_text(e, text);
        if (s == Scalar::kInvalid) return malformed();
        if (s == Scalar::kNull) continue;
        if (!valid_header(name, text)) return malformed();
        r.headers.add(std::string(name), std::move(text));
      }
    }
  }
  if (!add_single_headers(o, r, multi)) return malformed();

  bool base64 = false;
  if (!optional_string(o, "body", r.body) || !optional_flag(o, "isBase64Encoded", base64)) {
    return malformed();
  }

  if (base64) {
    // REST decodes only when the client's Accept (its first media type) names a binary media
    // type; otherwise the client gets the base64 text itself [LS-AWS, DOC]. A body that then
    // fails to decode is an API configuration error: 500, not 502 (§3.2). HTTP APIs always
    // decode [SAM: "regardless the response content-type"].
    if (!rest ||
        core::matches_binary_media_type(request.headers.get("Accept"), api.binary_media_types)) {
      std::optional<std::string> bytes = util::base64_decode(r.body);
      if (!bytes) {
        return rest ? core::GatewayError::of(core::ErrorKind::kApiConfigurationError) : malformed();
      }
      r.body = std::move(*bytes);
    }
  }

  // REST's default Content-Type (application/json) is added by the pipeline (gateway.cpp
  // decorate()); HTTP APIs answer text/plain; charset=utf-8 when the function named none
  // [DOTNET V1_DefaultsToCorrectContentType, recorded on AWS].
  if (!rest && !r.headers.contains("Content-Type")) {
    r.headers.add("Content-Type", "text/plain; charset=utf-8");
  }
  return r;
}

// Payload 2.0 with a statusCode: statusCode, headers (single values), cookies, body and
// isBase64Encoded; other keys, multiValueHeaders included, are ignored [DOC, LS-AWS].
Result v2_full_response(const json::object& o) {
  core::Response r;
  const json::value& status = o.at("statusCode");
  if (!parse_status(status, r.status)) return malformed();  // "test", 200.5, null → 500
  if (!add_single_headers(o, r, nullptr)) return malformed();

  // Each cookie becomes its own Set-Cookie header [DOC]; a non-list is an error [LS-AWS].
  if (const json::value* c = o.if_contains("cookies"); c && !c->is_null()) {
    if (!c->is_array()) return malformed();
    std::string text;
    for (const json::value& e : c->get_array()) {
      Scalar s = scalar_text(e, text);
      if (s == Scalar::kInvalid) return malformed();
      if (s == Scalar::kNull) continue;
      if (!valid_header("Set-Cookie", text)) return malformed();
      r.headers.add("Set-Cookie", std::move(text));
    }
  }

  bool base64 = false;
  if (!optional_string(o, "body", r.body) || !optional_flag(o, "isBase64Encoded", base64)) {
    return malformed();
  }
  if (base64) {  // always honoured: HTTP APIs have no binaryMediaTypes [DOC]
    std::optional<std::string> bytes = util::base64_decode(r.body);
    if (!bytes) return malformed();
    r.body = std::move(*bytes);
  }
  if (!r.headers.contains("Content-Type")) {
    r.headers.add("Content-Type", "text/plain; charset=utf-8");  // [DOTNET V2 snapshots]
  }
  return r;
}

// No statusCode: 200, application/json, the output as the body [DOC].
core::Response inferred_response(std::string_view body) {
  core::Response r;
  r.headers.add("Content-Type", "application/json");
  r.body.assign(body);
  return r;
}

// Payload 2.0. What AWS does, as recorded by [DOTNET] and [LS-AWS]:
//  * a JSON string is unwrapped and its text is what the rules below look at: a function
//    returning "Hello" answers Hello, one returning "{\"key\" : \"value\"}" answers
//    {"key" : "value"} byte for byte, and one returning "{\"key\"}" fails with 500;
//  * an object with statusCode is a full response (and must be well-formed, else 500);
//  * an object with errorMessage (what a failed function returns) is a 500;
//  * text that looks like an object but does not parse is a 500;
//  * anything else (other objects, arrays, numbers, true, null, plain text) is the body as is.
Result v2_response(std::string_view payload) {
  boost::system::error_code ec;
  json::value doc = parse(payload, ec);
  std::string unwrapped;
  std::string_view text = payload;
  if (!ec && doc.is_string()) {
    unwrapped.assign(view(doc.get_string()));
    text = unwrapped;
    doc = parse(text, ec);
  }
  if (ec) {
    std::size_t first = 0;
    while (first < text.size() && is_space(text[first])) ++first;
    if (first < text.size() && text[first] == '{') return malformed();
    return inferred_response(text);
  }
  if (doc.is_object()) {
    const json::object& o = doc.get_object();
    if (o.contains("statusCode")) return v2_full_response(o);
    if (o.contains("errorMessage")) return malformed();
  }
  return inferred_response(text);
}

}  // namespace

std::variant<core::Response, core::GatewayError> interpret_proxy_result(
    std::string_view payload, const core::ApiInfo& api, PayloadFormat format,
    const core::Request& request) {
  if (format == PayloadFormat::kV2) return v2_response(payload);
  return v1_response(payload, api, request);
}

core::Response interpret_websocket_result(std::string_view payload) {
  core::Response out;
  out.status = 200;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(payload, ec);
  if (ec) {
    out.body = std::string(payload);
    return out;
  }
  if (v.is_null()) return out;
  const boost::json::object* obj = v.if_object();
  const boost::json::value* status = obj ? obj->if_contains("statusCode") : nullptr;
  if (!status) {
    out.body = std::string(payload);
    return out;
  }
  if (status->is_int64() && status->as_int64() >= 100 && status->as_int64() <= 599) {
    out.status = static_cast<int>(status->as_int64());
  } else if (status->is_string()) {
    int code = 0;
    const auto& text = status->as_string();
    auto [p, err] = std::from_chars(text.data(), text.data() + text.size(), code);
    if (err == std::errc() && p == text.data() + text.size() && code >= 100 && code <= 599) {
      out.status = code;
    } else {
      out.status = 502;
    }
  } else {
    out.status = 502;
  }
  if (const auto* headers = obj->if_contains("headers"); headers && headers->is_object()) {
    for (const auto& [name, value] : headers->as_object()) {
      if (value.is_string()) {
        out.headers.add(std::string(name), std::string(value.as_string()));
      } else if (!value.is_null()) {
        out.headers.add(std::string(name), boost::json::serialize(value));
      }
    }
  }
  if (const auto* body = obj->if_contains("body"); body && !body->is_null()) {
    out.body = body->is_string() ? std::string(body->as_string()) : boost::json::serialize(*body);
  }
  return out;
}

}  // namespace gh::plugins::lambda
