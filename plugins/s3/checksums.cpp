#include "plugins/s3/checksums.hpp"

#include <openssl/evp.h>

#include <array>

#include "gateway/util/encoding.hpp"

namespace gh::plugins::s3 {
namespace {

using Table = std::array<std::array<std::uint32_t, 256>, 8>;

// Slicing-by-8 tables for a reflected CRC with polynomial `poly`, so a 200 MB body costs well
// under a second.
Table make_table(std::uint32_t poly) {
  Table t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    t[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i) {
    for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
  return t;
}

std::uint32_t crc_update(const Table& t, std::uint32_t crc, std::string_view bytes) {
  crc = ~crc;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  while (n >= 8) {
    const std::uint32_t lo = crc ^ (std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 |
                                    std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24);
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
          t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}

std::string crc_wire(std::uint32_t crc) {
  const char be[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16),
                      static_cast<char>(crc >> 8), static_cast<char>(crc)};
  return util::base64_encode(std::string_view(be, 4));
}

struct EvpDeleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using EvpPtr = std::unique_ptr<EVP_MD_CTX, EvpDeleter>;

EvpPtr evp_start(const EVP_MD* md) {
  EvpPtr ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  return ctx;
}

std::string evp_finish(EVP_MD_CTX* ctx) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

std::uint32_t crc32_update(std::uint32_t crc, std::string_view bytes) noexcept {
  static const Table kTable = make_table(0xEDB88320u);
  return crc_update(kTable, crc, bytes);
}

std::uint32_t crc32c_update(std::uint32_t crc, std::string_view bytes) noexcept {
  static const Table kTable = make_table(0x82F63B78u);
  return crc_update(kTable, crc, bytes);
}

struct StreamingHasher::Impl {
  ChecksumSet set;
  EvpPtr md5 = evp_start(EVP_md5());
  EvpPtr sha256;
  std::uint32_t crc32 = 0;
  std::uint32_t crc32c = 0;
};

StreamingHasher::StreamingHasher(ChecksumSet set) : impl_(std::make_unique<Impl>()) {
  impl_->set = set;
  if (set.sha256) impl_->sha256 = evp_start(EVP_sha256());
}

StreamingHasher::~StreamingHasher() = default;

void StreamingHasher::update(std::string_view bytes) {
  EVP_DigestUpdate(impl_->md5.get(), bytes.data(), bytes.size());
  if (impl_->sha256) EVP_DigestUpdate(impl_->sha256.get(), bytes.data(), bytes.size());
  if (impl_->set.crc32) impl_->crc32 = crc32_update(impl_->crc32, bytes);
  if (impl_->set.crc32c) impl_->crc32c = crc32c_update(impl_->crc32c, bytes);
}

Digests StreamingHasher::finish() {
  Digests d;
  d.md5 = evp_finish(impl_->md5.get());
  if (impl_->sha256) d.sha256 = util::base64_encode(evp_finish(impl_->sha256.get()));
  if (impl_->set.crc32) d.crc32 = crc_wire(impl_->crc32);
  if (impl_->set.crc32c) d.crc32c = crc_wire(impl_->crc32c);
  return d;
}

std::string single_part_etag(std::string_view raw_md5) {
  return "\"" + util::hex_lower(raw_md5) + "\"";
}

std::string multipart_etag(const std::vector<std::string>& raw_part_md5s) {
  StreamingHasher h(ChecksumSet{});
  for (const auto& m : raw_part_md5s) h.update(m);
  return "\"" + util::hex_lower(h.finish().md5) + "-" + std::to_string(raw_part_md5s.size()) + "\"";
}

}  // namespace gh::plugins::s3
