#pragma once
/// IAM policy documents and their evaluation: identity policies attached to configured
/// credentials, resource policies on APIs, and (later) Lambda-authorizer policies share this one
/// evaluator. aws-behaviour.md §4.6-4.7; IAM User Guide "Policy evaluation logic" and
/// "IAM JSON policy elements: Condition operators".
///
/// Parsing happens while a config is compiled (one thread); a parsed Policy is immutable and
/// evaluate() is pure, any thread, no allocation beyond small strings.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/yaml_reader.hpp"

namespace gh::iam {

/// What a statement is evaluated against (the "request context" in IAM's words).
struct RequestFacts {
  std::string_view action;         // "execute-api:Invoke"
  std::string_view resource;       // "arn:aws:execute-api:us-east-1:123456789012:api/stage/GET/x"
  std::string_view principal_arn;  // "" = anonymous
  std::string_view principal_account;
  std::string_view user_id;    // aws:userid
  std::string_view user_name;  // aws:username (IAM users only)
  std::string_view source_ip;
  std::string_view user_agent;
  bool secure_transport = false;
  std::chrono::system_clock::time_point now;
};

enum class Decision { kNotApplicable, kAllow, kDeny };

struct Condition {
  std::string op;  // base operator without IfExists / set qualifiers, e.g. "StringLike"
  bool if_exists = false;
  bool for_all_values = false;  // ForAllValues: (an absent key matches)
  std::string key;              // as written, e.g. "aws:SourceIp"
  std::vector<std::string> values;
};

struct Principal {
  bool any = false;              // "*" or {"AWS": "*"}
  std::vector<std::string> aws;  // ARNs or 12-digit account ids
};

struct Statement {
  std::string sid;
  bool allow = true;
  bool not_action = false;
  std::vector<std::string> actions;
  bool not_resource = false;
  std::vector<std::string> resources;
  std::optional<Principal> principal;  // resource policies only
  bool not_principal = false;
  std::vector<Condition> conditions;
};

struct Policy {
  std::vector<Statement> statements;
};

/// Parses a policy written as a YAML mapping (JSON is YAML, so a pasted JSON document works) or
/// as a string holding a JSON document. `resource_policy` requires Principal/NotPrincipal in
/// every statement (as AWS does); identity policies must not have one. Problems go to `diags`.
std::optional<Policy> parse_policy(const config::Node& node, bool resource_policy,
                                   config::Diagnostics& diags);

/// API Gateway expands the short resource form of a resource policy,
/// `execute-api:/stage/VERB/path`, to
/// `arn:aws:execute-api:{region}:{account}:{apiId}/stage/VERB/path` when the policy is saved (API
/// Gateway developer guide, "resource policy examples"). Done here once at compile time.
void expand_execute_api_resources(Policy& policy, std::string_view region,
                                  std::string_view account_id, std::string_view api_id);

/// The policy's verdict for one request: kDeny if any matching statement denies, else kAllow if
/// any matching statement allows, else kNotApplicable (an implicit deny).
Decision evaluate(const Policy& policy, const RequestFacts& facts);
/// Several policies together (e.g. all identity policies of one principal): same rule.
Decision evaluate(const std::vector<Policy>& policies, const RequestFacts& facts);

/// IAM's wildcard match: `*` any run of characters (including none and `/`), `?` exactly one.
bool glob_match(std::string_view pattern, std::string_view text, bool ignore_case = false);

}  // namespace gh::iam
