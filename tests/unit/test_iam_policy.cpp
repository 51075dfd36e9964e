// IAM policy evaluation (gateway/iam/policy.hpp): wildcard matching, statements, principals,
// condition operators, the deny-wins rule, and the parser's diagnostics. Tables follow the IAM
// User Guide's evaluation logic and condition-operator pages.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/iam/credential_store.hpp"
#include "gateway/iam/policy.hpp"

namespace {

using gh::iam::Decision;
using gh::iam::RequestFacts;

constexpr const char* kResource = "arn:aws:execute-api:us-east-1:123456789012:shop/dev/GET/items/7";

std::optional<gh::iam::Policy> parse(const std::string& yaml, bool resource_policy,
                                     gh::config::Diagnostics& diags) {
  auto node = gh::config::load_yaml_text(yaml, "policy.yaml", diags);
  REQUIRE(node);
  return gh::iam::parse_policy(*node, resource_policy, diags);
}

gh::iam::Policy policy(const std::string& yaml, bool resource_policy = false) {
  gh::config::Diagnostics diags;
  auto p = parse(yaml, resource_policy, diags);
  INFO(diags.format());
  REQUIRE(p);
  REQUIRE_FALSE(diags.has_errors());
  return *p;
}

RequestFacts alice() {
  RequestFacts f;
  f.action = "execute-api:Invoke";
  f.resource = kResource;
  f.principal_arn = "arn:aws:iam::123456789012:user/alice";
  f.principal_account = "123456789012";
  f.user_id = "AIDAEXAMPLE";
  f.user_name = "alice";
  f.source_ip = "127.0.0.1";
  f.user_agent = "curl/7.88.1";
  f.now = std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + std::chrono::hours(10);
  return f;
}

std::string allow_with(const std::string& condition) {
  return "Statement: [{Effect: Allow, Action: 'execute-api:Invoke', Resource: '*', Condition: " +
         condition + "}]";
}

}  // namespace

TEST_CASE("glob_match: * spans anything including '/', ? one character") {
  struct Case {
    const char* pattern;
    const char* text;
    bool match;
  };
  const Case cases[] = {
      {"*", "", true},
      {"*", "arn:aws:execute-api:x", true},
      {"arn:aws:execute-api:*:*:shop/*", kResource, true},
      {"arn:aws:execute-api:*:*:shop/*/GET/items/*", kResource, true},
      {"arn:aws:execute-api:*:*:shop/*/POST/*", kResource, false},
      {"arn:aws:execute-api:us-east-1:123456789012:shop/dev/GET/items/?", kResource, true},
      {"arn:aws:execute-api:us-east-1:123456789012:shop/dev/GET/items/??", kResource, false},
      {"arn:aws:execute-api:us-east-1:123456789012:shop/dev/GET/items", kResource, false},
      {"*items*", kResource, true},
      {"a*b*c", "aXbYc", true},
      {"a*b*c", "aXbY", false},
      {"", "", true},
      {"", "x", false},
      {"abc", "ABC", false},
  };
  for (const auto& c : cases) {
    std::string pattern = c.pattern, text = c.text;
    CAPTURE(pattern);
    CAPTURE(text);
    CHECK(gh::iam::glob_match(c.pattern, c.text) == c.match);
  }
  CHECK(gh::iam::glob_match("EXECUTE-API:inv*", "execute-api:Invoke", true));
  CHECK(gh::iam::glob_match("a*a", "aa"));
  CHECK_FALSE(gh::iam::glob_match("a*a", "a"));
  CHECK_FALSE(gh::iam::glob_match("ab*b", "ab"));
  CHECK(gh::iam::glob_match("*?*", "x"));
  CHECK_FALSE(gh::iam::glob_match("*?*", ""));
  CHECK(gh::iam::glob_match("**a**", "bab"));
  CHECK(gh::iam::glob_match("*S?Op*", "xs1opy", true));
  CHECK_FALSE(gh::iam::glob_match("*S?Op*", "xs1opy"));
}

// The textbook definition, recursive: the segment-wise matcher must agree with it everywhere.
bool glob_reference(std::string_view p, std::string_view t) {
  if (p.empty()) return t.empty();
  if (p.front() == '*') {
    for (std::size_t skip = 0; skip <= t.size(); ++skip) {
      if (glob_reference(p.substr(1), t.substr(skip))) return true;
    }
    return false;
  }
  return !t.empty() && (p.front() == '?' || p.front() == t.front()) &&
         glob_reference(p.substr(1), t.substr(1));
}

