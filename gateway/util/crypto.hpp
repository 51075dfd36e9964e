#pragma once
/// Hashes, MACs and comparisons for signatures (OpenSSL underneath). Pure functions, any
/// thread, never block. The *_into forms allocate nothing (the SigV4 verifier's hot path).

#include <cstddef>
#include <string>
#include <string_view>

namespace gh::util {

inline constexpr std::size_t kSha256Bytes = 32;

/// SHA-256 of `data` into out[32].
void sha256_into(std::string_view data, unsigned char* out);
/// SHA-256 of `data` as 64 lower-case hex digits into out[64].
void sha256_hex_into(std::string_view data, char* out);
/// HMAC-SHA256(key, data) into out[32].
void hmac_sha256_into(std::string_view key, std::string_view data, unsigned char* out);
/// HMAC-SHA256 under one key, prepared once (the key's inner and outer pads hashed ahead):
/// each MAC then hashes two blocks fewer. A plain value; any thread may use a const one.
class HmacSha256Key {
 public:
  HmacSha256Key();  // the empty key
  explicit HmacSha256Key(std::string_view key);
  /// HMAC-SHA256(key, data) into out[32].
  void mac(std::string_view data, unsigned char* out) const;

 private:
  // Two SHA256_CTX (static_assert'ed to fit), kept opaque so OpenSSL stays out of this header.
  alignas(8) unsigned char inner_[128];
  alignas(8) unsigned char outer_[128];
};

/// `bytes` as lower-case hex into out[2 * bytes.size()].
void hex_lower_into(std::string_view bytes, char* out);

/// SHA-256 of `data`: 32 raw bytes.
std::string sha256(std::string_view data);
/// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);
/// SHA-256 of data that arrives in pieces (a streamed request body).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::string_view data);
  /// 64 lower-case hex digits; call once, after the last update.
  std::string finish_hex();

 private:
  void* ctx_;  // SHA256_CTX
};

/// HMAC-SHA256(key, data): 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// Equality whose time depends only on the lengths, not on where the bytes differ (for
/// signatures and secrets).
bool constant_time_equals(std::string_view a, std::string_view b) noexcept;

}  // namespace gh::util
