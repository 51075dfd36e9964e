// IAM policy parsing and evaluation. Semantics from the IAM User Guide: "Policy evaluation
// logic" (explicit deny wins, then any allow, else implicit deny), "IAM JSON policy elements:
// Condition operators" (IfExists; negated operators are true when the key is absent; Null),
// "Single-valued vs. multivalued context keys" (ForAllValues is true for an absent key), and
// "Principal" (an account id or account root ARN names every principal of that account; a role
// ARN names the sessions of that role). Condition key names are case-insensitive; values and
// ARNs are case-sensitive except in the *IgnoreCase operators; actions are case-insensitive.
#include "gateway/iam/policy.hpp"

#include "gateway/util/ascii.hpp"
#include "gateway/util/time_format.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace gh::iam {

namespace {

using util::iequals_ascii;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// --- condition operators ---------------------------------------------------------------------

enum class OpKind {
  kString,
  kStringIgnoreCase,
  kStringLike,
  kNumeric,
  kDate,
  kBool,
  kIp,
  kArn,
  kNull
};
enum class Cmp { kEq, kLt, kLe, kGt, kGe };

struct OpInfo {
  std::string_view name;
  OpKind kind;
  Cmp cmp;
  bool negated;
};

constexpr std::array kOperators = {
    OpInfo{"StringEquals", OpKind::kString, Cmp::kEq, false},
    OpInfo{"StringNotEquals", OpKind::kString, Cmp::kEq, true},
    OpInfo{"StringEqualsIgnoreCase", OpKind::kStringIgnoreCase, Cmp::kEq, false},
    OpInfo{"StringNotEqualsIgnoreCase", OpKind::kStringIgnoreCase, Cmp::kEq, true},
    OpInfo{"StringLike", OpKind::kStringLike, Cmp::kEq, false},
    OpInfo{"StringNotLike", OpKind::kStringLike, Cmp::kEq, true},
    OpInfo{"NumericEquals", OpKind::kNumeric, Cmp::kEq, false},
    OpInfo{"NumericNotEquals", OpKind::kNumeric, Cmp::kEq, true},
    OpInfo{"NumericLessThan", OpKind::kNumeric, Cmp::kLt, false},
    OpInfo{"NumericLessThanEquals", OpKind::kNumeric, Cmp::kLe, false},
    OpInfo{"NumericGreaterThan", OpKind::kNumeric, Cmp::kGt, false},
    OpInfo{"NumericGreaterThanEquals", OpKind::kNumeric, Cmp::kGe, false},
    OpInfo{"DateEquals", OpKind::kDate, Cmp::kEq, false},
    OpInfo{"DateNotEquals", OpKind::kDate, Cmp::kEq, true},
    OpInfo{"DateLessThan", OpKind::kDate, Cmp::kLt, false},
    OpInfo{"DateLessThanEquals", OpKind::kDate, Cmp::kLe, false},
    OpInfo{"DateGreaterThan", OpKind::kDate, Cmp::kGt, false},
    OpInfo{"DateGreaterThanEquals", OpKind::kDate, Cmp::kGe, false},
    OpInfo{"Bool", OpKind::kBool, Cmp::kEq, false},
    OpInfo{"IpAddress", OpKind::kIp, Cmp::kEq, false},
    OpInfo{"NotIpAddress", OpKind::kIp, Cmp::kEq, true},
    OpInfo{"ArnEquals", OpKind::kArn, Cmp::kEq, false},
    OpInfo{"ArnLike", OpKind::kArn, Cmp::kEq, false},
    OpInfo{"ArnNotEquals", OpKind::kArn, Cmp::kEq, true},
    OpInfo{"ArnNotLike", OpKind::kArn, Cmp::kEq, true},
    OpInfo{"Null", OpKind::kNull, Cmp::kEq, false},
};

const OpInfo* find_operator(std::string_view name) {
  for (const auto& op : kOperators) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

/// Seconds since the epoch from ISO 8601 (util::parse_iso8601) or a plain epoch number, as
/// IAM's date operators accept both.
std::optional<double> parse_date(std::string_view s) {
  if (auto t = util::parse_iso8601(s)) {
    return std::chrono::duration<double>(t->time_since_epoch()).count();
  }
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
      })) {
    return std::strtod(std::string(s).c_str(), nullptr);
  }
  return std::nullopt;
}

