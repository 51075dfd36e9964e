#include "gateway/iam/role_sessions.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "gateway/util/crypto.hpp"
#include "gateway/util/encoding.hpp"

namespace gh::iam {

namespace {

const std::string& process_key() {
  static const std::string key = [] {
    std::array<unsigned char, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      throw std::runtime_error("RAND_bytes failed: no key for role session credentials");
    }
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }();
  return key;
}

/// `n` characters from `alphabet`, derived from HMAC(process key, label + role + session).
std::string derive(std::string_view label, std::string_view role_arn, std::string_view session,
                   std::size_t n, std::string_view alphabet) {
  std::string out;
  std::string input =
      std::string(label) + '\n' + std::string(role_arn) + '\n' + std::string(session) + '\n';
  for (int block = 0; out.size() < n; ++block) {
    std::string mac = util::hmac_sha256(process_key(), input + std::to_string(block));
    for (unsigned char c : mac) {
      if (out.size() == n) break;
      out += alphabet[c % alphabet.size()];
    }
  }
  return out;
}

}  // namespace

sigv4::Credentials role_session_credentials(std::string_view role_arn, std::string_view session) {
  constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  constexpr std::string_view kSecret =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  sigv4::Credentials c;
  c.access_key_id = "ASIA" + derive("id", role_arn, session, 16, kUpper);
  c.secret_access_key = derive("secret", role_arn, session, 40, kSecret);
  c.session_token = util::base64_encode(derive("token", role_arn, session, 96, kSecret));
  return c;
}

std::string assumed_role_arn(std::string_view role_arn, std::string_view session) {
  // arn:{partition}:iam::{account}:role/[path/]name
  if (role_arn.substr(0, 4) != "arn:") return "";
  std::size_t p1 = role_arn.find(':', 4);
  if (p1 == std::string_view::npos) return "";
  std::string_view partition = role_arn.substr(4, p1 - 4);
  std::string_view rest = role_arn.substr(p1 + 1);
  if (rest.substr(0, 5) != "iam::") return "";
  rest.remove_prefix(5);
  std::size_t colon = rest.find(':');
  if (colon != 12) return "";
  std::string_view account = rest.substr(0, 12);
  if (!std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "";
  }
  std::string_view resource = rest.substr(13);
  if (resource.substr(0, 5) != "role/" || resource.size() == 5 || resource.back() == '/') {
    return "";
  }
  std::string_view name = resource.substr(resource.rfind('/') + 1);
  return "arn:" + std::string(partition) + ":sts::" + std::string(account) + ":assumed-role/" +
         std::string(name) + "/" + std::string(session);
}

}  // namespace gh::iam
