#pragma once
/// DynamoDB's errors as its JSON 1.0 protocol sends them: HTTP status, `__type` (a Coral shape
/// id; the SDKs keep what follows '#') and `message`. The prefixes are the ones DynamoDB uses
/// (validation errors come from Coral's validator, the service's own from its model namespace;
/// dynalite and DynamoDB Local answer the same).

#include <boost/json/object.hpp>
#include <string>
#include <utility>

namespace gh::plugins::dynamodb {

struct DynamoError {
  DynamoError() = default;
  DynamoError(int status_code, std::string type_id, std::string text)
      : status(status_code), type(std::move(type_id)), message(std::move(text)) {}

  int status = 400;
  std::string type;  // full __type
  std::string message;
  boost::json::object fields;  // further members of the error body (e.g. "Item")

  static DynamoError validation(std::string message) {
    return {400, "com.amazon.coral.validate#ValidationException", std::move(message)};
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