std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string text(s);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

bool compare(double a, double b, Cmp cmp) {
  switch (cmp) {
    case Cmp::kEq:
      return a == b;
    case Cmp::kLt:
      return a < b;
    case Cmp::kLe:
      return a <= b;
    case Cmp::kGt:
      return a > b;
    case Cmp::kGe:
      return a >= b;
  }
  return false;
}

/// `ip` inside `cidr` ("10.0.0.0/8", "2001:db8::/32", or a bare address). An IPv4-mapped IPv6
/// source address is compared as IPv4.
bool ip_in(std::string_view ip_text, std::string_view cidr) {
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(std::string(ip_text), ec);
  if (ec) return false;
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
    ip = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6());
  }
  std::string_view net_text = cidr;
  int bits = -1;
  if (auto slash = cidr.find('/'); slash != std::string_view::npos) {
    net_text = cidr.substr(0, slash);
    auto b = parse_number(cidr.substr(slash + 1));
    if (!b) return false;
    bits = static_cast<int>(*b);
  }
  auto net = boost::asio::ip::make_address(std::string(net_text), ec);
  if (ec || net.is_v4() != ip.is_v4()) return false;
  std::vector<unsigned char> a, n;
  if (ip.is_v4()) {
    auto x = ip.to_v4().to_bytes();
    auto y = net.to_v4().to_bytes();
    a.assign(x.begin(), x.end());
    n.assign(y.begin(), y.end());
  } else {
    auto x = ip.to_v6().to_bytes();
    auto y = net.to_v6().to_bytes();
    a.assign(x.begin(), x.end());
    n.assign(y.begin(), y.end());
  }
  int total = static_cast<int>(a.size()) * 8;
  if (bits < 0) bits = total;
  if (bits > total) return false;
  for (int i = 0; i < bits; ++i) {
    int byte = i / 8;
    int mask = 0x80 >> (i % 8);
    if ((a[byte] & mask) != (n[byte] & mask)) return false;
  }
  return true;
}

/// The value of a condition key in this request, or nullopt when the request has none.
std::optional<std::string> context_value(std::string_view key, const RequestFacts& f) {
  auto opt = [](std::string_view v) -> std::optional<std::string> {
    if (v.empty()) return std::nullopt;
    return std::string(v);
  };
  if (iequals_ascii(key, "aws:SourceIp")) return opt(f.source_ip);
  if (iequals_ascii(key, "aws:PrincipalArn")) return opt(f.principal_arn);
  if (iequals_ascii(key, "aws:PrincipalAccount")) return opt(f.principal_account);
  if (iequals_ascii(key, "aws:userid")) return opt(f.user_id);
  if (iequals_ascii(key, "aws:username")) return opt(f.user_name);
  if (iequals_ascii(key, "aws:UserAgent")) return opt(f.user_agent);
  if (iequals_ascii(key, "aws:SecureTransport"))
    return std::string(f.secure_transport ? "true" : "false");
  if (iequals_ascii(key, "aws:CurrentTime")) return util::iso8601_millis(f.now);
  if (iequals_ascii(key, "aws:EpochTime")) {
    return std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(f.now.time_since_epoch()).count());
  }
  if (iequals_ascii(key, "aws:PrincipalType")) {
    if (f.principal_arn.empty()) return std::string("Anonymous");
    if (f.principal_arn.find(":assumed-role/") != std::string_view::npos) {
      return std::string("AssumedRole");
    }
    if (f.principal_arn.size() >= 5 &&
        f.principal_arn.substr(f.principal_arn.size() - 5) == ":root") {
      return std::string("Account");
    }
    return std::string("User");
  }
  return std::nullopt;
}

