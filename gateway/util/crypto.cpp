#include "gateway/util/crypto.hpp"

// SHA256_Init & co. are deprecated in OpenSSL 3; see Sha256 below for why they are used.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <new>

#include "gateway/util/encoding.hpp"

namespace gh::util {

namespace {

// The low-level SHA-256 (deprecated in OpenSSL 3 in favour of EVP, still the same assembly
// underneath): a plain struct, so no allocation per hash and no provider dispatch. EVP's
// EVP_DigestInit_ex2 allocates and frees a provider context per hash, and a SigV4 check makes
// five: bench/auth measured that and the lookups around it at about a tenth of SigV4's cost.
constexpr std::size_t kBlock = 64;  // SHA-256 block size

struct Sha256 {
  SHA256_CTX ctx;
  Sha256() { SHA256_Init(&ctx); }
  Sha256& update(const void* data, std::size_t len) {
    SHA256_Update(&ctx, data, len);
    return *this;
  }
  void finish(unsigned char* out) { SHA256_Final(out, &ctx); }
};

}  // namespace

void sha256_into(std::string_view data, unsigned char* out) {
  Sha256().update(data.data(), data.size()).finish(out);
}

HmacSha256Key::HmacSha256Key() : HmacSha256Key(std::string_view()) {}

HmacSha256Key::HmacSha256Key(std::string_view key) {
  static_assert(sizeof(SHA256_CTX) <= sizeof(inner_) && alignof(SHA256_CTX) <= 8);
  // RFC 2104: a key longer than the block is hashed first; each pad is the key XOR a constant.
  unsigned char block[kBlock] = {};
  if (key.size() > kBlock) {
    sha256_into(key, block);
  } else if (!key.empty()) {  // (an empty view's data() may be null: no memcpy from it)
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  auto* inner = new (inner_) SHA256_CTX;
  SHA256_Init(inner);
  SHA256_Update(inner, pad, kBlock);
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  auto* outer = new (outer_) SHA256_CTX;
  SHA256_Init(outer);
  SHA256_Update(outer, pad, kBlock);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
}

void HmacSha256Key::mac(std::string_view data, unsigned char* out) const {
  SHA256_CTX ctx;
  std::memcpy(&ctx, inner_, sizeof ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  unsigned char inner_digest[kSha256Bytes];
  SHA256_Final(inner_digest, &ctx);
  std::memcpy(&ctx, outer_, sizeof ctx);
  SHA256_Update(&ctx, inner_digest, kSha256Bytes);
  SHA256_Final(out, &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
}

void hmac_sha256_into(std::string_view key, std::string_view data, unsigned char* out) {
  HmacSha256Key(key).mac(data, out);
}

namespace {

/// The two hex digits of every byte value, so each byte is one table load and one store.
constexpr std::array<char, 512> hex_pairs() {
  constexpr char kHex[] = "0123456789abcdef";
  std::array<char, 512> table{};
  for (int b = 0; b < 256; ++b) {
    table[2 * b] = kHex[b >> 4];
    table[2 * b + 1] = kHex[b & 0xF];
  }
  return table;
}
constexpr std::array<char, 512> kHexPairs = hex_pairs();

}  // namespace

void hex_lower_into(std::string_view bytes, char* out) {
  for (unsigned char c : bytes) {
    std::memcpy(out, &kHexPairs[2 * c], 2);
    out += 2;
  }
}

std::string sha256(std::string_view data) {
  unsigned char out[kSha256Bytes];
  sha256_into(data, out);
  return std::string(reinterpret_cast<const char*>(out), kSha256Bytes);
}

void sha256_hex_into(std::string_view data, char* out) {
  unsigned char raw[kSha256Bytes];
  sha256_into(data, raw);
  hex_lower_into(std::string_view(reinterpret_cast<const char*>(raw), kSha256Bytes), out);
}

std::string sha256_hex(std::string_view data) {
  std::string out(2 * kSha256Bytes, '\0');
  sha256_hex_into(data, out.data());
  return out;
}

Sha256Stream::Sha256Stream() : ctx_(new SHA256_CTX) { SHA256_Init(static_cast<SHA256_CTX*>(ctx_)); }

Sha256Stream::~Sha256Stream() { delete static_cast<SHA256_CTX*>(ctx_); }

void Sha256Stream::update(std::string_view data) {
  SHA256_Update(static_cast<SHA256_CTX*>(ctx_), data.data(), data.size());
}

std::string Sha256Stream::finish_hex() {
  unsigned char out[kSha256Bytes];
  SHA256_Final(out, static_cast<SHA256_CTX*>(ctx_));
  return hex_lower(std::string_view(reinterpret_cast<const char*>(out), kSha256Bytes));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[kSha256Bytes];
  hmac_sha256_into(key, data, out);
  return std::string(reinterpret_cast<const char*>(out), kSha256Bytes);
}

bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  // Every byte is read and folded into `diff` whatever the contents (no early exit and no
  // data-dependent branch), eight at a time: a signature compares in 8 steps, where
  // CRYPTO_memcmp takes one per byte.
  std::uint64_t diff = 0;
  std::size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    diff |= x ^ y;
  }
  for (; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  }
  return diff == 0;
}

}  // namespace gh::util