TEST_CASE("glob_match agrees with the recursive definition on every small pattern and text") {
  // All patterns of up to 5 characters over {a, b, *, ?} against all texts of up to 5
  // characters over {a, b}: 1,365 x 63 pairs.
  auto all = [](std::string_view alphabet, std::size_t max) {
    std::vector<std::string> out{""};
    for (std::size_t from = 0; out.back().size() < max;) {
      std::size_t to = out.size();
      for (std::size_t i = from; i < to; ++i) {
        for (char c : alphabet) out.push_back(out[i] + c);
      }
      from = to;
    }
    return out;
  };
  int checked = 0;
  for (const std::string& pattern : all("ab*?", 5)) {
    for (const std::string& text : all("ab", 5)) {
      if (gh::iam::glob_match(pattern, text) != glob_reference(pattern, text)) {
        CAPTURE(pattern);
        CAPTURE(text);
        FAIL("glob_match disagrees with the definition");
      }
      ++checked;
    }
  }
  CHECK(checked == 1365 * 63);
}

TEST_CASE("statements: actions, resources, their negations, and deny wins") {
  struct Case {
    const char* statement;
    Decision expected;
  };
  const Case cases[] = {
      {"{Effect: Allow, Action: 'execute-api:Invoke', Resource: '*'}", Decision::kAllow},
      {"{Effect: Allow, Action: 'execute-api:*', Resource: '*'}", Decision::kAllow},
      {"{Effect: Allow, Action: '*', Resource: '*'}", Decision::kAllow},
      {"{Effect: Allow, Action: 'EXECUTE-API:invoke', Resource: '*'}", Decision::kAllow},
      {"{Effect: Allow, Action: ['s3:*', 'execute-api:Inv?ke'], Resource: '*'}", Decision::kAllow},
      {"{Effect: Allow, Action: 's3:*', Resource: '*'}", Decision::kNotApplicable},
      {"{Effect: Allow, Action: 'execute-api:ManageConnections', Resource: '*'}",
       Decision::kNotApplicable},
      {"{Effect: Allow, NotAction: 's3:*', Resource: '*'}", Decision::kAllow},
      {"{Effect: Allow, NotAction: 'execute-api:*', Resource: '*'}", Decision::kNotApplicable},
      {"{Effect: Allow, Action: 'execute-api:Invoke', NotResource: "
       "'arn:aws:execute-api:*:*:shop/*/POST/*'}",
       Decision::kAllow},
      {"{Effect: Allow, Action: 'execute-api:Invoke', NotResource: "
       "'arn:aws:execute-api:*:*:shop/*'}",
       Decision::kNotApplicable},
      {"{Effect: Allow, Action: 'execute-api:Invoke', Resource: "
       "'arn:aws:execute-api:us-east-1:*:shop/dev/GET/items/*'}",
       Decision::kAllow},
      {"{Effect: Allow, Action: 'execute-api:Invoke', Resource: "
       "'arn:aws:execute-api:eu-west-1:*:shop/*'}",
       Decision::kNotApplicable},
      {"{Effect: Deny, Action: 'execute-api:Invoke', Resource: '*'}", Decision::kDeny},
      {"{Effect: Deny, Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:*:*:other/*'}",
       Decision::kNotApplicable},
  };
  for (const auto& c : cases) {
    std::string statement = c.statement;
    CAPTURE(statement);
    auto p = policy(std::string("Version: '2012-10-17'\nStatement: [") + c.statement + "]");
    CHECK(gh::iam::evaluate(p, alice()) == c.expected);
  }
  // An explicit deny wins over any allow, in one policy and across policies.
  auto both = policy(
      "Statement:\n"
      "  - {Effect: Allow, Action: '*', Resource: '*'}\n"
      "  - {Effect: Deny, Action: 'execute-api:Invoke', Resource: '*/GET/items/*'}\n");
  CHECK(gh::iam::evaluate(both, alice()) == Decision::kDeny);
  std::vector<gh::iam::Policy> set{policy("Statement: {Effect: Allow, Action: '*', Resource: '*'}"),
                                   policy("Statement: {Effect: Deny, Action: '*', Resource: '*'}")};
  CHECK(gh::iam::evaluate(set, alice()) == Decision::kDeny);
  std::vector<gh::iam::Policy> none;
  CHECK(gh::iam::evaluate(none, alice()) == Decision::kNotApplicable);
}