bool value_matches(const OpInfo& op, Cmp cmp, const std::string& actual, const std::string& want) {
  switch (op.kind) {
    case OpKind::kString:
      return actual == want;
    case OpKind::kStringIgnoreCase:
      return iequals_ascii(actual, want);
    case OpKind::kStringLike:
    case OpKind::kArn:
      return glob_match(want, actual);
    case OpKind::kNumeric: {
      auto a = parse_number(actual);
      auto b = parse_number(want);
      return a && b && compare(*a, *b, cmp);
    }
    case OpKind::kDate: {
      auto a = parse_date(actual);
      auto b = parse_date(want);
      return a && b && compare(*a, *b, cmp);
    }
    case OpKind::kBool:
      return iequals_ascii(actual, want);
    case OpKind::kIp:
      return ip_in(actual, want);
    case OpKind::kNull:
      return false;  // handled by the caller
  }
  return false;
}

bool condition_holds(const Condition& c, const RequestFacts& facts) {
  const OpInfo* op = find_operator(c.op);
  if (!op) return false;  // rejected at parse time
  std::optional<std::string> actual = context_value(c.key, facts);
  if (op->kind == OpKind::kNull) {
    // "Null": {"key": "true"} holds when the key is absent; "false" when present.
    for (const auto& v : c.values) {
      if (iequals_ascii(v, "true") == !actual.has_value()) return true;
    }
    return false;
  }
  if (!actual) {
    // Absent key: IfExists and negated operators hold; ForAllValues holds vacuously.
    return c.if_exists || op->negated || c.for_all_values;
  }
  bool any = std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) {
    return value_matches(*op, op->cmp, *actual, v);
  });
  return op->negated ? !any : any;
}

// --- statements -----------------------------------------------------------------------------

bool principal_matches(const Principal& p, const RequestFacts& f) {
  if (p.any) return true;
  if (f.principal_arn.empty()) return false;  // anonymous: only "*" names it
  for (const auto& entry : p.aws) {
    if (entry == f.principal_arn) return true;
    // "123456789012" and "arn:aws:iam::123456789012:root" name the whole account.
    if (entry == f.principal_account) return true;
    if (starts_with(entry, "arn:") && entry.size() > 5 &&
        entry.substr(entry.size() - 5) == ":root") {
      auto parts_end = entry.rfind(':', entry.size() - 6);
      if (parts_end != std::string::npos &&
          std::string_view(entry).substr(parts_end + 1, entry.size() - 6 - parts_end) ==
              f.principal_account) {
        return true;
      }
    }
    // A role ARN names its sessions: arn:aws:sts::ACCT:assumed-role/NAME/SESSION.
    auto ar = f.principal_arn.find(":assumed-role/");
    auto role = entry.find(":role/");
    if (ar != std::string_view::npos && role != std::string::npos) {
      std::string_view rest = f.principal_arn.substr(ar + 14);
      std::string_view role_name = rest.substr(0, rest.find('/'));
      std::string_view entry_role = std::string_view(entry).substr(entry.rfind('/') + 1);
      std::string_view entry_acct = std::string_view(entry).substr(0, role);
      entry_acct = entry_acct.substr(entry_acct.rfind(':') + 1);
      if (role_name == entry_role && entry_acct == f.principal_account) return true;
    }
  }
  return false;
}

bool statement_matches(const Statement& s, const RequestFacts& f) {
  bool action = std::any_of(s.actions.begin(), s.actions.end(), [&](const std::string& a) {
    return glob_match(a, f.action, /*ignore_case=*/true);
  });
  if (action == s.not_action) return false;
  bool resource = std::any_of(s.resources.begin(), s.resources.end(),
                              [&](const std::string& r) { return glob_match(r, f.resource); });
  if (resource == s.not_resource) return false;
  if (s.principal && principal_matches(*s.principal, f) == s.not_principal) return false;
  return std::all_of(s.conditions.begin(), s.conditions.end(),
                     [&](const Condition& c) { return condition_holds(c, f); });
}

