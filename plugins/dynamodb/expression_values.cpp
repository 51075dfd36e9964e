// AttributeValue semantics shared by the expression evaluators: equality, ordering, contains,
// begins_with, size and document path lookup.
//
// Sources:
//  [docs] AWS developer guide, "Comparison operator and function reference": comparisons of
//         different types are false; S compares by UTF-8 bytes, N numerically, B by bytes;
//         contains(path, operand) for a String (substring), a Set (member) or a List
//         (element); size(path) for S, B, sets, L and M.
//  [kvs]  github.com/Keyvalue-Store/tools expressions/test/fixtures/cases-manual.jsonl
//         (DynamoDB Local 3.3.1): "sets compare without order", "numbers compare by value" (a
//         list [1.0, 2, 3e0] equals [1, 2, 3]), "strings compare by UTF-8 bytes" (U+1F600 >
//         U+FF61, where UTF-16 order would say otherwise), "binary compares by bytes",
//         "contains on a list" (2.0 is found in [1, 2, 3]), "contains of a number in a
//         string" is false, "begins_with of a number attribute is no match", "size counts
//         UTF-16 units: an emoji is 2", "size of a number is no match".
// UNVERIFIED: size() of a string in UTF-16 units is DynamoDB Local's answer (Java's
// String.length()), not confirmed on the live service. contains(B, B) as a byte subsequence (the
// legacy CONTAINS operator's rule for binary; the expression reference names only strings, sets and
// lists).

#include <algorithm>
#include <string>
#include <unordered_set>

#include "gateway/util/encoding.hpp"
#include "plugins/dynamodb/expression_ast.hpp"
#include "plugins/dynamodb/number.hpp"

