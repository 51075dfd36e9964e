#include "plugins/dynamodb/attribute_value.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <set>

#include "gateway/util/encoding.hpp"
#include "plugins/dynamodb/number.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

constexpr int kMaxDepth = 32;  // DynamoDB: "Nesting Levels have exceeded supported limits"

/// Coral's name of a JSON token, as its serialization errors print it. UNVERIFIED wording
/// beyond the token names, which are Jackson's.
std::string_view token_name(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::string:
      return "VALUE_STRING";
    case json::kind::int64:
    case json::kind::uint64:
      return "VALUE_NUMBER_INT";
    case json::kind::double_:
      return "VALUE_NUMBER_FLOAT";
    case json::kind::bool_:
      return v.get_bool() ? "VALUE_TRUE" : "VALUE_FALSE";
    case json::kind::null:
      return "VALUE_NULL";
    case json::kind::object:
      return "START_OBJECT";
    case json::kind::array:
      return "START_ARRAY";
  }
  return "VALUE";
}

std::optional<DynamoError> check_base64(const json::value& v) {
  if (!v.is_string()) return wrong_json_type(v, "Blob");
  if (!util::base64_decode(std::string_view(v.get_string()))) {
    return DynamoError::serialization(
        "Base64 encoded length is expected a multiple of 4 bytes "
        "but found: " +
        std::to_string(v.get_string().size()));
  }
  return std::nullopt;
}

std::string set_text(const json::array& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    if (items[i].is_string()) out += std::string_view(items[i].get_string());
  }
  return out + "]";
}

/// Number::parse's refusal; the unparseable ones are a family of their own
/// (validation_envelope.cpp: captured wrapped), the out-of-range ones are not classified.
DynamoError number_error(std::string error) {
  constexpr std::string_view kConversion = "The parameter cannot be converted to a numeric value";
  const bool conversion = std::string_view(error).starts_with(kConversion);
  return DynamoError::validation(
      std::move(error), conversion ? ValidationFamily::kNumberConversion : ValidationFamily::kNone);
}

DynamoError duplicates(const json::array& items) {
  return DynamoError::validation("One or more parameter values were invalid: Input collection " +
                                     set_text(items) + " contains duplicates.",
                                 ValidationFamily::kSetShape);
}

/// SS, NS, BS: a non-empty list of distinct members (numbers compared by value, binary by its
/// bytes). Messages as DynamoDB words them (UNVERIFIED: the double space in "set  may" is
/// DynamoDB's, as recorded by dynalite's tests).
std::optional<DynamoError> normalize_set(std::string_view tag, json::value& v) {
  if (!v.is_array()) return wrong_json_type(v, "List");
  json::array& items = v.get_array();
  if (items.empty()) {
    if (tag == "BS") {
      return DynamoError::validation(
          "One or more parameter values were invalid: Binary sets should not be empty",
          ValidationFamily::kSetShape);
    }
    return DynamoError::validation(std::string("One or more parameter values were invalid: An ") +
                                       (tag == "SS" ? "string" : "number") +
                                       " set  may not be empty",
                                   ValidationFamily::kSetShape);
  }
  const json::array original = items;  // the duplicates message shows the members as sent
  std::set<std::string> seen;
  for (auto& item : items) {
    if (!item.is_string()) return wrong_json_type(item, tag == "NS" ? "Number" : "String");
    std::string member(item.get_string());
    if (tag == "NS") {
      std::string error;
      auto n = Number::parse(member, error);
      if (!n) return number_error(std::move(error));
      item = n->to_string();
      member = n->key_bytes();
    } else if (tag == "BS") {
      if (auto e = check_base64(item)) return e;
      member = *util::base64_decode(member);
    }
    if (!seen.insert(std::move(member)).second) return duplicates(original);
  }
  return std::nullopt;
}

std::size_t number_size(std::string_view canonical) {
  std::size_t digits = 0;
  bool leading = true;
  std::size_t trailing_zeros = 0;
  for (char c : canonical) {
    if (c < '0' || c > '9') continue;
    if (leading && c == '0') continue;
    leading = false;
    ++digits;
    trailing_zeros = c == '0' ? trailing_zeros + 1 : 0;
  }
  digits -= trailing_zeros;
  return (digits + 1) / 2 + 1;
}

std::size_t value_size(const json::value& v) {
  const json::object& o = v.get_object();
  const auto& [tag, inner] = *o.begin();
  if (tag == "S") return inner.get_string().size();
  if (tag == "N") return number_size(inner.get_string());
  if (tag == "B") return util::base64_decode(std::string_view(inner.get_string()))->size();
  if (tag == "BOOL" || tag == "NULL") return 1;
  std::size_t size = 0;
  if (tag == "SS" || tag == "NS" || tag == "BS") {
    for (const auto& m : inner.get_array()) {
      std::string_view text = m.get_string();
      size += tag == "SS"   ? text.size()
              : tag == "NS" ? number_size(text)
                            : util::base64_decode(text)->size();
    }
    return size;
  }
  size = 3;
  if (tag == "L") {
    for (const auto& m : inner.get_array()) size += 1 + value_size(m);
  } else {
    for (const auto& [name, m] : inner.get_object()) size += 1 + name.size() + value_size(m);
  }
  return size;
}

}  // namespace

