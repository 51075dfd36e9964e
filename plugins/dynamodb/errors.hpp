#pragma once
/// DynamoDB's errors as its JSON 1.0 protocol sends them: HTTP status, `__type` (a Coral shape
/// id; the SDKs keep what follows '#') and `message`. The prefixes are the ones DynamoDB uses
/// (validation errors come from Coral's validator, the service's own from its model namespace;
/// dynalite and DynamoDB Local answer the same).

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <utility>

namespace gh::plugins::dynamodb {

/// Which kind of request validation a ValidationException reports, set where the error is
/// raised. DynamoDB words some families inside "1 validation error detected: " and others bare,
/// and which depends on the operation: validation_envelope.hpp holds that rule, applied once as
/// an operation answers. kNone: the message goes out as raised.
enum class ValidationFamily : std::uint8_t {
  kNone,
  kSetShape,                // an empty set
  kDuplicateSetMembers,     // "… Input collection … contains duplicates"
  kNullFalse,               // {"NULL": false}
  kNumberConversion,        // a refused number: not numeric, out of range, over 38 digits
  kParameterMix,            // "… can only be specified when using expressions", "Can not use …"
  kPlaceholderMap,          // ExpressionAttributeNames/Values "must not be empty", "contains …"
  kUnusedPlaceholder,       // "Value provided in ExpressionAttribute… unused in expressions: …"
  kConditionExpression,     // "Invalid ConditionExpression: …" (static checks: syntax, size …)
  kUpdateExpression,        // "Invalid UpdateExpression: …"
  kFilterExpression,        // "Invalid FilterExpression: …"
  kProjectionExpression,    // "Invalid ProjectionExpression: …"
  kKeyConditionExpression,  // "Invalid KeyConditionExpression: …"
  kReturnValuesNotAllowed,  // "ReturnValues can only be ALL_OLD or NONE"
  kSelectProjection,        // Select against ProjectionExpression/AttributesToGet/IndexName
};

struct DynamoError {
  DynamoError() = default;
  DynamoError(int status_code, std::string type_id, std::string text)
      : status(status_code), type(std::move(type_id)), message(std::move(text)) {}

  int status = 400;
  std::string type;  // full __type
  std::string message;
  boost::json::object fields;  // further members of the error body (e.g. "Item")
  ValidationFamily family = ValidationFamily::kNone;  // ValidationExceptions only
  /// The current validation layer's words for `message` where they differ from the older
  /// layer's it is raised in (bad numbers and duplicate set members); empty when they do not.
  /// reword_current_layer (validation_envelope.hpp) puts them in place for the operations that
  /// run the current layer.
  std::string current_layer_message;

  static DynamoError validation(std::string message,
                                ValidationFamily family = ValidationFamily::kNone) {
    DynamoError e{400, "com.amazon.coral.validate#ValidationException", std::move(message)};
    e.family = family;
    return e;
  }
  static DynamoError serialization(std::string message) {
    return {400, "com.amazon.coral.service#SerializationException", std::move(message)};
  }
  static DynamoError not_found(std::string message = "Requested resource not found") {
    return {400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", std::move(message)};
  }
  static DynamoError in_use(std::string message) {
    return {400, "com.amazonaws.dynamodb.v20120810#ResourceInUseException", std::move(message)};
  }
  static DynamoError conditional_check_failed() {
    return {400, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
            "The conditional request failed"};
  }
  static DynamoError internal(std::string message) {
    return {500, "com.amazonaws.dynamodb.v20120810#InternalServerError", std::move(message)};
  }
  /// An X-Amz-Target this store does not implement (DynamoDB answers it with no message).
  static DynamoError unknown_operation() {
    return {400, "com.amazon.coral.service#UnknownOperationException", ""};
  }
};

}  // namespace gh::plugins::dynamodb
