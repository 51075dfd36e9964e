#include "plugins/s3/checksums.hpp"

#include <openssl/evp.h>

#include "gateway/util/crc.hpp"
#include "gateway/util/encoding.hpp"

namespace gh::plugins::s3 {
namespace {

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
  if (impl_->set.crc32) impl_->crc32 = util::crc32_update(impl_->crc32, bytes);
  if (impl_->set.crc32c) impl_->crc32c = util::crc32c_update(impl_->crc32c, bytes);
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
