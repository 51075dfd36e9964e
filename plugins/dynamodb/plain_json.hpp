#pragma once
/// Plain JSON ⇄ DynamoDB JSON, for route integrations (`$request.body` values, `response:
/// plain`) and seed files: what the AWS SDKs call marshalling (boto3's TypeSerializer,
/// @aws-sdk/util-dynamodb's marshall) and unmarshalling.
///
/// Marshalling: string → S, number → N (the number's text exactly as written: no round trip
/// through a double, so 38-digit numbers keep every digit), true/false → BOOL, null → NULL,
/// object → M, array → L (never a set: JSON has none). Unmarshalling is the inverse, with sets
/// as arrays (SS/BS of strings, NS of numbers) and B as its base64 text; N is written as the
/// JSON number DynamoDB's canonical text is.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace gh::plugins::dynamodb {

/// Parses plain JSON text straight into an AttributeValue. On malformed JSON (or nesting over
/// `max_depth` levels) returns nullopt and sets `error`.
std::optional<boost::json::value> marshal_json_text(std::string_view text, std::string& error,
                                                    std::size_t max_depth = 64);

/// Appends the plain JSON of an AttributeValue (a well-formed one: what the store returns).
void append_unmarshalled(std::string& out, const boost::json::value& attribute_value);
/// Appends the plain JSON object of an item (attribute name → AttributeValue).
void append_unmarshalled_item(std::string& out, const boost::json::object& item);

/// True if `v` has the shape of an AttributeValue: an object with exactly one member whose name
/// is a DynamoDB type (S, N, B, BOOL, NULL, M, L, SS, NS, BS).
bool looks_like_attribute_value(const boost::json::value& v) noexcept;

}  // namespace gh::plugins::dynamodb
