// The remote proxy's temporary files (plugins/s3/spool_file.hpp): unnamed from the start (nothing
// to clean up), appended and read back, and a SpoolSink's body served from its file.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "plugins/s3/spool_file.hpp"

using namespace gh::plugins::s3;
namespace fs = std::filesystem;

namespace {

/// A fresh empty directory under the system's temporary one, removed at the end.
struct ScratchDir {
  fs::path path = fs::temp_directory_path() /
                  ("gh-s3-spool-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  ScratchDir() { fs::create_directories(path); }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  bool empty() const { return fs::is_empty(path); }
};

std::string read_all(gh::core::BodySource& source) {
  std::string out;
  char piece[7000];
  for (;;) {
    std::error_code ec;
    const std::size_t n = source.read(piece, sizeof piece, ec);
    REQUIRE_FALSE(ec);
    if (n == 0) return out;
    out.append(piece, n);
  }
}

}  // namespace

TEST_CASE("s3 spool file: appended bytes read back, and the file never has a name") {
  ScratchDir dir;
  std::error_code ec;
  auto file = SpoolFile::create(dir.path, ec);
  REQUIRE(file);
  CHECK_FALSE(ec);
  CHECK(dir.empty());  // O_TMPFILE, or created and unlinked at once
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    const std::string piece(1000 + i, static_cast<char>('a' + i % 26));
    REQUIRE(file->append(piece, ec));
    expected += piece;
  }
  CHECK(file->size() == expected.size());
  std::string got(expected.size(), '\0');
  CHECK(file->read_at(0, got.data(), got.size(), ec) == expected.size());
  CHECK(got == expected);
  char tail[10];
  CHECK(file->read_at(expected.size() - 4, tail, sizeof tail, ec) == 4);
  CHECK(file->read_at(expected.size(), tail, sizeof tail, ec) == 0);
  CHECK(dir.empty());
}

TEST_CASE("s3 spool file: a directory that cannot hold one is a clear InternalError") {
  std::error_code ec;
  CHECK_FALSE(SpoolFile::create("/nonexistent/gatehouse-spool", ec));
  REQUIRE(ec);
  const S3ErrorReply reply = spool_failure(ec);
  CHECK(reply.status == 500);
  CHECK(reply.code == "InternalError");
  CHECK(reply.message.find("temporary directory") != std::string::npos);
  CHECK(reply.message.find(ec.message()) != std::string::npos);
}

TEST_CASE("s3 spool sink: the body it took is served from its file") {
  ScratchDir dir;
  ::setenv("TMPDIR", dir.path.c_str(), 1);
  CHECK(spool_dir() == dir.path);
  SpoolSink sink(1 << 20);
  CHECK_FALSE(sink.used());
  REQUIRE(sink.begin(std::nullopt));
  CHECK(sink.used());
  std::string expected;
  // Small pieces gathered, and one larger than the sink's write size taken at once.
  for (int i = 0; i < 50; ++i) {
    const std::string piece(3000, static_cast<char>('A' + i % 26));
    REQUIRE(sink.write(piece));
    expected += piece;
  }
  const std::string large(300 * 1024, 'z');
  REQUIRE(sink.write(large));
  expected += large;
  REQUIRE(sink.write("end"));
  expected += "end";
  auto source = sink.source();
  REQUIRE(source);
  CHECK(source->size() == expected.size());
  CHECK(source->file().fd >= 0);
  CHECK(source->file().offset == 0);
  CHECK(read_all(*source) == expected);
  CHECK(dir.empty());
  ::unsetenv("TMPDIR");
}

TEST_CASE("s3 spool sink: an unusable temporary directory fails begin() with its reason") {
  ::setenv("TMPDIR", "/nonexistent/gatehouse-spool", 1);
  SpoolSink sink(1 << 20);
  CHECK_FALSE(sink.begin(100));
  CHECK(sink.error());
  CHECK_FALSE(sink.write("x"));
  ::unsetenv("TMPDIR");
}
