#pragma once
/// Temporary credentials for Lambda execution roles. On AWS a function runs with its role's
/// session credentials (AWS_ACCESS_KEY_ID "ASIA…", AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and
/// its calls to AWS are signed with them, as the principal
/// arn:aws:sts::{account}:assumed-role/{role name}/{function name}.
///
/// Gatehouse mints them the same way for functions with a `role:`: derived with HMAC-SHA256 from
/// a key drawn at process start (OpenSSL's RAND_bytes), so the Lambda plugin (which puts them in
/// the function's environment) and the credential store (which accepts them) compute the same
/// values without sharing state, they stay the same across reloads, and no two gateway runs share
/// a secret. Thread-safe.

#include <string>
#include <string_view>

#include "gateway/sigv4/signing.hpp"

namespace gh::iam {

/// The session credentials of `role_arn` assumed with session name `session` (the function's
/// name): access key "ASIA" + 16 characters, a 40-character secret, a session token.
sigv4::Credentials role_session_credentials(std::string_view role_arn, std::string_view session);

/// arn:aws:sts::{account}:assumed-role/{role name}/{session}, or "" if role_arn is not
/// arn:{partition}:iam::{12 digits}:role/[path/]name.
std::string assumed_role_arn(std::string_view role_arn, std::string_view session);

}  // namespace gh::iam
