#include "plugins/dynamodb/value_mapping.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/plain_json.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

constexpr std::string_view kTypes[] = {"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"};

bool is_type_name(std::string_view s) {
  for (auto t : kTypes) {
    if (t == s) return true;
  }
  return false;
}

json::value wrap(std::string_view type, json::value inner) {
  json::object o;
  o[type] = std::move(inner);
  return o;
}

/// A YAML 1.2 core-schema number: optional sign, digits with an optional fraction, optional
/// exponent. (YAML's .inf / .nan are not DynamoDB numbers and stay strings.)
bool is_plain_number(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t exp = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++exp;
    if (exp == 0) return false;
  }
  return i == s.size();
}

/// A plain (unquoted) YAML scalar as the YAML core schema types it.
json::value plain_constant(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return wrap("BOOL", true);
  if (text == "false" || text == "False" || text == "FALSE") return wrap("BOOL", false);
  if (is_plain_number(text)) return wrap("N", json::string(text));
  return wrap("S", json::string(text));
}

std::string_view kind_name(std::string_view type) {
  if (type == "S") return "a string";
  if (type == "N") return "a number";
  if (type == "BOOL") return "a boolean";
  if (type == "M") return "an object";
  if (type == "L") return "an array";
  if (type == "B") return "binary";
  return "a set";
}

/// `av` converted to `type` (the explicit {TYPE: …} form). NULL counts as missing for every
/// type but NULL. False with `error` for a value that cannot have the type.
bool coerce(const json::value& av, std::string_view type, const std::string& source,
            std::optional<json::value>& out, std::string& error) {
  std::string_view have = value_type(av);
  if (type == "NULL") {
    out = wrap("NULL", true);
    return true;
  }
  if (have == "NULL" || have.empty()) return true;  // missing
  const json::value& inner = av.get_object().begin()->value();
  if (have == type) {
    out = av;
    return true;
  }
  auto text = [&]() -> std::string_view {
    return inner.is_string() ? std::string_view(inner.get_string()) : std::string_view();
  };
  if (type == "S") {
    if (have == "N" || have == "B") {
      out = wrap("S", json::string(text()));
    } else if (have == "BOOL") {
      out = wrap("S", inner.is_bool() && inner.get_bool() ? "true" : "false");
    } else {
      std::string plain;  // M, L, sets: their JSON text
      append_unmarshalled(plain, av);
      out = wrap("S", json::string(plain));
    }
    return true;
  }
  if ((type == "N" || type == "B") && have == "S") {
    out = wrap(type, json::string(text()));
    return true;
  }
  if (type == "BOOL" && have == "S" && (text() == "true" || text() == "false")) {
    out = wrap("BOOL", text() == "true");
    return true;
  }
  if ((type == "SS" || type == "NS" || type == "BS") && inner.is_array()) {
    std::string_view element_type = type.substr(0, 1);
    json::array set;
    for (const auto& element : inner.get_array()) {
      // Elements of another set are bare strings; of a list, AttributeValues.
      json::value e = have == "L" ? element : wrap(have.substr(0, 1), element);
      std::optional<json::value> converted;
      if (!coerce(e, element_type, source, converted, error)) return false;
      if (converted) set.push_back(converted->get_object().begin()->value());
    }
    if (!set.empty()) out = wrap(type, std::move(set));
    return true;
  }
  error = "the value of " + source + " is " + std::string(kind_name(have)) + ", which cannot be " +
          std::string(type);
  return false;
}

}  // namespace

const json::value* RequestValues::body(std::string& error) {
  if (!parsed_) {
    parsed_ = true;
    const std::string& text = ctx_.request.body;
    if (text.find_first_not_of(" \t\r\n") != std::string::npos) {
      body_ = marshal_json_text(text, error_);
    }
  }
  if (!error_.empty()) {
    error = "the request body is not valid JSON (" + error_ + ")";
    return nullptr;
  }
  return body_ ? &*body_ : nullptr;
}