json::value parse_json(std::string_view text, boost::system::error_code& ec,
                       json::storage_ptr storage) {
  json::parse_options options;
  options.max_depth = 4 * kMaxDepth + 16;
  return json::parse(text, ec, std::move(storage), options);
}

json::value parse_stored(std::string_view text) {
  boost::system::error_code ec;
  json::value v = parse_json(text, ec);
  return ec ? json::value() : v;
}

DynamoError wrong_json_type(const json::value& v, std::string_view what) {
  return DynamoError::serialization(std::string(token_name(v)) + " cannot be converted to " +
                                    std::string(what));
}

std::string_view type_name(ScalarType type) noexcept {
  switch (type) {
    case ScalarType::kString:
      return "S";
    case ScalarType::kNumber:
      return "N";
    case ScalarType::kBinary:
      return "B";
  }
  return "S";
}

std::optional<ScalarType> parse_scalar_type(std::string_view name) noexcept {
  if (name == "S") return ScalarType::kString;
  if (name == "N") return ScalarType::kNumber;
  if (name == "B") return ScalarType::kBinary;
  return std::nullopt;
}

std::optional<DynamoError> normalize_value(json::value& value, int depth) {
  if (depth > kMaxDepth) {
    return DynamoError::validation("Nesting Levels have exceeded supported limits");
  }
  if (!value.is_object()) return wrong_json_type(value, "AttributeValue");
  json::object& o = value.get_object();
  if (o.empty()) {
    return DynamoError::validation(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  if (o.size() > 1) {
    return DynamoError::validation(
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
        "supported datatypes");
  }
  auto& [tag, inner] = *o.begin();
  if (tag == "S") {
    if (!inner.is_string()) return wrong_json_type(inner, "String");
    return std::nullopt;
  }
  if (tag == "N") {
    if (!inner.is_string()) return wrong_json_type(inner, "String");
    std::string error;
    auto n = Number::parse(std::string_view(inner.get_string()), error);
    if (!n) return number_error(std::move(error));
    inner = n->to_string();
    return std::nullopt;
  }
  if (tag == "B") return check_base64(inner);
  if (tag == "BOOL") {
    if (!inner.is_bool()) return wrong_json_type(inner, "Boolean");
    return std::nullopt;
  }
  if (tag == "NULL") {
    if (!inner.is_bool()) return wrong_json_type(inner, "Boolean");
    if (!inner.get_bool()) {
      return DynamoError::validation(
          "One or more parameter values were invalid: Null attribute value types must have the "
          "value of true",
          ValidationFamily::kNullFalse);
    }
    return std::nullopt;
  }
  if (tag == "SS" || tag == "NS" || tag == "BS") return normalize_set(tag, inner);
  if (tag == "L") {
    if (!inner.is_array()) return wrong_json_type(inner, "List");
    for (auto& element : inner.get_array()) {
      if (auto e = normalize_value(element, depth + 1)) return e;
    }
    return std::nullopt;
  }
  if (tag == "M") {
    if (!inner.is_object()) return wrong_json_type(inner, "Map");
    for (auto& [name, element] : inner.get_object()) {
      if (auto e = normalize_value(element, depth + 1)) return e;
    }
    return std::nullopt;
  }
  // An unknown member is ignored by Coral's deserializer, which then finds no datatype set.
  return DynamoError::validation(
      "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
}

std::optional<DynamoError> normalize_item(json::value& item) {
  if (!item.is_object()) return wrong_json_type(item, "Map");
  for (auto& [name, value] : item.get_object()) {
    if (auto e = normalize_value(value)) return e;
  }
  return std::nullopt;
}

std::size_t item_size(const json::object& item) {
  std::size_t size = 0;
  for (const auto& [name, value] : item) size += name.size() + value_size(value);
  return size;
}

std::string_view value_type(const json::value& value) noexcept {
  if (!value.is_object() || value.get_object().size() != 1) return {};
  return value.get_object().begin()->key();
}

std::optional<std::string> key_bytes(const json::value& value, ScalarType type) {
  std::string_view tag = value_type(value);
  if (tag != type_name(type)) return std::nullopt;
  const json::value& inner = value.get_object().begin()->value();
  if (!inner.is_string()) return std::nullopt;
  std::string_view text = inner.get_string();
  switch (type) {
    case ScalarType::kString:
      return std::string(text);
    case ScalarType::kBinary:
      return util::base64_decode(text);
    case ScalarType::kNumber: {
      std::string error;
      auto n = Number::parse(text, error);
      if (!n) return std::nullopt;
      return n->key_bytes();
    }
  }
  return std::nullopt;
}

}  // namespace gh::plugins::dynamodb