// --- parsing --------------------------------------------------------------------------------

std::vector<std::string> string_or_list(const config::Node& node, config::Diagnostics& diags) {
  std::vector<std::string> out;
  if (node.is_sequence()) {
    for (const auto& item : node.items()) {
      if (auto v = config::read_string(item, diags)) out.push_back(*v);
    }
  } else if (auto v = config::read_string(node, diags)) {
    out.push_back(*v);
  }
  return out;
}

std::optional<Principal> parse_principal(const config::Node& node, config::Diagnostics& diags) {
  Principal p;
  if (node.is_scalar()) {
    if (node.scalar() != "*") {
      diags.error(
          node.location(), node.path(),
          "a Principal is \"*\" or a mapping such as {AWS: \"arn:aws:iam::123456789012:root\"}");
      return std::nullopt;
    }
    p.any = true;
    return p;
  }
  if (!node.is_map()) {
    diags.error(node.location(), node.path(),
                "a Principal is \"*\" or a mapping, not " + node.kind_name());
    return std::nullopt;
  }
  for (const auto& [key, value] : node.entries()) {
    std::string k = key.scalar();
    if (k != "AWS") {
      // Service and federated principals never sign execute-api requests locally.
      diags.error(key.location(), value.path(),
                  "only AWS principals can call an API here (got '" + k + "')");
      continue;
    }
    for (auto& v : string_or_list(value, diags)) {
      if (v == "*") {
        p.any = true;
      } else if (!(v.size() == 12 && std::all_of(v.begin(), v.end(), ::isdigit)) &&
                 !starts_with(v, "arn:")) {
        diags.error(value.location(), value.path(),
                    "an AWS principal is an account id (12 digits) or an ARN, not '" + v + "'");
      } else {
        p.aws.push_back(std::move(v));
      }
    }
  }
  return p;
}

void parse_conditions(const config::Node& node, Statement& st, config::Diagnostics& diags) {
  if (!node.is_map()) {
    diags.error(node.location(), node.path(), "Condition must be a mapping of operators");
    return;
  }
  std::vector<std::string> names;
  for (const auto& op : kOperators) names.emplace_back(op.name);
  for (const auto& [op_key, block] : node.entries()) {
    // YAML reads a plain `Null` key as null, not as the string: that key can only be the Null
    // operator (JSON keys are strings).
    std::string full = op_key.is_null() && op_key.defined() ? "Null" : op_key.scalar();
    Condition proto;
    std::string_view name = full;
    if (starts_with(name, "ForAllValues:")) {
      proto.for_all_values = true;
      name.remove_prefix(13);
    } else if (starts_with(name, "ForAnyValue:")) {
      name.remove_prefix(12);
    }
    if (name.size() > 8 && name.substr(name.size() - 8) == "IfExists") {
      proto.if_exists = true;
      name.remove_suffix(8);
    }
    if (!find_operator(name)) {
      std::string msg = "unknown condition operator '" + full + "'";
      if (auto s = config::did_you_mean(name, names)) msg += "; did you mean '" + *s + "'?";
      diags.error(op_key.location(), block.path(), msg);
      continue;
    }
    proto.op = std::string(name);
    if (!block.is_map()) {
      diags.error(block.location(), block.path(), "a condition maps keys to values");
      continue;
    }
    for (const auto& [key, values] : block.entries()) {
      Condition c = proto;
      c.key = key.scalar();
      c.values = string_or_list(values, diags);
      st.conditions.push_back(std::move(c));
    }
  }
}

