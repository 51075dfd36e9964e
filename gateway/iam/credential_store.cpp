#include "gateway/iam/credential_store.hpp"

#include <algorithm>
#include <cctype>

#include <map>

#include "gateway/iam/role_sessions.hpp"
#include "gateway/sigv4/signing.hpp"
#include "gateway/util/crypto.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/time_format.hpp"

namespace gh::iam {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string derived_id(std::string_view prefix, std::string_view arn) {
  // 21 upper-case characters like AWS's unique ids; stable across restarts.
  std::string hex = util::hex_lower(util::sha256(arn));
  std::string id(prefix);
  for (char c : hex.substr(0, 17))
    id += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return id;
}

}  // namespace

std::optional<PrincipalInfo> principal_from_arn(std::string_view arn, std::string_view user_id) {
  // arn:partition:service::account:resource
  auto parts = split(arn, ':');
  if (parts.size() < 6 || parts[0] != "arn" || (parts[2] != "iam" && parts[2] != "sts") ||
      parts[4].size() != 12 ||
      !std::all_of(parts[4].begin(), parts[4].end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  PrincipalInfo p;
  p.arn = std::string(arn);
  p.account_id = std::string(parts[4]);
  std::size_t colon = 0;
  for (int i = 0; i < 5; ++i) colon = arn.find(':', colon) + 1;
  std::string_view resource = arn.substr(colon);
  if (parts[2] == "sts" && resource.substr(0, 13) == "assumed-role/") {
    auto segs = split(resource, '/');
    if (segs.size() < 3) return std::nullopt;
    std::string role_arn =
        "arn:" + std::string(parts[1]) + ":iam::" + p.account_id + ":role/" + std::string(segs[1]);
    p.user_id = user_id.empty() ? derived_id("AROA", role_arn) : std::string(user_id);
    // Role sessions: caller and user are "<role id>:<session name>".
    p.caller = p.user_id + ":" + std::string(segs.back());
    p.user_id = p.caller;
    return p;
  }
  if (parts[2] == "iam" && resource == "root") {
    p.user_id = user_id.empty() ? p.account_id : std::string(user_id);
    p.caller = p.user_id;
    return p;
  }
  if (parts[2] == "iam" && resource.substr(0, 5) == "user/") {
    p.user_name = std::string(resource.substr(resource.rfind('/') + 1));
    p.user_id = user_id.empty() ? derived_id("AIDA", arn) : std::string(user_id);
    p.caller = p.user_id;
    return p;
  }
  return std::nullopt;
}

namespace {

/// A `policies:` value (one document or a list) into `out`; false if one is invalid.
bool read_policies(const config::Node& policies, std::vector<Policy>& out,
                   config::Diagnostics& diags) {
  if (!policies.defined() || policies.is_null()) return true;
  bool ok = true;
  std::vector<config::Node> docs =
      policies.is_sequence() ? policies.items() : std::vector<config::Node>{policies};
  for (const auto& doc : docs) {
    if (auto p = parse_policy(doc, /*resource_policy=*/false, diags)) {
      out.push_back(std::move(*p));
    } else {
      ok = false;
    }
  }
  return ok;
}

}  // namespace

std::shared_ptr<const CredentialStore> CredentialStore::parse(const config::Node& section,
                                                              const config::Node& functions,
                                                              config::Diagnostics& diags) {
  auto store = std::make_shared<CredentialStore>();
  config::Node list;
  config::Node roles;
  if (!section.is_null()) {
    config::MapReader iam(section, diags);
    list = iam.get("credentials");
    roles = iam.get("roles");
    store->enforce_ = iam.boolean("enforce").value_or(false);
    iam.finish();
  }
  store->add_role_sessions(roles, functions, diags);
  if (list.is_null()) return store;
  if (!list.is_sequence()) {
    diags.error(list.location(), list.path(), "iam.credentials is a list of access keys");
    return store;
  }
  for (const auto& item : list.items()) {
    config::MapReader r(item, diags);
    if (!r.ok()) continue;
    auto id = r.string("accessKeyId", config::Need::kRequired);
    auto secret = r.string("secretAccessKey", config::Need::kRequired);
    auto token = r.string("sessionToken");
    auto arn = r.string("arn", config::Need::kRequired);
    auto user_id = r.string("userId");
    auto expiration = r.string("expiration");
    config::Node policies = r.get("policies");
    SigningIdentity identity;
    bool ok = id && secret && arn;
    if (id && (id->size() < 16 || id->size() > 128 ||
               !std::all_of(id->begin(), id->end(),
                            [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))) {
      diags.error(r.get("accessKeyId").location(), r.get("accessKeyId").path(),
                  "an access key id is 16 to 128 letters and digits (AWS's AccessKeyId)");
      ok = false;
    }
    if (secret && secret->empty()) {
      diags.error(r.get("secretAccessKey").location(), r.get("secretAccessKey").path(),
                  "the secret access key is empty");
      ok = false;
    }
    if (arn) {
      if (auto p = principal_from_arn(*arn, user_id.value_or(""))) {
        identity.principal = std::move(*p);
      } else {
        diags.error(r.get("arn").location(), r.get("arn").path(),
                    "arn names an IAM user (arn:aws:iam::123456789012:user/alice), a role session "
                    "(arn:aws:sts::123456789012:assumed-role/role/session) or an account root");
        ok = false;
      }
    }
    if (expiration) {
      // As STS prints it ("2026-12-31T23:59:59Z"), or X-Amz-Date's basic form.
      auto t = util::parse_iso8601(*expiration);
      if (!t) t = sigv4::parse_amz_date(*expiration);
      if (t) {
        identity.expiration = *t;
      } else {
        diags.error(r.get("expiration").location(), r.get("expiration").path(),
                    "expiration is a UTC time like 2026-12-31T23:59:59Z");
        ok = false;
      }
    }
    if (!read_policies(policies, identity.policies, diags)) ok = false;
    r.finish();
    if (!ok) continue;
    identity.credentials.access_key_id = *id;
    identity.credentials.secret_access_key = *secret;
    identity.credentials.session_token = token.value_or("");
    if (store->by_key_.count(*id)) {
      diags.error(r.get("accessKeyId").location(), r.get("accessKeyId").path(),
                  "access key id '" + *id + "' is listed twice");
      continue;
    }
    store->by_key_.emplace(*id, std::move(identity));
  }
  return store;
}

void CredentialStore::add_role_sessions(const config::Node& roles, const config::Node& functions,
                                        config::Diagnostics& diags) {
  // iam.roles: [{arn, policies}]: the execution roles functions may name.
  std::map<std::string, std::vector<Policy>, std::less<>> by_arn;
  if (roles.defined() && !roles.is_null()) {
    if (!roles.is_sequence()) {
      diags.error(roles.location(), roles.path(), "iam.roles is a list of roles (arn, policies)");
    } else {
      for (const auto& item : roles.items()) {
        config::MapReader r(item, diags);
        if (!r.ok()) continue;
        auto arn = r.string("arn", config::Need::kRequired);
        std::vector<Policy> policies;
        bool ok = read_policies(r.get("policies"), policies, diags);
        if (arn && assumed_role_arn(*arn, "x").empty()) {
          diags.error(r.get("arn").location(), r.get("arn").path(),
                      "a role's arn is arn:aws:iam::123456789012:role/name");
          ok = false;
        }
        r.finish();
        if (ok && arn) by_arn[*arn] = std::move(policies);
      }
    }
  }
  // functions.<name>.role: the function signs as arn:aws:sts::…:assumed-role/<role>/<name>.
  if (!functions.is_map()) return;
  for (const auto& [key, fn] : functions.entries()) {
    const std::string name = key.scalar();
    config::Node role = fn.child("role");
    if (!role.defined() || !role.is_scalar()) continue;  // the Lambda plugin reports bad values
    std::string arn = role.scalar();
    auto it = by_arn.find(arn);
    if (it == by_arn.end()) {
      diags.error(role.location(), role.path(),
                  "no iam.roles entry has the arn '" + arn + "' (list the role with its policies)");
      continue;
    }
    SigningIdentity identity;
    identity.credentials = role_session_credentials(arn, name);
    auto principal = principal_from_arn(assumed_role_arn(arn, name), "");
    if (!principal) continue;
    identity.principal = std::move(*principal);
    identity.policies = it->second;
    std::string access_key = identity.credentials.access_key_id;
    by_key_.emplace(std::move(access_key), std::move(identity));
  }
}

const SigningIdentity* CredentialStore::find(std::string_view access_key_id) const {
  auto it = by_key_.find(access_key_id);
  return it == by_key_.end() ? nullptr : &it->second;
}

}  // namespace gh::iam
