// UpdateTimeToLive and DescribeTimeToLive. The deletes themselves are the TTL sweeper's
// (ttl_sweeper.hpp); here a table's TTL setting (TableSchema::ttl_attribute) is changed and
// shown.
//
// Real DynamoDB passes through ENABLING / DISABLING for up to an hour and refuses another
// UpdateTimeToLive meanwhile ("Time to live has been modified multiple times within a fixed
// interval"). The emulator applies a change at once and shows ENABLED / DISABLED: SDK waiters,
// infrastructure tools and tests would otherwise stall for an hour, and nothing a client can do
// depends on seeing the intermediate states.
#include <string>
#include <vector>

#include "plugins/dynamodb/operations.hpp"

namespace gh::plugins::dynamodb::ops {

namespace {

constexpr std::string_view kOneError = "1 validation error detected: ";
constexpr std::size_t kMaxAttributeName = 255;  // TimeToLiveAttributeName: length 1..255

/// Coral's message for one or more constraint failures, each "Value … at '…' failed to
/// satisfy constraint: …", joined as Coral joins them.
DynamoError constraint_failures(const std::vector<std::string>& failures) {
  std::string message = failures.size() == 1
                            ? std::string(kOneError)
                            : std::to_string(failures.size()) + " validation errors detected: ";
  for (std::size_t i = 0; i < failures.size(); ++i) {
    if (i) message += "; ";
    message += failures[i];
  }
  return DynamoError::validation(std::move(message));
}

std::string null_at(std::string_view member_path) {
  return "Value null at '" + std::string(member_path) +
         "' failed to satisfy constraint: Member must not be null";
}

// The answers to a change that does not apply: wording of live DynamoDB as clients quote it
// (dynalite test/updateTimeToLive.js; "active on a different AttributeName: current
// AttributeName is …" as botocore ClientErrors carry it in projects handling it).
DynamoError already(bool enabled) {
  return DynamoError::validation(enabled ? "TimeToLive is already enabled"
                                         : "TimeToLive is already disabled");
}
DynamoError active_on(std::string_view current) {
  return DynamoError::validation(
      "TimeToLive is active on a different AttributeName: current AttributeName is " +
      std::string(current));
}

/// Coral's length rule for the attribute name, as one constraint failure; "" when it holds.
std::string attribute_length_failure(std::string_view attribute) {
  if (attribute.size() <= kMaxAttributeName) return "";
  // UNVERIFIED: Coral's wording for the model's max length, as for tableName.
  return "Value '" + std::string(attribute) +
         "' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must "
         "have length less than or equal to 255";
}

// Checked after Coral's rules, in DynamoDB's words [dynalite validations/updateTimeToLive.js,
// test/updateTimeToLive.js].
DynamoError empty_attribute() {
  return DynamoError::validation("TimeToLiveSpecification.AttributeName must be non empty");
}

}  // namespace

std::optional<DynamoError> check_time_to_live_attribute(std::string_view attribute) {
  if (std::string failure = attribute_length_failure(attribute); !failure.empty()) {
    return constraint_failures({failure});
  }
  if (attribute.empty()) return empty_attribute();
  return std::nullopt;
}

Result update_time_to_live(const Env& env, const json::object& request) {
  // Types first (SerializationException), then every Coral constraint in one message, then
  // DynamoDB's own checks: the order DynamoDB answers in.
  const json::value* name = member(request, "TableName");
  const json::value* spec = member(request, "TimeToLiveSpecification");
  if ((name && !name->is_string()) || (spec && !spec->is_object())) return wrong_type();
  const json::value* enabled = spec ? member(spec->get_object(), "Enabled") : nullptr;
  const json::value* attribute = spec ? member(spec->get_object(), "AttributeName") : nullptr;
  if ((enabled && !enabled->is_bool()) || (attribute && !attribute->is_string())) {
    return wrong_type();
  }

  std::vector<std::string> failures;
  if (auto e = check_table_name(name)) {
    if (!e->message.starts_with(kOneError)) return *e;
    failures.push_back(e->message.substr(kOneError.size()));
  }
  if (!spec) failures.push_back(null_at("timeToLiveSpecification"));
  if (spec && !enabled) failures.push_back(null_at("timeToLiveSpecification.enabled"));
  if (spec && !attribute) failures.push_back(null_at("timeToLiveSpecification.attributeName"));
  if (attribute) {
    std::string failure = attribute_length_failure(std::string_view(attribute->get_string()));
    if (!failure.empty()) failures.push_back(std::move(failure));
  }
  if (!failures.empty()) return constraint_failures(failures);
  if (attribute->get_string().empty()) return empty_attribute();

  auto table = existing_table(env, request, true);
  if (auto* e = std::get_if<DynamoError>(&table)) return *e;
  const bool enable = enabled->get_bool();
  const std::string attr(attribute->get_string());
  // Decided under the store's lock, so two concurrent calls cannot both succeed.
  auto refused = env.store.update_table(
      std::get<TableSchema>(table).name, [&](TableSchema& schema) -> std::optional<DynamoError> {
        const std::optional<std::string>& current = schema.ttl_attribute;
        if (enable) {
          if (current) return *current == attr ? already(true) : active_on(*current);
          schema.ttl_attribute = attr;
        } else {
          if (!current) return already(false);
          if (*current != attr) return active_on(*current);
          schema.ttl_attribute.reset();
        }
        return std::nullopt;
      });
  if (refused) return *refused;
  return json::object{
      {"TimeToLiveSpecification", json::object{{"Enabled", enable}, {"AttributeName", attr}}}};
}

Result describe_time_to_live(const Env& env, const json::object& request) {
  auto table = existing_table(env, request, true);
  if (auto* e = std::get_if<DynamoError>(&table)) return *e;
  const auto& ttl = std::get<TableSchema>(table).ttl_attribute;
  json::object description{{"TimeToLiveStatus", ttl ? "ENABLED" : "DISABLED"}};
  if (ttl) description["AttributeName"] = *ttl;
  return json::object{{"TimeToLiveDescription", std::move(description)}};
}

}  // namespace gh::plugins::dynamodb::ops