std::optional<Statement> parse_statement(const config::Node& node, bool resource_policy,
                                         config::Diagnostics& diags) {
  if (!node.is_map()) {
    diags.error(node.location(), node.path(), "a Statement is a mapping, not " + node.kind_name());
    return std::nullopt;
  }
  config::MapReader r(node, diags);
  Statement st;
  bool ok = true;
  if (auto sid = r.string("Sid")) st.sid = *sid;
  auto effect = r.string("Effect", config::Need::kRequired);
  if (!effect) {
    ok = false;
  } else if (*effect == "Allow" || *effect == "Deny") {
    st.allow = *effect == "Allow";
  } else {
    diags.error(r.get("Effect").location(), r.get("Effect").path(),
                "Effect is \"Allow\" or \"Deny\", not \"" + *effect + "\"");
    ok = false;
  }
  auto pick = [&](std::string_view positive, std::string_view negative, bool& negated,
                  std::vector<std::string>& into) {
    bool has_pos = r.has(positive), has_neg = r.has(negative);
    if (has_pos == has_neg) {
      diags.error(node.location(), node.path(),
                  "a Statement needs exactly one of " + std::string(positive) + " and " +
                      std::string(negative));
      ok = false;
      r.allow(positive);
      r.allow(negative);
      return;
    }
    negated = has_neg;
    into = string_or_list(r.get(has_neg ? negative : positive), diags);
  };
  pick("Action", "NotAction", st.not_action, st.actions);
  pick("Resource", "NotResource", st.not_resource, st.resources);
  for (const auto& a : st.actions) {
    if (a != "*" && a.find(':') == std::string::npos) {
      diags.error(r.get(st.not_action ? "NotAction" : "Action").location(),
                  r.get(st.not_action ? "NotAction" : "Action").path(),
                  "an action is \"service:Action\" (e.g. execute-api:Invoke), not \"" + a + "\"");
      ok = false;
    }
  }
  bool has_p = r.has("Principal"), has_np = r.has("NotPrincipal");
  if (resource_policy) {
    if (has_p == has_np) {
      diags.error(node.location(), node.path(),
                  "a resource policy Statement needs exactly one of Principal and NotPrincipal");
      ok = false;
    } else {
      st.not_principal = has_np;
      st.principal = parse_principal(r.get(has_np ? "NotPrincipal" : "Principal"), diags);
      if (!st.principal) ok = false;
    }
  } else if (has_p || has_np) {
    config::Node p = r.get(has_p ? "Principal" : "NotPrincipal");
    diags.error(p.location(), p.path(),
                "an identity policy has no Principal (the credentials it is attached to are the "
                "principal)");
    ok = false;
  }
  if (r.has("Condition")) parse_conditions(r.get("Condition"), st, diags);
  r.finish();
  if (!ok) return std::nullopt;
  return st;
}

}  // namespace

