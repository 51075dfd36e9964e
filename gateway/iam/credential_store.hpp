#pragma once
/// The principals that may sign requests: the `iam.credentials` list of the config. Each entry
/// is an access key (id, secret, optional session token and expiration) with the principal it
/// belongs to (ARN, account, user id) and the identity policies attached to it. Shared by every
/// SigV4 verifier (API routes now; the services endpoint's DynamoDB/S3 APIs later).
///
/// Built while a config is compiled (one thread); immutable afterwards and read from any thread.
/// Secrets never leave this object except into the verifier's HMAC.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/iam/policy.hpp"
#include "gateway/sigv4/signing.hpp"

namespace gh::iam {

struct PrincipalInfo {
  std::string arn;         // arn:aws:iam::123456789012:user/alice, …:assumed-role/r/session
  std::string account_id;  // from the ARN
  /// IAM's unique id: `$context.identity.user`; `caller` is the same for users and
  /// "AROA…:session" for role sessions (as AWS fills them).
  std::string user_id;
  std::string caller;
  std::string user_name;  // aws:username, IAM users only
};

struct SigningIdentity {
  sigv4::Credentials credentials;
  std::optional<std::chrono::system_clock::time_point> expiration;  // temporary credentials
  PrincipalInfo principal;
  std::vector<Policy> policies;  // identity policies
};

class CredentialStore {
 public:
  /// Parses `iam:` (`credentials: [...]`, `roles: [...]`, `enforce`). Absent or null: an empty
  /// store. `functions` is the config's `functions:` section: a function with a `role:` (one of
  /// `iam.roles`) signs as its role session (role_sessions.hpp) with the role's policies.
  static std::shared_ptr<const CredentialStore> parse(const config::Node& iam_section,
                                                      const config::Node& functions,
                                                      config::Diagnostics& diags);

  const SigningIdentity* find(std::string_view access_key_id) const;
  bool empty() const noexcept { return by_key_.empty(); }
  std::size_t size() const noexcept { return by_key_.size(); }
  /// `iam.enforce`: the AWS service APIs (@connections) require SigV4 and an allowing policy.
  bool enforce() const noexcept { return enforce_; }

 private:
  void add_role_sessions(const config::Node& roles, const config::Node& functions,
                         config::Diagnostics& diags);

  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  // Transparent lookup: a request's access key id is found without copying it.
  std::unordered_map<std::string, SigningIdentity, KeyHash, std::equal_to<>> by_key_;
  bool enforce_ = false;
};

/// The principal fields AWS derives from an ARN; `user_id` when configured, else a stable id
/// made from the ARN ("AIDA…" for users, "AROA…" for roles).
std::optional<PrincipalInfo> principal_from_arn(std::string_view arn, std::string_view user_id);

}  // namespace gh::iam
