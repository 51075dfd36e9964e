// Lambda execution roles (iam/role_sessions.hpp) and their place in the credential store: the
// keys a function is given are the keys the store accepts, as the role's session.
#include <doctest/doctest.h>

#include <string>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/iam/credential_store.hpp"
#include "gateway/iam/role_sessions.hpp"

namespace {

constexpr const char* kRole = "arn:aws:iam::123456789012:role/service/chat-handler";

std::shared_ptr<const gh::iam::CredentialStore> store_of(const std::string& yaml,
                                                         gh::config::Diagnostics& diags) {
  auto root = gh::config::load_yaml_text(yaml, "iam.yaml", diags);
  REQUIRE(root);
  return gh::iam::CredentialStore::parse(root->child("iam"), root->child("functions"), diags);
}

}  // namespace

TEST_CASE("role session credentials look like STS's and are stable within a process") {
  auto a = gh::iam::role_session_credentials(kRole, "chat");
  CHECK(a.access_key_id.rfind("ASIA", 0) == 0);
  CHECK(a.access_key_id.size() == 20);
  CHECK(a.secret_access_key.size() == 40);
  CHECK_FALSE(a.session_token.empty());
  auto again = gh::iam::role_session_credentials(kRole, "chat");
  CHECK(again.access_key_id == a.access_key_id);
  CHECK(again.secret_access_key == a.secret_access_key);
  CHECK(again.session_token == a.session_token);
  auto other = gh::iam::role_session_credentials(kRole, "other");
  CHECK(other.access_key_id != a.access_key_id);
  CHECK(other.secret_access_key != a.secret_access_key);
}

TEST_CASE("assumed-role ARNs as STS writes them") {
  CHECK(gh::iam::assumed_role_arn(kRole, "chat") ==
        "arn:aws:sts::123456789012:assumed-role/chat-handler/chat");
  CHECK(gh::iam::assumed_role_arn("arn:aws:iam::123456789012:role/r", "f") ==
        "arn:aws:sts::123456789012:assumed-role/r/f");
  CHECK(gh::iam::assumed_role_arn("arn:aws:iam::123456789012:user/alice", "f").empty());
  CHECK(gh::iam::assumed_role_arn("arn:aws:iam::1234:role/r", "f").empty());
  CHECK(gh::iam::assumed_role_arn("arn:aws:iam::123456789012:role/", "f").empty());
  CHECK(gh::iam::assumed_role_arn("role/r", "f").empty());
}

TEST_CASE("a function with a role signs as the role's session, with the role's policies") {
  gh::config::Diagnostics diags;
  auto store = store_of(std::string(R"(
iam:
  enforce: true
  roles:
    - arn: ")") + kRole + R"("
      policies: [{Version: "2012-10-17", Statement: [{Effect: Allow, Action: "execute-api:*", Resource: "*"}]}]
functions:
  chat: {runtime: nodejs, handler: index.handler, role: ")" +
                            kRole + R"("}
  plain: {runtime: nodejs, handler: index.handler}
)",
                        diags);
  INFO(diags.format());
  CHECK_FALSE(diags.has_errors());
  CHECK(store->enforce());
  auto keys = gh::iam::role_session_credentials(kRole, "chat");
  const gh::iam::SigningIdentity* id = store->find(keys.access_key_id);
  REQUIRE(id);
  CHECK(id->credentials.secret_access_key == keys.secret_access_key);
  CHECK(id->credentials.session_token == keys.session_token);
  CHECK(id->principal.arn == "arn:aws:sts::123456789012:assumed-role/chat-handler/chat");
  CHECK(id->principal.caller.rfind("AROA", 0) == 0);
  CHECK(id->principal.caller.substr(id->principal.caller.size() - 5) == ":chat");
  CHECK(id->policies.size() == 1);
  CHECK(store->size() == 1);  // the function without a role adds no signer
}

TEST_CASE("roles that are not listed or not roles are reported") {
  gh::config::Diagnostics diags;
  auto store = store_of(R"(
iam:
  roles:
    - {arn: "arn:aws:iam::123456789012:user/alice"}
functions:
  chat: {runtime: nodejs, handler: index.handler, role: "arn:aws:iam::123456789012:role/missing"}
)",
                        diags);
  CHECK(diags.has_errors());
  CHECK(diags.format().find("iam.roles[0].arn: a role's arn is") != std::string::npos);
  CHECK(diags.format().find("functions.chat.role: no iam.roles entry has the arn "
                            "'arn:aws:iam::123456789012:role/missing'") != std::string::npos);
  CHECK_FALSE(store->enforce());
}
