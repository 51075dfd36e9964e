#include "plugins/dynamodb/route_mapping.hpp"

#include <boost/json/serialize.hpp>

#include "gateway/util/encoding.hpp"
#include "plugins/dynamodb/attribute_value.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

class FieldMapper final : public RequestMapper {
 public:
  explicit FieldMapper(std::shared_ptr<const RouteSpec> spec) : spec_(std::move(spec)) {}

  std::variant<json::object, std::string> build(const core::RequestContext& ctx) const override {
    const RouteSpec& s = *spec_;
    RequestValues in(ctx);
    std::string error;
    json::object r;
    r["TableName"] = s.table;
    if (s.key) {
      // Resolved member by member, so a missing one is named.
      json::object key;
      for (std::size_t i = 0; i < s.key->member_names().size(); ++i) {
        const ValueSpec& spec = s.key->member(i);
        std::optional<json::value> v;
        if (!spec.resolve(in, v, error)) return error;
        if (!v) return missing(spec, "key attribute " + s.key->member_names()[i]);
        key[s.key->member_names()[i]] = std::move(*v);
      }
      r["Key"] = std::move(key);
    }
    if (s.item) {
      std::optional<json::value> v;
      if (!s.item->resolve(in, v, error)) return error;
      // A mapping always resolves (to an M without the members the request lacks); a body
      // reference must be an object.
      if (!v || value_type(*v) != "M")
        return "the item (" + s.item->source() + ") is not an object";
      r["Item"] = std::move(v->get_object().begin()->value());
    }
    auto text = [&](std::string_view member, const std::string& value) {
      if (!value.empty()) r[member] = value;
    };
    text("UpdateExpression", s.update);
    text("ConditionExpression", s.condition);
    text("KeyConditionExpression", s.key_condition);
    text("FilterExpression", s.filter);
    text("ProjectionExpression", s.projection);
    text("IndexName", s.index);
    text("ReturnValues", s.return_values);
    if (s.action == Action::kDeleteItem && s.not_found && s.return_values != "ALL_OLD") {
      // Only the old item tells whether there was one; the answer leaves it out again.
      r["ReturnValues"] = "ALL_OLD";
    }
    if (!s.names.empty()) {
      json::object names;
      for (const auto& [placeholder, name] : s.names) names[placeholder] = name;
      r["ExpressionAttributeNames"] = std::move(names);
    }
    if (!s.values.empty()) {
      json::object values;
      for (const auto& [placeholder, spec] : s.values) {
        std::optional<json::value> v;
        if (!spec.resolve(in, v, error)) return error;
        if (!v) return missing(spec, placeholder);
        values[placeholder] = std::move(*v);
      }
      r["ExpressionAttributeValues"] = std::move(values);
    }
    if (s.limit) r["Limit"] = *s.limit;
    if (s.scan_forward) r["ScanIndexForward"] = *s.scan_forward;
    if (s.consistent_read) r["ConsistentRead"] = *s.consistent_read;
    if (s.start_key) {
      std::string token;
      if (s.start_key->render(ctx, token) && !token.empty()) {
        std::optional<json::object> key;
        if (token.front() == '{') {
          // LastEvaluatedKey as `response: raw` showed it.
          boost::system::error_code ec;
          json::value v = parse_json(token, ec);
          if (!ec && v.is_object()) key = std::move(v.get_object());
        } else {
          key = decode_page_token(token);
        }
        if (!key) return "the page token (" + s.start_key->source_text() + ") is not valid";
        r["ExclusiveStartKey"] = std::move(*key);
      }
    }
    return r;
  }

 private:
  static std::string missing(const ValueSpec& spec, const std::string& what) {
    return "the request has no value for " + what + " (" + spec.source() + ")";
  }

  std::shared_ptr<const RouteSpec> spec_;
};

}  // namespace

std::string_view action_name(Action action) noexcept {
  switch (action) {
    case Action::kGetItem:
      return "GetItem";
    case Action::kPutItem:
      return "PutItem";
    case Action::kUpdateItem:
      return "UpdateItem";
    case Action::kDeleteItem:
      return "DeleteItem";
    case Action::kQuery:
      return "Query";
    case Action::kScan:
      return "Scan";
  }
  return "";
}

std::shared_ptr<const RequestMapper> make_field_mapper(std::shared_ptr<const RouteSpec> spec) {
  return std::make_shared<FieldMapper>(std::move(spec));
}

std::string encode_page_token(const json::object& last_evaluated_key) {
  std::string token = util::base64_encode(json::serialize(last_evaluated_key));
  // URL-safe (RFC 4648 §5) and unpadded: it goes into query strings as it is.
  for (char& c : token) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!token.empty() && token.back() == '=') token.pop_back();
  return token;
}

std::optional<json::object> decode_page_token(std::string_view token) {
  if (token.size() > 16 * 1024) return std::nullopt;  // keys are at most 2 KB: far above
  std::string text(token);
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text += '=';
  auto bytes = util::base64_decode(text);
  if (!bytes) return std::nullopt;
  boost::system::error_code ec;
  json::value v = parse_json(*bytes, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

}  // namespace gh::plugins::dynamodb
