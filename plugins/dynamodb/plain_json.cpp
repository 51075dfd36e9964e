#include "plugins/dynamodb/plain_json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include "gateway/util/encoding.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

/// A boost::json::basic_parser handler that builds the AttributeValue while it reads: every
/// JSON value is pushed as its one-member wrapper ({"S": …}, {"M": {…}} …) on a value_stack.
/// Numbers arrive as text parts (on_number_part + the final on_int64/on_uint64/on_double),
/// which is what keeps them exact.
class MarshalHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  json::value_stack stack;

  bool on_document_begin(json::error_code&) {
    stack.reset();
    return true;
  }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) {
    stack.push_key("L");
    return true;
  }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack.push_array(n);
    stack.push_object(1);
    return true;
  }
  bool on_object_begin(json::error_code&) {
    stack.push_key("M");
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    stack.push_object(n);
    stack.push_object(1);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    begin_string();
    stack.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    begin_string();
    stack.push_string(s);
    stack.push_object(1);
    in_string_ = false;
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    stack.push_key(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t, json::string_view s, json::error_code&) { return number(s); }
  bool on_uint64(std::uint64_t, json::string_view s, json::error_code&) { return number(s); }
  bool on_double(double, json::string_view s, json::error_code&) { return number(s); }
  bool on_bool(bool b, json::error_code&) {
    stack.push_key("BOOL");
    stack.push_bool(b);
    stack.push_object(1);
    return true;
  }
  bool on_null(json::error_code&) {
    stack.push_key("NULL");
    stack.push_bool(true);
    stack.push_object(1);
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  void begin_string() {
    if (in_string_) return;
    in_string_ = true;
    stack.push_key("S");
  }
  bool number(json::string_view last) {
    number_.append(last.data(), last.size());
    stack.push_key("N");
    stack.push_string(number_);
    stack.push_object(1);
    number_.clear();
    return true;
  }

  bool in_string_ = false;
  std::string number_;
};

/// DynamoDB's canonical number text is a JSON number ("-1.5", "100"); anything else (which the
/// store never returns) is written as a string rather than as broken JSON.
bool is_json_number(std::string_view s) {
  std::size_t i = s.starts_with('-') ? 1 : 0;
  if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  if (s[i] == '0' && i + 1 < s.size() && s[i + 1] != '.') return false;
  bool dot = false;
  for (++i; i < s.size(); ++i) {
    if (s[i] == '.' && !dot && i + 1 < s.size()) {
      dot = true;
    } else if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  return true;
}

void append_string(std::string& out, std::string_view s) {
  out += '"';
  util::append_json_escaped(out, s);
  out += '"';
}

void append_number(std::string& out, const json::value& n) {
  std::string_view text = n.is_string() ? std::string_view(n.get_string()) : "";
  if (is_json_number(text)) {
    out += text;
  } else {
    append_string(out, text);
  }
}

template <typename Each>
void append_array(std::string& out, const json::value& list, Each&& each) {
  out += '[';
  if (list.is_array()) {
    bool first = true;
    for (const auto& element : list.get_array()) {
      if (!first) out += ',';
      first = false;
      each(element);
    }
  }
  out += ']';
}

}  // namespace

std::optional<json::value> marshal_json_text(std::string_view text, std::string& error,
                                             std::size_t max_depth) {
  json::parse_options options;
  options.max_depth = max_depth;
  json::basic_parser<MarshalHandler> parser(options);
  json::error_code ec;
  std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  if (ec) {
    error = ec.message();
    return std::nullopt;
  }
  return parser.handler().stack.release();
}

void append_unmarshalled(std::string& out, const json::value& av) {
  const json::object* o = av.if_object();
  if (!o || o->size() != 1) {
    out += "null";
    return;
  }
  const auto& [type, v] = *o->begin();
  if (type == "S" || type == "B") {
    append_string(out, v.is_string() ? std::string_view(v.get_string()) : "");
  } else if (type == "N") {
    append_number(out, v);
  } else if (type == "BOOL") {
    out += v.is_bool() && v.get_bool() ? "true" : "false";
  } else if (type == "M") {
    if (v.is_object()) {
      append_unmarshalled_item(out, v.get_object());
    } else {
      out += "{}";
    }
  } else if (type == "L") {
    append_array(out, v, [&](const json::value& e) { append_unmarshalled(out, e); });
  } else if (type == "SS" || type == "BS") {
    append_array(out, v, [&](const json::value& e) {
      append_string(out, e.is_string() ? std::string_view(e.get_string()) : "");
    });
  } else if (type == "NS") {
    append_array(out, v, [&](const json::value& e) { append_number(out, e); });
  } else {
    out += "null";  // NULL, and any type this version does not know
  }
}

void append_unmarshalled_item(std::string& out, const json::object& item) {
  out += '{';
  bool first = true;
  for (const auto& [name, value] : item) {
    if (!first) out += ',';
    first = false;
    append_string(out, name);
    out += ':';
    append_unmarshalled(out, value);
  }
  out += '}';
}

bool looks_like_attribute_value(const json::value& v) noexcept {
  const json::object* o = v.if_object();
  if (!o || o->size() != 1) return false;
  std::string_view type = o->begin()->key();
  for (std::string_view t : {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}) {
    if (type == t) return true;
  }
  return false;
}

}  // namespace gh::plugins::dynamodb