TEST_CASE("conditions: every operator family, IfExists, negation on absent keys, AND/OR") {
  struct Case {
    const char* condition;
    bool anonymous;
    bool holds;
  };
  const Case cases[] = {
      {"{IpAddress: {aws:SourceIp: 127.0.0.0/8}}", false, true},
      {"{IpAddress: {aws:SourceIp: 10.0.0.0/8}}", false, false},
      {"{IpAddress: {aws:SourceIp: [10.0.0.0/8, 127.0.0.1/32]}}", false, true},
      {"{IpAddress: {aws:SourceIp: 127.0.0.1}}", false, true},
      {"{NotIpAddress: {aws:SourceIp: 10.0.0.0/8}}", false, true},
      {"{NotIpAddress: {aws:SourceIp: 127.0.0.0/8}}", false, false},
      {"{IpAddress: {aws:SourceIp: '::1/128'}}", false, false},
      {"{StringEquals: {aws:PrincipalArn: 'arn:aws:iam::123456789012:user/alice'}}", false, true},
      {"{StringEquals: {aws:PrincipalArn: 'arn:aws:iam::123456789012:user/ALICE'}}", false, false},
      {"{StringEqualsIgnoreCase: {aws:PrincipalArn: 'ARN:AWS:IAM::123456789012:USER/ALICE'}}",
       false, true},
      {"{StringNotEquals: {aws:username: bob}}", false, true},
      {"{StringNotEqualsIgnoreCase: {aws:username: ALICE}}", false, false},
      {"{StringLike: {aws:PrincipalArn: 'arn:aws:iam::*:user/a*'}}", false, true},
      {"{StringNotLike: {aws:UserAgent: 'curl/*'}}", false, false},
      {"{ArnLike: {aws:PrincipalArn: 'arn:aws:iam::123456789012:user/*'}}", false, true},
      {"{ArnNotLike: {aws:PrincipalArn: 'arn:aws:iam::123456789012:user/*'}}", false, false},
      {"{StringEquals: {aws:PrincipalAccount: '123456789012'}}", false, true},
      {"{StringEquals: {aws:PrincipalType: User}}", false, true},
      {"{StringEquals: {aws:PrincipalType: Anonymous}}", true, true},
      {"{StringEquals: {aws:userid: AIDAEXAMPLE}}", false, true},
      {"{StringEquals: {AWS:USERNAME: alice}}", false, true},  // key names ignore case
      {"{Bool: {aws:SecureTransport: 'false'}}", false, true},
      {"{Bool: {aws:SecureTransport: true}}", false, false},
      {"{DateLessThan: {aws:CurrentTime: '2026-12-31T00:00:00Z'}}", false, true},
      {"{DateLessThan: {aws:CurrentTime: '2026-12-02'}}", false, false},
      {"{DateGreaterThan: {aws:CurrentTime: '2026-12-02T09:59:59Z'}}", false, true},
      {"{DateGreaterThanEquals: {aws:CurrentTime: '2026-12-02T11:00:00+01:00'}}", false, true},
      {"{DateEquals: {aws:CurrentTime: '2026-12-02T10:00:00Z'}}", false, true},
      {"{DateLessThanEquals: {aws:EpochTime: '2026-12-02T10:00:00Z'}}", false, true},
      // 2026-12-02T10:00:00Z is 1796205600.
      {"{NumericLessThan: {aws:EpochTime: 1796205601}}", false, true},
      {"{NumericLessThan: {aws:EpochTime: 1796205600}}", false, false},
      {"{NumericLessThanEquals: {aws:EpochTime: 1796205600}}", false, true},
      {"{NumericGreaterThan: {aws:EpochTime: 1796205600}}", false, false},
      {"{NumericGreaterThanEquals: {aws:EpochTime: 1796205600}}", false, true},
      {"{NumericEquals: {aws:EpochTime: 1796205600}}", false, true},
      {"{NumericNotEquals: {aws:EpochTime: 1}}", false, true},
      // Absent keys: positive operators fail, IfExists and negated ones hold, Null tells.
      {"{StringEquals: {aws:PrincipalArn: x}}", true, false},
      {"{StringEqualsIfExists: {aws:PrincipalArn: x}}", true, true},
      {"{StringEqualsIfExists: {aws:PrincipalArn: x}}", false, false},
      {"{StringNotEquals: {aws:PrincipalArn: x}}", true, true},
      {"{Null: {aws:PrincipalArn: 'true'}}", true, true},
      {"{Null: {aws:PrincipalArn: 'true'}}", false, false},
      {"{Null: {aws:PrincipalArn: 'false'}}", false, true},
      {"{'Null': {aws:PrincipalArn: 'false'}}", false, true},
      {"{StringEquals: {aws:NoSuchKey: x}}", false, false},
      {"{'ForAllValues:StringEquals': {aws:NoSuchKey: x}}", false, true},
      {"{'ForAnyValue:StringEquals': {aws:username: [bob, alice]}}", false, true},
      // Several keys and several operators: all must hold.
      {"{StringEquals: {aws:username: alice, aws:PrincipalAccount: '123456789012'}}", false, true},
      {"{StringEquals: {aws:username: alice, aws:PrincipalAccount: '999999999999'}}", false, false},
      {"{StringEquals: {aws:username: alice}, IpAddress: {aws:SourceIp: 10.0.0.0/8}}", false,
       false},
  };
  for (const auto& c : cases) {
    std::string condition = c.condition;
    CAPTURE(condition);
    CAPTURE(c.anonymous);
    RequestFacts f = alice();
    if (c.anonymous) {
      f.principal_arn = f.principal_account = f.user_id = f.user_name = "";
    }
    auto p = policy(allow_with(c.condition));
    CHECK((gh::iam::evaluate(p, f) == Decision::kAllow) == c.holds);
  }
  // IPv6 sources, and an IPv4-mapped IPv6 address compared as IPv4.
  RequestFacts v6 = alice();
  v6.source_ip = "::1";
  CHECK(gh::iam::evaluate(policy(allow_with("{IpAddress: {aws:SourceIp: '::1/128'}}")), v6) ==
        Decision::kAllow);
  v6.source_ip = "::ffff:127.0.0.1";
  CHECK(gh::iam::evaluate(policy(allow_with("{IpAddress: {aws:SourceIp: 127.0.0.0/8}}")), v6) ==
        Decision::kAllow);
}

