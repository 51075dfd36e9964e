// Memory stays flat while a 200 MB object streams through an ObjectWriter and back out of an
// ObjectReader with a small buffer (issue 7: "memory stays flat while a 1 GB object goes through").
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "plugins/s3/checksums.hpp"
#include "plugins/s3/object_store.hpp"

using namespace gh::plugins::s3;
namespace fs = std::filesystem;

namespace {

/// Resident set size in bytes, from /proc/self/statm.
std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("a 200 MB object streams through with flat memory") {
  const fs::path dir = fs::temp_directory_path() / ("gh-s3-large-" + random_hex(8));
  {
    ObjectStore::Options o;
    o.data_dir = dir;
    o.fsync = false;  // the page cache, not fsync, is what this test is about
    ObjectStore s(o);
    REQUIRE(s.create_bucket("big") == S3Error::kNone);

    constexpr std::size_t kChunk = 64 * 1024;
    constexpr std::size_t kTotal = 200ull * 1024 * 1024;
    std::string chunk(kChunk, '\0');
    const std::size_t before = rss_bytes();

    StreamingHasher expected(ChecksumSet{});
    PutOptions po;
    po.checksums.crc32c = true;
    auto w = s.begin_put("big", "blob", po);
    REQUIRE(w);
    for (std::size_t off = 0; off < kTotal; off += kChunk) {
      for (std::size_t i = 0; i < kChunk; i += 4096) chunk[i] = static_cast<char>(off / kChunk + i);
      expected.update(chunk);
      REQUIRE((*w)->write(chunk) == S3Error::kNone);
    }
    const auto info = (*w)->commit();
    REQUIRE(info);
    CHECK(info->size == kTotal);
    CHECK(info->etag == single_part_etag(expected.finish().md5));

    auto r = s.get_object("big", "blob");
    REQUIRE(r);
    StreamingHasher got(ChecksumSet{});
    std::error_code ec;
    std::size_t total = 0;
    while (const std::size_t n = (*r)->read(chunk.data(), 16 * 1024, ec)) {
      got.update(std::string_view(chunk.data(), n));
      total += n;
    }
    CHECK(!ec);
    CHECK(total == kTotal);
    CHECK(single_part_etag(got.finish().md5) == info->etag);

    const std::size_t after = rss_bytes();
    const std::size_t growth = after > before ? after - before : 0;
    MESSAGE("RSS growth over 200 MB: " << growth / 1024 << " KiB");
    CHECK(growth < 16u * 1024 * 1024);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}
