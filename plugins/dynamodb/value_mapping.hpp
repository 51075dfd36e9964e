#pragma once
/// The values of a `type: dynamodb` route integration (key, item, values …): YAML compiled once
/// into ValueSpecs, resolved per request into DynamoDB AttributeValues. A value only ever
/// becomes an AttributeValue placed where the config put it: request data cannot change an
/// expression, a key name or the request's shape (no text is pasted into JSON or expressions).
///
/// The YAML forms (documented for users in dynamodb_plugin.hpp):
///   a template           "$request.path.id", "user-${request.header.x-user}" → S
///   $request.body[.path] the JSON type decides: string S, number N (its text exactly),
///                        bool BOOL, null NULL, object M, array L (plain_json.hpp)
///   a plain constant     7 → N, true → BOOL, null or ~ → NULL, other text → S;
///                        "7" (quoted) → S
///   {TYPE: value}        an explicit type, TYPE one of S N B BOOL NULL SS NS BS L M:
///                        {N: $request.path.n}, {SS: [$request.path.a, x]}, {SS:
///                        $request.body.tags}
///   a mapping            M of its members; a list: L of its elements
/// A template whose variable has no value (an absent header, query parameter or body member)
/// is missing: left out of items, maps and lists; a missing key or expression value is a
/// client error (see route_integration.cpp).

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/request_context.hpp"
#include "gateway/core/value_template.hpp"
#include "plugins/dynamodb/body_path.hpp"

namespace gh::plugins::dynamodb {

/// What one request offers its values: the RequestContext, and the body marshalled once, on
/// first use. One per request, on the request's executor.
class RequestValues {
 public:
  explicit RequestValues(const core::RequestContext& ctx) : ctx_(ctx) {}
  const core::RequestContext& context() const noexcept { return ctx_; }
  /// The body as an AttributeValue; nullptr for an empty body. Sets `error` (and returns
  /// nullptr) when the body is not JSON.
  const boost::json::value* body(std::string& error);

 private:
  const core::RequestContext& ctx_;
  bool parsed_ = false;
  std::optional<boost::json::value> body_;
  std::string error_;
};

class ValueSpec {
 public:
  /// Compiles the YAML value at `node`; problems (bad templates, body paths, types, invalid
  /// constants with DynamoDB's own message) are reported into `diags`, and nullopt returned.
  static std::optional<ValueSpec> compile(const config::Node& node, config::Diagnostics& diags);

  /// This request's AttributeValue: `out` unset when the request lacks the value. Returns false
  /// with `error` set when the request's data cannot have the type the config asks for.
  bool resolve(RequestValues& in, std::optional<boost::json::value>& out, std::string& error) const;

  /// The type the value always has ("S", "N", "M" …), or "" when the request body decides.
  std::string_view static_type() const noexcept;
  /// The AttributeValue of a value that uses no request data, else nullptr.
  const boost::json::value* constant() const noexcept;
  /// Member names of a mapping (an M written as a YAML mapping), else empty.
  const std::vector<std::string>& member_names() const noexcept { return names_; }
  /// The value of member `i` of a mapping (i < member_names().size()).
  const ValueSpec& member(std::size_t i) const { return children_[i]; }
  /// What the config wrote, for messages ("$request.path.id").
  const std::string& source() const noexcept { return source_; }

 private:
  enum class Kind { kConstant, kTemplate, kBody, kTyped, kList, kMap };

  Kind kind_ = Kind::kConstant;
  boost::json::value constant_;                  // kConstant (and any static value)
  std::optional<core::ValueTemplate> template_;  // kTemplate
  std::optional<BodyPath> body_;                 // kBody
  std::string type_;                             // kTyped
  std::vector<ValueSpec> children_;              // kList elements, kMap members, kTyped inner
  std::vector<std::string> names_;               // kMap member names
  std::string source_;
  bool static_ = false;  // no request data: constant_ holds the value
};

}  // namespace gh::plugins::dynamodb