namespace {

/// Whether `text` starts with `segment`, a piece of a pattern without '*' ('?' matches any
/// one character).
bool segment_matches_at(std::string_view segment, std::string_view text, bool ignore_case) {
  if (text.size() < segment.size()) return false;
  // Policies mostly spell a piece as the request does ("execute-api:Invoke", "arn:aws:…"):
  // one memcmp then, and the character loop ('?', case) only when the bytes differ.
  if (segment.empty() || std::memcmp(segment.data(), text.data(), segment.size()) == 0) {
    return true;
  }
  for (std::size_t i = 0; i < segment.size(); ++i) {
    char p = segment[i], t = text[i];
    if (p == '?' || p == t) continue;
    if (!ignore_case || util::ascii_lower(p) != util::ascii_lower(t)) return false;
  }
  return true;
}

/// The first position at which `segment` matches in `text`, or npos.
std::size_t find_segment(std::string_view segment, std::string_view text, bool ignore_case) {
  if (!ignore_case && segment.find('?') == std::string_view::npos) return text.find(segment);
  if (segment.size() > text.size()) return std::string_view::npos;
  for (std::size_t at = 0; at + segment.size() <= text.size(); ++at) {
    if (segment_matches_at(segment, text.substr(at), ignore_case)) return at;
  }
  return std::string_view::npos;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  // The pattern is its '*'-separated segments: the first must match at the start, the last at
  // the end, and each one between at its leftmost place after the one before (taking the
  // leftmost place never loses a match, as every segment has a fixed length). Linear in
  // practice, no recursion, and a policy's literal pieces are found with memchr/memcmp.
  std::size_t star = pattern.find('*');
  if (star == std::string_view::npos) {
    return pattern.size() == text.size() && segment_matches_at(pattern, text, ignore_case);
  }
  std::string_view head = pattern.substr(0, star);
  if (!segment_matches_at(head, text, ignore_case)) return false;
  text.remove_prefix(head.size());
  std::size_t last_star = pattern.rfind('*');
  std::string_view tail = pattern.substr(last_star + 1);
  if (text.size() < tail.size() ||
      !segment_matches_at(tail, text.substr(text.size() - tail.size()), ignore_case)) {
    return false;
  }
  text.remove_suffix(tail.size());
  // The segments between the first and the last '*', leftmost first, within what is left.
  std::string_view middle = pattern.substr(star + 1, last_star - star - (last_star > star));
  while (!middle.empty()) {
    std::size_t next = middle.find('*');
    std::string_view segment = middle.substr(0, next);
    if (!segment.empty()) {
      std::size_t at = find_segment(segment, text, ignore_case);
      if (at == std::string_view::npos) return false;
      text.remove_prefix(at + segment.size());
    }
    if (next == std::string_view::npos) break;
    middle.remove_prefix(next + 1);
  }
  return true;
}

std::optional<Policy> parse_policy(const config::Node& given, bool resource_policy,
                                   config::Diagnostics& diags) {
  config::Node node = given;
  std::optional<config::Node> parsed;
  if (given.is_scalar()) {
    // A JSON document in a string (as copied from the console or a CloudFormation template).
    config::Diagnostics local;
    parsed = config::load_yaml_text(given.scalar(), given.file(), local);
    if (!parsed || !parsed->is_map()) {
      diags.error(given.location(), given.path(), "the policy string is not a JSON document");
      return std::nullopt;
    }
    node = config::Node(parsed->yaml(), given.path(),
                        std::make_shared<const std::string>(given.file()));
  }
  if (!node.is_map()) {
    diags.error(node.location(), node.path(),
                "a policy is a mapping with Version and Statement, not " + node.kind_name());
    return std::nullopt;
  }
  config::MapReader r(node, diags);
  if (auto version = r.string("Version")) {
    if (*version != "2012-10-17" && *version != "2008-10-17") {
      diags.error(r.get("Version").location(), r.get("Version").path(),
                  "Version is \"2012-10-17\" (or the older \"2008-10-17\")");
    }
  }
  r.string("Id");
  config::Node statements = r.require("Statement");
  r.finish();
  Policy policy;
  bool ok = statements.defined();
  std::vector<config::Node> items =
      statements.is_sequence() ? statements.items() : std::vector<config::Node>{statements};
  if (!statements.defined()) items.clear();
  for (const auto& item : items) {
    if (auto st = parse_statement(item, resource_policy, diags)) {
      policy.statements.push_back(std::move(*st));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return policy;
}

void expand_execute_api_resources(Policy& policy, std::string_view region,
                                  std::string_view account_id, std::string_view api_id) {
  constexpr std::string_view kShort = "execute-api:/";
  for (auto& st : policy.statements) {
    for (auto& r : st.resources) {
      if (r.rfind(kShort, 0) != 0) continue;
      r = "arn:aws:execute-api:" + std::string(region) + ":" + std::string(account_id) + ":" +
          std::string(api_id) + r.substr(kShort.size() - 1);
    }
  }
}

Decision evaluate(const Policy& policy, const RequestFacts& facts) {
  Decision decision = Decision::kNotApplicable;
  for (const auto& st : policy.statements) {
    if (!statement_matches(st, facts)) continue;
    if (!st.allow) return Decision::kDeny;
    decision = Decision::kAllow;
  }
  return decision;
}

Decision evaluate(const std::vector<Policy>& policies, const RequestFacts& facts) {
  Decision decision = Decision::kNotApplicable;
  for (const auto& p : policies) {
    Decision d = evaluate(p, facts);
    if (d == Decision::kDeny) return d;
    if (d == Decision::kAllow) decision = d;
  }
  return decision;
}

}  // namespace gh::iam
