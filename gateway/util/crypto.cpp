#include "gateway/util/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

#include "gateway/util/encoding.hpp"

namespace gh::util {

namespace {

// OpenSSL 3 looks an algorithm up by name (under a lock) on every one-shot EVP_Digest/HMAC
// call; a SigV4 check makes six of them. Fetch SHA-256 once, keep one digest context per
// thread, and build HMAC (RFC 2104) on top: bench/auth measured the one-shot calls at ~15 % of
// a signed request's CPU.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!fetched) throw std::runtime_error("OpenSSL has no SHA-256");
    return fetched;
  }();
  return md;
}

struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* thread_context() {
  thread_local DigestContext context;
  if (!context.ctx) throw std::runtime_error("EVP_MD_CTX_new failed");
  return context.ctx;
}

constexpr std::size_t kBlock = 64;  // SHA-256 block size
constexpr std::size_t kDigest = 32;

// SHA-256 of the concatenation of `a` and `b` into `out`.
void digest2(const void* a, std::size_t a_len, const void* b, std::size_t b_len,
             unsigned char* out) {
  EVP_MD_CTX* ctx = thread_context();
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1 || EVP_DigestUpdate(ctx, a, a_len) != 1 ||
      EVP_DigestUpdate(ctx, b, b_len) != 1 || EVP_DigestFinal_ex(ctx, out, &len) != 1 ||
      len != kDigest) {
    throw std::runtime_error("SHA-256 failed");
  }
}

}  // namespace

std::string sha256(std::string_view data) {
  unsigned char out[kDigest];
  digest2(data.data(), data.size(), "", 0, out);
  return std::string(reinterpret_cast<const char*>(out), kDigest);
}

std::string sha256_hex(std::string_view data) { return hex_lower(sha256(data)); }

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), sha256_md(), nullptr) != 1) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
    throw std::runtime_error("SHA-256 failed");
  }
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Stream::update(std::string_view data) {
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size()) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
}

std::string Sha256Stream::finish_hex() {
  unsigned char out[kDigest];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out, &len) != 1 || len != kDigest) {
    throw std::runtime_error("SHA-256 failed");
  }
  return hex_lower(std::string_view(reinterpret_cast<const char*>(out), kDigest));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char block[kBlock] = {};
  if (key.size() > kBlock) {
    digest2(key.data(), key.size(), "", 0, block);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  unsigned char inner[kDigest];
  digest2(pad, kBlock, data.data(), data.size(), inner);
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  unsigned char out[kDigest];
  digest2(pad, kBlock, inner, kDigest, out);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  return std::string(reinterpret_cast<const char*>(out), kDigest);
}

bool constant_time_equals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace gh::util