namespace gh::plugins::dynamodb::expr {

namespace json = boost::json;

namespace detail {

namespace {

std::string_view text_of(const json::value& inner) {
  return inner.is_string() ? std::string_view(inner.get_string()) : std::string_view();
}

std::optional<Number> number_of(const json::value& inner) {
  std::string error;
  return Number::parse(text_of(inner), error);
}

std::string bytes_of(const json::value& inner) {
  auto decoded = util::base64_decode(text_of(inner));
  return decoded ? std::move(*decoded) : std::string();
}

bool scalar_equal(AvType type, const json::value& a, const json::value& b) {
  switch (type) {
    case AvType::kS:
      return text_of(a) == text_of(b);
    case AvType::kN: {
      if (text_of(a) == text_of(b)) return true;
      auto x = number_of(a);
      auto y = number_of(b);
      return x && y && *x == *y;
    }
    case AvType::kB:
      return text_of(a) == text_of(b) || bytes_of(a) == bytes_of(b);
    default:
      return false;
  }
}

AvType member_type(AvType set_type) {
  switch (set_type) {
    case AvType::kSS:
      return AvType::kS;
    case AvType::kNS:
      return AvType::kN;
    case AvType::kBS:
      return AvType::kB;
    default:
      return AvType::kNone;
  }
}

}  // namespace

AvType av_type(const json::value& value) noexcept {
  if (!value.is_object()) return AvType::kNone;
  const json::object& o = value.get_object();
  if (o.size() != 1) return AvType::kNone;
  return av_type_from_name(o.begin()->key());
}

AvType av_type_from_name(std::string_view name) noexcept {
  if (name == "S") return AvType::kS;
  if (name == "N") return AvType::kN;
  if (name == "B") return AvType::kB;
  if (name == "BOOL") return AvType::kBool;
  if (name == "NULL") return AvType::kNull;
  if (name == "L") return AvType::kL;
  if (name == "M") return AvType::kM;
  if (name == "SS") return AvType::kSS;
  if (name == "NS") return AvType::kNS;
  if (name == "BS") return AvType::kBS;
  return AvType::kNone;
}

std::string_view av_type_name(AvType type) noexcept {
  switch (type) {
    case AvType::kS:
      return "S";
    case AvType::kN:
      return "N";
    case AvType::kB:
      return "B";
    case AvType::kBool:
      return "BOOL";
    case AvType::kNull:
      return "NULL";
    case AvType::kL:
      return "L";
    case AvType::kM:
      return "M";
    case AvType::kSS:
      return "SS";
    case AvType::kNS:
      return "NS";
    case AvType::kBS:
      return "BS";
    case AvType::kNone:
      break;
  }
  return "";
}

const json::value& av_inner(const json::value& value) {
  return value.get_object().begin()->value();
}

std::string set_member_key(AvType set_type, const json::value& member) {
  switch (set_type) {
    case AvType::kNS: {
      auto n = number_of(member);
      return n ? n->key_bytes() : std::string(text_of(member));
    }
    case AvType::kBS:
      return bytes_of(member);
    default:
      return std::string(text_of(member));
  }
}

bool av_equal(const json::value& a, const json::value& b) {
  const AvType type = av_type(a);
  if (type == AvType::kNone || type != av_type(b)) return false;
  const json::value& x = av_inner(a);
  const json::value& y = av_inner(b);
  switch (type) {
    case AvType::kS:
    case AvType::kN:
    case AvType::kB:
      return scalar_equal(type, x, y);
    case AvType::kBool:
      return x.is_bool() && y.is_bool() && x.get_bool() == y.get_bool();
    case AvType::kNull:
      return true;
    case AvType::kL: {
      if (!x.is_array() || !y.is_array()) return false;
      const json::array& l = x.get_array();
      const json::array& r = y.get_array();
      if (l.size() != r.size()) return false;
      for (std::size_t i = 0; i < l.size(); ++i) {
        if (!av_equal(l[i], r[i])) return false;
      }
      return true;
    }
    case AvType::kM: {
      if (!x.is_object() || !y.is_object()) return false;
      const json::object& l = x.get_object();
      const json::object& r = y.get_object();
      if (l.size() != r.size()) return false;
      for (const auto& [key, value] : l) {
        const json::value* other = r.if_contains(key);
        if (!other || !av_equal(value, *other)) return false;
      }
      return true;
    }
    case AvType::kSS:
    case AvType::kNS:
    case AvType::kBS: {
      if (!x.is_array() || !y.is_array()) return false;
      const json::array& l = x.get_array();
      const json::array& r = y.get_array();
      if (l.size() != r.size()) return false;
      std::unordered_set<std::string> members;
      for (const auto& m : r) members.insert(set_member_key(type, m));
      for (const auto& m : l) {
        if (!members.count(set_member_key(type, m))) return false;
      }
      return true;
    }
    case AvType::kNone:
      break;
  }
  return false;
}

std::optional<int> av_compare(const json::value& a, const json::value& b) {
  const AvType type = av_type(a);
  if (type != av_type(b)) return std::nullopt;
  const json::value& x = av_inner(a);
  const json::value& y = av_inner(b);
  switch (type) {
    case AvType::kS: {
      int c = text_of(x).compare(text_of(y));  // char_traits<char>: unsigned bytes
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case AvType::kN: {
      auto l = number_of(x);
      auto r = number_of(y);
      if (!l || !r) return std::nullopt;
      return compare(*l, *r);
    }
    case AvType::kB: {
      int c = bytes_of(x).compare(bytes_of(y));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    default:
      return std::nullopt;
  }
}

bool av_contains(const json::value& haystack, const json::value& needle) {
  const AvType type = av_type(haystack);
  const AvType needle_type = av_type(needle);
  if (type == AvType::kNone || needle_type == AvType::kNone) return false;
  const json::value& h = av_inner(haystack);
  switch (type) {
    case AvType::kS:
      return needle_type == AvType::kS &&
             text_of(h).find(text_of(av_inner(needle))) != std::string_view::npos;
    case AvType::kB:
      return needle_type == AvType::kB &&
             bytes_of(h).find(bytes_of(av_inner(needle))) != std::string::npos;
    case AvType::kSS:
    case AvType::kNS:
    case AvType::kBS: {
      if (needle_type != member_type(type) || !h.is_array()) return false;
      const json::value& n = av_inner(needle);
      for (const auto& member : h.get_array()) {
        if (scalar_equal(needle_type, member, n)) return true;
      }
      return false;
    }
    case AvType::kL: {
      if (!h.is_array()) return false;
      for (const auto& element : h.get_array()) {
        if (av_equal(element, needle)) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

bool av_begins_with(const json::value& value, const json::value& prefix) {
  const AvType type = av_type(value);
  if (type != av_type(prefix)) return false;
  if (type == AvType::kS) return text_of(av_inner(value)).starts_with(text_of(av_inner(prefix)));
  if (type == AvType::kB) {
    return std::string_view(bytes_of(av_inner(value))).starts_with(bytes_of(av_inner(prefix)));
  }
  return false;
}

std::optional<std::size_t> av_size(const json::value& value) {
  const AvType type = av_type(value);
  if (type == AvType::kNone) return std::nullopt;
  const json::value& inner = av_inner(value);
  switch (type) {
    case AvType::kS: {
      std::size_t units = 0;
      for (unsigned char c : text_of(inner)) {
        if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;  // 4-byte sequences: surrogate pair
      }
      return units;
    }
    case AvType::kB: {
      // Valid (normalised) base64: three bytes per four characters, less the padding.
      std::string_view text = text_of(inner);
      std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
      return text.size() / 4 * 3 - padding;
    }
    case AvType::kSS:
    case AvType::kNS:
    case AvType::kBS:
    case AvType::kL:
      return inner.is_array() ? inner.get_array().size() : 0;
    case AvType::kM:
      return inner.is_object() ? inner.get_object().size() : 0;
    default:
      return std::nullopt;
  }
}

}  // namespace detail

std::string format_path(const DocumentPath& path) {
  std::string out = "[";
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i) out += ", ";
    if (path[i].is_index()) {
      out += '[' + std::to_string(path[i].index) + ']';
    } else {
      out += path[i].name;
    }
  }
  return out + "]";
}

const json::value* find_path(const json::object& item, const DocumentPath& path) {
  if (path.empty() || path[0].is_index()) return nullptr;
  const json::value* current = item.if_contains(path[0].name);
  for (std::size_t i = 1; current && i < path.size(); ++i) {
    const PathElement& step = path[i];
    const detail::AvType type = detail::av_type(*current);
    if (type != detail::AvType::kL && type != detail::AvType::kM) return nullptr;
    const json::value& inner = detail::av_inner(*current);
    if (step.is_index()) {
      if (type != detail::AvType::kL || !inner.is_array()) return nullptr;
      const json::array& list = inner.get_array();
      if (static_cast<std::size_t>(step.index) >= list.size()) return nullptr;
      current = &list[static_cast<std::size_t>(step.index)];
    } else {
      if (type != detail::AvType::kM || !inner.is_object()) return nullptr;
      current = inner.get_object().if_contains(step.name);
    }
  }
  return current;
}

}  // namespace gh::plugins::dynamodb::expr
