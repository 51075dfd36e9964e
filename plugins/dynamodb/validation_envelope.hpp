#pragma once
/// The one rule for DynamoDB's "1 validation error detected: " envelope around the
/// ValidationExceptions an operation raises itself (not Coral's constraint messages, which carry
/// it already): whether it appears depends on the operation and on the error's family
/// (errors.hpp's ValidationFamily, set where the error is raised). operation_table.cpp applies it
/// to every answer of the embedded store, for the services endpoint and route integrations alike.
/// The table, with its sources, is in validation_envelope.cpp.

#include <string_view>

#include "plugins/dynamodb/errors.hpp"

namespace gh::plugins::dynamodb {

inline constexpr std::string_view kValidationEnvelope = "1 validation error detected: ";

/// Whether DynamoDB words a `family` error of `operation` ("PutItem", "Query" …) in the envelope.
bool wraps_validation(std::string_view operation, ValidationFamily family) noexcept;

/// Gives `e` the words of the validation layer `operation` runs in: the current layer (PutItem,
/// UpdateItem, DeleteItem, GetItem, BatchGetItem, Query) words a few messages differently from
/// the older one the errors are raised in (validation_envelope.cpp lists which, and why).
void reword_current_layer(std::string_view operation, DynamoError& e);

/// reword_current_layer(), then puts `e` in the envelope when wraps_validation() says so;
/// anything else is left as it is.
void apply_validation_envelope(std::string_view operation, DynamoError& e);

}  // namespace gh::plugins::dynamodb