TEST_CASE("principals in resource policies") {
  struct Case {
    const char* principal;
    const char* caller_arn;  // "" = anonymous
    bool matches;
  };
  const Case cases[] = {
      {"'*'", "", true},
      {"{AWS: '*'}", "", true},
      {"'*'", "arn:aws:iam::123456789012:user/alice", true},
      {"{AWS: '123456789012'}", "arn:aws:iam::123456789012:user/alice", true},
      {"{AWS: '123456789012'}", "", false},
      {"{AWS: 'arn:aws:iam::123456789012:root'}", "arn:aws:iam::123456789012:user/alice", true},
      {"{AWS: 'arn:aws:iam::999999999999:root'}", "arn:aws:iam::123456789012:user/alice", false},
      {"{AWS: 'arn:aws:iam::123456789012:user/alice'}", "arn:aws:iam::123456789012:user/alice",
       true},
      {"{AWS: ['arn:aws:iam::123456789012:user/bob']}", "arn:aws:iam::123456789012:user/alice",
       false},
      {"{AWS: 'arn:aws:iam::123456789012:role/deployer'}",
       "arn:aws:sts::123456789012:assumed-role/deployer/ci-run-7", true},
      {"{AWS: 'arn:aws:iam::123456789012:role/other'}",
       "arn:aws:sts::123456789012:assumed-role/deployer/ci-run-7", false},
  };
  for (const auto& c : cases) {
    std::string principal = c.principal, caller = c.caller_arn;
    CAPTURE(principal);
    CAPTURE(caller);
    RequestFacts f = alice();
    f.principal_arn = c.caller_arn;
    f.principal_account = *c.caller_arn ? "123456789012" : "";
    auto p = policy(std::string("Statement: [{Effect: Allow, Principal: ") + c.principal +
                        ", Action: 'execute-api:Invoke', Resource: '*'}]",
                    /*resource_policy=*/true);
    CHECK((gh::iam::evaluate(p, f) == Decision::kAllow) == c.matches);
    auto np = policy(std::string("Statement: [{Effect: Deny, NotPrincipal: ") + c.principal +
                         ", Action: 'execute-api:Invoke', Resource: '*'}]",
                     /*resource_policy=*/true);
    CHECK((gh::iam::evaluate(np, f) == Decision::kDeny) == !c.matches);
  }
}

TEST_CASE("a policy may be a JSON string, as copied from the console") {
  gh::config::Diagnostics diags;
  auto p = parse(
      R"(policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}')",
      false, diags);
  // The document above is a mapping with one key "policy"; parse the string under it.
  diags = {};
  auto node = gh::config::load_yaml_text(
      R"(policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}')",
      "p.yaml", diags);
  REQUIRE(node);
  auto parsed = gh::iam::parse_policy(node->child("policy"), false, diags);
  INFO(diags.format());
  REQUIRE(parsed);
  CHECK(gh::iam::evaluate(*parsed, alice()) == Decision::kAllow);
  (void)p;
}