std::optional<ValueSpec> ValueSpec::compile(const config::Node& node, config::Diagnostics& diags) {
  ValueSpec spec;
  if (node.is_null()) {
    spec.kind_ = Kind::kConstant;
    spec.constant_ = wrap("NULL", true);
    spec.source_ = "null";
    spec.static_ = true;
    return spec;
  }
  if (node.is_scalar()) {
    auto text = config::read_string(node, diags);
    if (!text) return std::nullopt;
    spec.source_ = *text;
    if (BodyPath::is_body_reference(*text)) {
      std::string error;
      spec.body_ = BodyPath::compile(*text, error);
      if (!spec.body_) {
        diags.error(node.location(), node.path(), error);
        return std::nullopt;
      }
      spec.kind_ = Kind::kBody;
      return spec;
    }
    if (text->find("$request.body") != std::string::npos ||
        text->find("${request.body") != std::string::npos) {
      diags.error(node.location(), node.path(),
                  "a $request.body value must be the whole value (its JSON type decides the "
                  "attribute type); for text around it use {S: $request.body.x} in a list or "
                  "map, or a mapping template (later)");
      return std::nullopt;
    }
    std::string error;
    spec.template_ = core::ValueTemplate::compile(*text, {}, error);
    if (!spec.template_) {
      diags.error(node.location(), node.path(), error);
      return std::nullopt;
    }
    if (!spec.template_->is_constant()) {
      spec.kind_ = Kind::kTemplate;
      return spec;
    }
    spec.template_.reset();
    spec.kind_ = Kind::kConstant;
    spec.static_ = true;
    bool quoted = node.yaml().Tag() == "!";
    spec.constant_ = quoted ? wrap("S", json::string(*text)) : plain_constant(*text);
  } else if (node.is_sequence()) {
    spec.kind_ = Kind::kList;
    spec.source_ = "[…]";
    bool ok = true;
    for (const auto& item : node.items()) {
      auto child = compile(item, diags);
      if (!child) {
        ok = false;
        continue;
      }
      spec.children_.push_back(std::move(*child));
    }
    if (!ok) return std::nullopt;
  } else if (node.is_map()) {
    auto entries = node.entries();
    if (entries.size() == 1 && is_type_name(entries[0].first.scalar())) {
      spec.kind_ = Kind::kTyped;
      spec.type_ = entries[0].first.scalar();
      const config::Node& value = entries[0].second;
      auto inner = compile(value, diags);
      if (!inner) return std::nullopt;
      bool scalar_type = spec.type_.size() == 1 || spec.type_ == "BOOL" || spec.type_ == "NULL";
      bool ok = inner->kind_ == Kind::kBody ||
                (scalar_type ? (inner->kind_ == Kind::kConstant || inner->kind_ == Kind::kTemplate)
                             : inner->kind_ == (spec.type_ == "M" ? Kind::kMap : Kind::kList));
      if (spec.type_ == "M" && inner->kind_ == Kind::kTyped && inner->type_ == "M") ok = true;
      if (!ok) {
        diags.error(value.location(), value.path(),
                    "a " + spec.type_ + " value is written as " +
                        (scalar_type         ? std::string("one value")
                         : spec.type_ == "M" ? std::string("a mapping")
                                             : std::string("a list")) +
                        " or a $request.body reference, got " + value.kind_name());
        return std::nullopt;
      }
      spec.source_ = "{" + spec.type_ + ": " + inner->source_ + "}";
      spec.children_.push_back(std::move(*inner));
    } else {
      spec.kind_ = Kind::kMap;
      spec.source_ = "{…}";
      bool ok = true;
      for (const auto& [key, value] : entries) {
        auto child = compile(value, diags);
        if (!child) {
          ok = false;
          continue;
        }
        spec.names_.push_back(key.scalar());
        spec.children_.push_back(std::move(*child));
      }
      if (!ok) return std::nullopt;
    }
  } else {
    diags.error(node.location(), node.path(), "expected a value, got " + node.kind_name());
    return std::nullopt;
  }

  if (spec.kind_ != Kind::kConstant) {
    spec.static_ = true;
    for (const auto& c : spec.children_) spec.static_ = spec.static_ && c.static_;
    if (spec.kind_ == Kind::kTemplate || spec.kind_ == Kind::kBody) spec.static_ = false;
  }
  if (spec.static_) {
    // Resolved once, here, and checked as DynamoDB will check it.
    core::RequestContext none;
    RequestValues in(none);
    std::optional<json::value> value;
    std::string error;
    if (spec.kind_ != Kind::kConstant) {
      if (!spec.resolve(in, value, error)) {
        diags.error(node.location(), node.path(), error);
        return std::nullopt;
      }
      spec.constant_ = value ? *value : json::value();
    }
    json::value check = spec.constant_;
    if (!spec.constant_.is_null()) {
      if (auto e = normalize_value(check)) {
        diags.error(node.location(), node.path(),
                    "DynamoDB refuses " + spec.source_ + ": " + e->message);
        return std::nullopt;
      }
    }
  }
  return spec;
}

bool ValueSpec::resolve(RequestValues& in, std::optional<json::value>& out,
                        std::string& error) const {
  out.reset();
  if (static_ && !constant_.is_null()) {
    out = constant_;
    return true;
  }
  switch (kind_) {
    case Kind::kConstant:
      if (!constant_.is_null()) out = constant_;
      return true;
    case Kind::kTemplate: {
      std::string text;
      if (template_->render(in.context(), text)) out = wrap("S", json::string(text));
      return true;
    }
    case Kind::kBody: {
      const json::value* body = in.body(error);
      if (!error.empty()) return false;
      if (!body) return true;
      if (const json::value* v = body_->find(*body)) out = *v;
      return true;
    }
    case Kind::kTyped: {
      std::optional<json::value> inner;
      if (!children_[0].resolve(in, inner, error)) return false;
      if (!inner) return true;
      return coerce(*inner, type_, children_[0].source_, out, error);
    }
    case Kind::kList: {
      json::array list;
      for (const auto& child : children_) {
        std::optional<json::value> v;
        if (!child.resolve(in, v, error)) return false;
        if (v) list.push_back(std::move(*v));
      }
      out = wrap("L", std::move(list));
      return true;
    }
    case Kind::kMap: {
      json::object map;
      for (std::size_t i = 0; i < children_.size(); ++i) {
        std::optional<json::value> v;
        if (!children_[i].resolve(in, v, error)) return false;
        if (v) map[names_[i]] = std::move(*v);
      }
      out = wrap("M", std::move(map));
      return true;
    }
  }
  return true;
}

std::string_view ValueSpec::static_type() const noexcept {
  switch (kind_) {
    case Kind::kConstant:
      return value_type(constant_);
    case Kind::kTemplate:
      return "S";
    case Kind::kBody:
      return "";
    case Kind::kTyped:
      return type_;
    case Kind::kList:
      return "L";
    case Kind::kMap:
      return "M";
  }
  return "";
}

const json::value* ValueSpec::constant() const noexcept {
  return static_ && !constant_.is_null() ? &constant_ : nullptr;
}

}  // namespace gh::plugins::dynamodb
