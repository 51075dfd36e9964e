#pragma once
/// DynamoDB's AttributeValue in its JSON form ({"S": "…"}, {"N": "…"}, {"M": {…}}, …), kept as
/// boost::json values: items arrive and leave as JSON, so validating them in place (numbers
/// normalised to DynamoDB's canonical text, sets checked, binary base64 checked) is all the
/// store needs before it writes the JSON text. Key attributes also get an order-preserving
/// byte form, the SQLite sort key: strings by their UTF-8 bytes and binary by its bytes, as
/// DynamoDB orders them, numbers by Number::key_bytes().

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/dynamodb/errors.hpp"

namespace gh::plugins::dynamodb {

/// Parses a request body or a stored item. DynamoDB allows 32 levels of lists and maps, which
/// is twice as many JSON levels (plus the request's own): boost::json's default limit of 32
/// would refuse valid items. `storage`: where the values live (the default resource unless
/// given).
boost::json::value parse_json(std::string_view text, boost::system::error_code& ec,
                              boost::json::storage_ptr storage = {});
/// The same for text known to be valid (items the store wrote).
boost::json::value parse_stored(std::string_view text);

/// Coral's SerializationException for a JSON value of the wrong kind: "<TOKEN> cannot be
/// converted to <what>" (Jackson's token names; the wording around them UNVERIFIED).
DynamoError wrong_json_type(const boost::json::value& v, std::string_view what);

/// The scalar types a key attribute may have (AttributeDefinitions' AttributeType).
enum class ScalarType { kString, kNumber, kBinary };

std::string_view type_name(ScalarType type) noexcept;  // "S", "N", "B"
std::optional<ScalarType> parse_scalar_type(std::string_view name) noexcept;

/// Validates one attribute value and normalises it in place (numbers become DynamoDB's
/// canonical text). `depth` counts the nesting of lists and maps (DynamoDB allows 32 levels).
std::optional<DynamoError> normalize_value(boost::json::value& value, int depth = 0);

/// Validates an item (attribute name → value) and normalises its values.
std::optional<DynamoError> normalize_item(boost::json::value& item);

/// DynamoDB's item size: attribute names plus values, by its documented rules (strings and
/// binary by length, numbers by significant digits, 1 byte for booleans and nulls, 3 bytes of
/// overhead per list or map plus 1 per element).
std::size_t item_size(const boost::json::object& item);

/// The type tag of a value ("S", "N", "M", …), or "" if it is not an AttributeValue object.
std::string_view value_type(const boost::json::value& value) noexcept;

/// The order-preserving byte form of a normalised key attribute of type `type`, or nullopt if
/// the value is not of that type.
std::optional<std::string> key_bytes(const boost::json::value& value, ScalarType type);

}  // namespace gh::plugins::dynamodb