TEST_CASE("policy diagnostics name the problem and where it is") {
  struct Case {
    const char* yaml;
    bool resource_policy;
    const char* message;
  };
  const Case cases[] = {
      {"Statement: [{Action: '*', Resource: '*'}]", false, "Effect"},
      {"Statement: [{Effect: Permit, Action: '*', Resource: '*'}]", false,
       "Effect is \"Allow\" or \"Deny\""},
      {"Statement: [{Effect: Allow, Action: '*', NotAction: 's3:*', Resource: '*'}]", false,
       "exactly one of Action and NotAction"},
      {"Statement: [{Effect: Allow, Action: '*'}]", false,
       "exactly one of Resource and NotResource"},
      {"Statement: [{Effect: Allow, Action: 'Invoke', Resource: '*'}]", false,
       "an action is \"service:Action\""},
      {"Statement: [{Effect: Allow, Principal: '*', Action: '*', Resource: '*'}]", false,
       "an identity policy has no Principal"},
      {"Statement: [{Effect: Allow, Action: '*', Resource: '*'}]", true,
       "exactly one of Principal and NotPrincipal"},
      {"Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: '*', "
       "Resource: '*'}]",
       true, "only AWS principals"},
      {"Statement: [{Effect: Allow, Action: '*', Resource: '*', Condition: {StringEqual: "
       "{aws:username: a}}}]",
       false, "unknown condition operator 'StringEqual'; did you mean 'StringEquals'?"},
      {"Statement: [{Effect: Allow, Action: '*', Resource: '*', Sids: x}]", false, "Sids"},
      {"Version: '2011-01-01'\nStatement: [{Effect: Allow, Action: '*', Resource: '*'}]", false,
       "Version is \"2012-10-17\""},
      {"Version: '2012-10-17'", false, "Statement"},
  };
  for (const auto& c : cases) {
    std::string yaml = c.yaml;
    CAPTURE(yaml);
    gh::config::Diagnostics diags;
    parse(c.yaml, c.resource_policy, diags);
    CHECK(diags.has_errors());
    CHECK(diags.format().find(c.message) != std::string::npos);
    CHECK(diags.format().find("policy.yaml:") != std::string::npos);
  }
}

TEST_CASE("principal fields derived from an ARN, as AWS fills $context.identity") {
  auto user = gh::iam::principal_from_arn("arn:aws:iam::123456789012:user/team/alice", "");
  REQUIRE(user);
  CHECK(user->account_id == "123456789012");
  CHECK(user->user_name == "alice");
  CHECK(user->user_id.rfind("AIDA", 0) == 0);
  CHECK(user->user_id.size() == 21);
  CHECK(user->caller == user->user_id);
  auto again = gh::iam::principal_from_arn("arn:aws:iam::123456789012:user/team/alice", "");
  CHECK(again->user_id == user->user_id);  // stable across restarts
  auto fixed = gh::iam::principal_from_arn("arn:aws:iam::123456789012:user/alice", "AIDAFIXED");
  CHECK(fixed->user_id == "AIDAFIXED");

  auto session =
      gh::iam::principal_from_arn("arn:aws:sts::123456789012:assumed-role/deployer/ci-7", "");
  REQUIRE(session);
  CHECK(session->caller.rfind("AROA", 0) == 0);
  CHECK(session->caller.substr(session->caller.size() - 5) == ":ci-7");
  CHECK(session->user_id == session->caller);
  CHECK(session->user_name.empty());

  auto root = gh::iam::principal_from_arn("arn:aws:iam::123456789012:root", "");
  REQUIRE(root);
  CHECK(root->user_id == "123456789012");

  CHECK_FALSE(gh::iam::principal_from_arn("arn:aws:iam::1234:user/alice", ""));
  CHECK_FALSE(gh::iam::principal_from_arn("arn:aws:s3:::bucket", ""));
  CHECK_FALSE(gh::iam::principal_from_arn("alice", ""));
}

TEST_CASE("the short resource form of resource policies expands to the API's ARN") {
  auto p = policy(
      "Statement: [{Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: "
      "['execute-api:/*/GET/items/*', 'arn:aws:execute-api:*:*:other/*']}]",
      /*resource_policy=*/true);
  gh::iam::expand_execute_api_resources(p, "us-east-1", "123456789012", "shop");
  CHECK(p.statements[0].resources[0] ==
        "arn:aws:execute-api:us-east-1:123456789012:shop/*/GET/items/*");
  CHECK(p.statements[0].resources[1] == "arn:aws:execute-api:*:*:other/*");
  CHECK(gh::iam::evaluate(p, alice()) == Decision::kAllow);
}
