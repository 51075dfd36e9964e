// The S3 object store on a real temporary directory: buckets, round trips with metadata, ranges,
// atomicity and crash leftovers, hostile keys, copy, delete, listing through the store, and
// concurrent writers to one key.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "plugins/s3/key_path.hpp"
#include "plugins/s3/object_store.hpp"

using namespace gh::plugins::s3;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("gh-s3-test-" + random_hex(8));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

ObjectStore::Options opts(const fs::path& dir) {
  ObjectStore::Options o;
  o.data_dir = dir;
  o.fsync = false;  // durability is not what these tests measure; one test keeps it on
  return o;
}

Result<ObjectInfo> put(ObjectStore& s, std::string_view bucket, std::string_view key,
                       std::string_view body, PutOptions po = {}) {
  auto w = s.begin_put(bucket, key, std::move(po));
  if (!w) return w.error;
  // Several chunks, to exercise streaming.
  for (std::size_t i = 0; i < body.size(); i += 7) {
    if ((*w)->write(body.substr(i, 7)) != S3Error::kNone) return S3Error::kInternalError;
  }
  return (*w)->commit();
}

std::string read_all(ObjectReader& r) {
  std::string out;
  char buf[5];
  std::error_code ec;
  while (const std::size_t n = r.read(buf, sizeof buf, ec)) out.append(buf, n);
  REQUIRE(!ec);
  return out;
}

std::string get(ObjectStore& s, std::string_view bucket, std::string_view key) {
  auto r = s.get_object(bucket, key);
  if (!r) return "<" + std::string(error_code(r.error)) + ">";
  return read_all(**r);
}

std::size_t count_files(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("buckets: create, head, list, already owned, not empty, delete, persisted") {
  TempDir t;
  {
    ObjectStore s(opts(t.path));
    CHECK(s.create_bucket("Bad_Name") == S3Error::kInvalidBucketName);
    CHECK(s.create_bucket("beta") == S3Error::kNone);
    CHECK(s.create_bucket("alpha") == S3Error::kNone);
    CHECK(s.create_bucket("alpha") == S3Error::kBucketAlreadyOwnedByYou);
    CHECK(s.head_bucket("alpha") == S3Error::kNone);
    CHECK(s.head_bucket("gamma") == S3Error::kNoSuchBucket);
    const auto list = s.list_buckets();
    REQUIRE(list.size() == 2);
    CHECK(list[0].name == "alpha");
    CHECK(list[1].name == "beta");
    CHECK(list[0].created_ms > 1'600'000'000'000);
    REQUIRE(put(s, "beta", "k", "v"));
    CHECK(s.delete_bucket("beta") == S3Error::kBucketNotEmpty);
    CHECK(s.delete_object("beta", "k") == S3Error::kNone);
    CHECK(s.delete_bucket("beta") == S3Error::kNone);
    CHECK(s.delete_bucket("beta") == S3Error::kNoSuchBucket);
    CHECK(s.begin_put("beta", "k", {}).error == S3Error::kNoSuchBucket);
    REQUIRE(put(s, "alpha", "kept", "data"));
  }
  ObjectStore again(opts(t.path));  // a restart finds buckets and objects
  const auto list = again.list_buckets();
  REQUIRE(list.size() == 1);
  CHECK(list[0].name == "alpha");
  CHECK(get(again, "alpha", "kept") == "data");
  CHECK(again.list_objects("alpha", {})->contents.size() == 1);
}

TEST_CASE("put/get/head round trip with headers, user metadata and checksums") {
  TempDir t;
  ObjectStore::Options o = opts(t.path);
  o.fsync = true;
  ObjectStore s(o);
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
  PutOptions po;
  po.headers.content_type = "text/plain";
  po.headers.content_encoding = "identity";
  po.headers.content_disposition = "attachment; filename=\"x.txt\"";
  po.headers.cache_control = "max-age=60";
  po.headers.user_metadata = {{"colour", "blue"}};
  po.checksums.crc32c = true;
  po.expected_sha256 = "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=";
  const auto info = put(s, "bk1", "dir/hello.txt", "hello world", po);
  REQUIRE(info);
  CHECK(info->etag == "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
  CHECK(info->size == 11);
  CHECK(!info->checksum_crc32c.empty());
  CHECK(info->checksum_sha256 == po.expected_sha256);
  CHECK(info->checksum_crc32.empty());

  const auto head = s.head_object("bk1", "dir/hello.txt");
  REQUIRE(head);
  CHECK(head->headers == po.headers);
  CHECK(head->etag == info->etag);
  CHECK(head->last_modified_ms == info->last_modified_ms);
  CHECK(head->checksum_crc32c == info->checksum_crc32c);
  CHECK(get(s, "bk1", "dir/hello.txt") == "hello world");

  CHECK(s.head_object("bk1", "missing").error == S3Error::kNoSuchKey);
  CHECK(s.get_object("nope", "x").error == S3Error::kNoSuchBucket);
  // The empty object.
  const auto empty = put(s, "bk1", "empty", "");
  REQUIRE(empty);
  CHECK(empty->etag == "\"d41d8cd98f00b204e9800998ecf8427e\"");
  CHECK(get(s, "bk1", "empty").empty());
}

TEST_CASE("a digest mismatch is BadDigest and stores nothing") {
  TempDir t;
  ObjectStore s(opts(t.path));
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
  PutOptions po;
  po.expected_md5 = std::string(16, 'x');
  CHECK(put(s, "bk1", "k", "data", po).error == S3Error::kBadDigest);
  PutOptions po2;
  po2.expected_crc32 = "AAAAAA==";
  CHECK(put(s, "bk1", "k", "data", po2).error == S3Error::kBadDigest);
  CHECK(s.head_object("bk1", "k").error == S3Error::kNoSuchKey);
  CHECK(count_files(t.path / "bk1" / "tmp") == 0);
}

TEST_CASE("byte ranges") {
  TempDir t;
  ObjectStore s(opts(t.path));
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
  REQUIRE(put(s, "bk1", "k", "0123456789"));
  const auto range = [&](std::string_view header) -> std::string {
    auto r = s.get_object("bk1", "k", parse_range_header(header));
    if (!r) return std::string(error_code(r.error));
    return read_all(**r);
  };
  CHECK(range("bytes=0-0") == "0");
  CHECK(range("bytes=2-5") == "2345");
  CHECK(range("bytes=7-") == "789");
  CHECK(range("bytes=-3") == "789");
  CHECK(range("bytes=-30") == "0123456789");
  CHECK(range("bytes=8-100") == "89");
  CHECK(range("bytes=10-") == "InvalidRange");
  CHECK(range("bytes=-0") == "InvalidRange");
  CHECK(range("bytes=5-2") == "0123456789");  // unparseable: whole object
  auto r = s.get_object("bk1", "k", parse_range_header("bytes=3-4"));
  REQUIRE(r);
  CHECK((*r)->is_range());
  CHECK((*r)->range_first() == 3);
  CHECK((*r)->content_length() == 2);
  CHECK((*r)->info().size == 10);
}

TEST_CASE("hostile keys are stored inside the bucket and read back exactly") {
  TempDir t;
  ObjectStore s(opts(t.path));
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
  const std::vector<std::string> keys = {
      "../../etc/passwd",
      "a/../b",
      "b",
      "..",
      ".",
      "/leading",
      "trailing/",
      "a//b",
      "upload.meta",
      "bucket.meta",
      "objects",
      "tmp",
      std::string(1024, 'x'),
      "\xE2\x82\xAC/\xF0\x9F\x98\x80",
      key_file_name("b"),
      "objects/" + key_file_name("b").substr(0, 2) + "/" + key_file_name("b")};
  for (const auto& k : keys) REQUIRE_MESSAGE(put(s, "bk1", k, "v:" + k), k);
  for (const auto& k : keys) CHECK_MESSAGE(get(s, "bk1", k) == "v:" + k, k);
  CHECK(s.list_objects("bk1", {})->contents.size() == keys.size());
  // Nothing escaped the bucket: the data directory holds only the bucket and staging dirs.
  for (const auto& e : fs::directory_iterator(t.path)) {
    const auto name = e.path().filename().string();
    CHECK_MESSAGE((name == "bk1" || name == ".tmp" || name == ".trash"), name);
  }
  CHECK(!fs::exists(t.path.parent_path() / "etc"));

  CHECK(s.begin_put("bk1", std::string(1025, 'x'), {}).error == S3Error::kKeyTooLongError);
  CHECK(s.begin_put("bk1", std::string("a\0b", 3), {}).error == S3Error::kInvalidArgument);
  CHECK(s.begin_put("bk1", "", {}).error == S3Error::kInvalidArgument);
  CHECK(s.get_object("bk1", std::string("a\0b", 3)).error == S3Error::kNoSuchKey);
}

TEST_CASE("an aborted or abandoned writer leaves nothing behind") {
  TempDir t;
  ObjectStore s(opts(t.path));
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
  REQUIRE(put(s, "bk1", "k", "old"));
  {
    auto w = s.begin_put("bk1", "k", {});
    REQUIRE(w);
    REQUIRE((*w)->write("new but never committed") == S3Error::kNone);
    (*w)->abort();
  }
  {
    auto w = s.begin_put("bk1", "other", {});
    REQUIRE(w);
    REQUIRE((*w)->write("dropped") == S3Error::kNone);
  }  // destroyed without commit
  CHECK(get(s, "bk1", "k") == "old");
  CHECK(s.head_object("bk1", "other").error == S3Error::kNoSuchKey);
  CHECK(count_files(t.path / "bk1" / "tmp") == 0);
  CHECK(s.list_objects("bk1", {})->contents.size() == 1);
}

TEST_CASE("crash leftovers: temp files and torn object files are ignored and cleaned") {
  TempDir t;
  {
    ObjectStore s(opts(t.path));
    REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
    REQUIRE(put(s, "bk1", "good", "data"));
  }
  // What a kill -9 mid-upload leaves: a temp file; and (worst case) a torn file at an object path.
  { std::ofstream(t.path / "bk1" / "tmp" / "put-deadbeef") << "partial body"; }
  const fs::path torn = t.path / "bk1" / key_relative_path("torn");
  fs::create_directories(torn.parent_path());
  { std::ofstream(torn) << "no trailer here"; }

  ObjectStore s(opts(t.path));
  CHECK(count_files(t.path / "bk1" / "tmp") == 0);
  const auto page = s.list_objects("bk1", {});
  REQUIRE(page);
  REQUIRE(page->contents.size() == 1);
  CHECK(page->contents[0].key == "good");
  CHECK(s.head_object("bk1", "torn").error == S3Error::kNoSuchKey);
  CHECK(s.delete_bucket("bk1") == S3Error::kBucketNotEmpty);
}

TEST_CASE("listing through the store follows puts and deletes") {
  TempDir t;
  ObjectStore s(opts(t.path));
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
  for (const char* k : {"a/1", "a/2", "b", "c/x/y"}) REQUIRE(put(s, "bk1", k, k));
  ListQuery q;
  q.delimiter = "/";
  auto p = s.list_objects("bk1", q);
  REQUIRE(p);
  CHECK(p->common_prefixes == std::vector<std::string>{"a/", "c/"});
  REQUIRE(p->contents.size() == 1);
  CHECK(p->contents[0].key == "b");
  CHECK(p->contents[0].summary.size == 1);
  CHECK(p->contents[0].summary.etag == "\"92eb5ffee6ae2fec3ad71c777531578f\"");

  const auto dr = s.delete_objects("bk1", {"a/1", "a/2", "never-existed"});
  REQUIRE(dr);
  REQUIRE(dr->size() == 3);
  for (const auto& r : *dr) CHECK(r.error == S3Error::kNone);
  CHECK(s.delete_object("bk1", "never-existed") == S3Error::kNone);  // idempotent
  p = s.list_objects("bk1", q);
  CHECK(p->common_prefixes == std::vector<std::string>{"c/"});
  CHECK(s.list_objects("nope", q).error == S3Error::kNoSuchBucket);
  CHECK(s.delete_objects("nope", {"x"}).error == S3Error::kNoSuchBucket);
}

TEST_CASE("copy: COPY keeps headers, REPLACE replaces, self-copy needs REPLACE") {
  TempDir t;
  ObjectStore s(opts(t.path));
  REQUIRE(s.create_bucket("src") == S3Error::kNone);
  REQUIRE(s.create_bucket("dst") == S3Error::kNone);
  PutOptions po;
  po.headers.content_type = "image/png";
  po.headers.user_metadata = {{"a", "1"}};
  po.checksums.crc32 = true;
  const auto orig = put(s, "src", "k", "payload", po);
  REQUIRE(orig);

  CopyRequest c{"src", "k", "dst", "k2", false, {}, {}};
  const auto copied = s.copy_object(c);
  REQUIRE(copied);
  CHECK(copied->etag == orig->etag);
  CHECK(copied->headers == po.headers);
  CHECK(copied->checksum_crc32 == orig->checksum_crc32);
  CHECK(get(s, "dst", "k2") == "payload");

  CopyRequest self{"src", "k", "src", "k", false, {}, {}};
  CHECK(s.copy_object(self).error == S3Error::kInvalidRequest);
  self.replace_metadata = true;
  self.new_headers.content_type = "text/plain";
  const auto replaced = s.copy_object(self);
  REQUIRE(replaced);
  CHECK(replaced->headers.content_type == "text/plain");
  CHECK(replaced->headers.user_metadata.empty());
  CHECK(get(s, "src", "k") == "payload");

  CopyRequest missing{"src", "nope", "dst", "x", false, {}, {}};
  CHECK(s.copy_object(missing).error == S3Error::kNoSuchKey);
  CopyRequest no_dst{"src", "k", "nobucket", "x", false, {}, {}};
  CHECK(s.copy_object(no_dst).error == S3Error::kNoSuchBucket);
}

TEST_CASE("tags: kept by put, copied or replaced by copy, rewritten without touching the object") {
  TempDir t;
  ObjectStore::Options o = opts(t.path);
  o.fsync = true;
  auto s = std::make_unique<ObjectStore>(o);
  REQUIRE(s->create_bucket("bk1") == S3Error::kNone);
  PutOptions po;
  po.headers.content_type = "text/plain";
  po.headers.user_metadata = {{"colour", "blue"}};
  po.headers.tags = {{"a", "1"}, {"b", ""}};
  const auto orig = put(*s, "bk1", "k", "payload", po);
  REQUIRE(orig);
  CHECK(s->head_object("bk1", "k")->headers.tags == po.headers.tags);

  // COPY (the default) keeps the source's tags, also with a metadata REPLACE; REPLACE sets.
  CopyRequest copy{"bk1", "k", "bk1", "c1", true, {}, {}};
  REQUIRE(s->copy_object(copy));
  CHECK(s->head_object("bk1", "c1")->headers.tags == po.headers.tags);
  CHECK(s->head_object("bk1", "c1")->headers.user_metadata.empty());
  copy.dst_key = "c2";
  copy.new_tags = std::map<std::string, std::string>{{"z", "9"}};
  REQUIRE(s->copy_object(copy));
  CHECK(s->head_object("bk1", "c2")->headers.tags ==
        std::map<std::string, std::string>{{"z", "9"}});

  // PutObjectTagging: body, headers, ETag, Last-Modified and checksums unchanged.
  const std::map<std::string, std::string> next{{"x", "y"}};
  const auto tagged = s->put_object_tags("bk1", "k", next);
  REQUIRE(tagged);
  const auto head = s->head_object("bk1", "k");
  REQUIRE(head);
  CHECK(head->headers.tags == next);
  CHECK(head->etag == orig->etag);
  CHECK(head->last_modified_ms == orig->last_modified_ms);
  CHECK(head->headers.user_metadata == po.headers.user_metadata);
  CHECK(head->headers.content_type == "text/plain");
  CHECK(get(*s, "bk1", "k") == "payload");
  // Listing still sees the one object, unchanged.
  ListQuery q;
  const auto page = s->list_objects("bk1", q);
  REQUIRE(page);
  REQUIRE(page->contents.size() == 3);
  CHECK(page->contents[2].key == "k");
  CHECK(page->contents[2].summary.etag == orig->etag);

  // Delete (the empty set), missing key and bucket; no temp file left behind.
  REQUIRE(s->put_object_tags("bk1", "k", {}));
  CHECK(s->head_object("bk1", "k")->headers.tags.empty());
  CHECK(get(*s, "bk1", "k") == "payload");
  CHECK(s->put_object_tags("bk1", "nope", next).error == S3Error::kNoSuchKey);
  CHECK(s->put_object_tags("nobucket", "k", next).error == S3Error::kNoSuchBucket);
  CHECK(count_files(t.path / "bk1" / "tmp") == 0);

  // Tags survive a restart (they are in the object's file).
  REQUIRE(s->put_object_tags("bk1", "k", next));
  s.reset();
  ObjectStore again(o);
  CHECK(again.head_object("bk1", "k")->headers.tags == next);
  CHECK(again.head_object("bk1", "c1")->headers.tags == po.headers.tags);
}

TEST_CASE("a reader keeps its snapshot across an overwrite and a delete") {
  TempDir t;
  ObjectStore s(opts(t.path));
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
  REQUIRE(put(s, "bk1", "k", "first version"));
  auto r = s.get_object("bk1", "k");
  REQUIRE(r);
  REQUIRE(put(s, "bk1", "k", "second"));
  REQUIRE(s.delete_object("bk1", "k") == S3Error::kNone);
  CHECK(read_all(**r) == "first version");
}

TEST_CASE("an overwrite recycles the old object's file; an open reader's file is never reused") {
  TempDir t;
  ObjectStore s(opts(t.path));
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
  const auto inode = [&](std::string_view key) {
    struct stat st {};
    REQUIRE(::stat((t.path / "bk1" / key_relative_path(key)).c_str(), &st) == 0);
    return st.st_ino;
  };
  REQUIRE(put(s, "bk1", "k", "version one"));
  const auto first = inode("k");
  REQUIRE(put(s, "bk1", "k", "version two"));
  CHECK(s.spare_files("bk1") == 1);
  CHECK(count_files(t.path / "bk1" / "tmp") == 1);
  REQUIRE(put(s, "bk1", "new key", "a new object in a recycled file"));
  CHECK(inode("new key") == first);
  CHECK(s.spare_files("bk1") == 0);
  CHECK(get(s, "bk1", "new key") == "a new object in a recycled file");
  CHECK(get(s, "bk1", "k") == "version two");

  // A reader holds version two: its file is removed, not recycled, when k is replaced, so the
  // writes that follow (which would rewrite a spare) cannot change what the reader reads.
  const std::string body(100000, 'r');
  REQUIRE(put(s, "bk1", "big", body));
  const auto held = inode("big");
  auto r = s.get_object("bk1", "big");
  REQUIRE(r);
  REQUIRE(put(s, "bk1", "big", "replaced"));
  CHECK(s.spare_files("bk1") == 0);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(put(s, "bk1", "other" + std::to_string(i), std::string(100000, 'x')));
    CHECK(inode("other" + std::to_string(i)) != held);
  }
  CHECK(read_all(**r) == body);
  r->reset();
  // Reader gone: the next replacement is recycled again.
  REQUIRE(put(s, "bk1", "big", "and again"));
  CHECK(s.spare_files("bk1") == 1);
  // Spares hold at most 64 MiB: a replaced body that would pass that is removed, not kept.
  auto w = s.begin_put("bk1", "huge", {});
  REQUIRE(w);
  const std::string mib(1 << 20, 'h');
  for (int i = 0; i < 65; ++i) REQUIRE((*w)->write(mib) == S3Error::kNone);
  REQUIRE((*w)->commit());
  CHECK(s.spare_files("bk1") == 0);  // the 65 MiB write took the one spare there was
  REQUIRE(put(s, "bk1", "huge", "small now"));
  CHECK(s.spare_files("bk1") == 0);
  CHECK(count_files(t.path / "bk1" / "tmp") == 0);
}

TEST_CASE("a recycled file longer than what is written into it is cut to the new object") {
  // Spares are rewritten from their start, not truncated first (object_store.hpp): the commit
  // must cut what is left of the old object, or its bytes would follow the new trailer.
  TempDir t;
  const auto size_on_disk = [&](std::string_view key) {
    struct stat st {};
    REQUIRE(::stat((t.path / "bk1" / key_relative_path(key)).c_str(), &st) == 0);
    return static_cast<std::uint64_t>(st.st_size);
  };
  {
    ObjectStore s(opts(t.path));
    REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
    PutOptions po;
    po.headers.content_type = "text/plain";
    po.headers.user_metadata = {{"note", "a long one"}};
    REQUIRE(put(s, "bk1", "k", std::string(100000, 'o'), po));
    REQUIRE(put(s, "bk1", "k", "replaced"));
    REQUIRE(s.spare_files("bk1") == 1);
    PutOptions small;
    small.headers.content_type = "application/x-small";
    REQUIRE(put(s, "bk1", "small", "tiny", small));
    CHECK(s.spare_files("bk1") == 0);
    CHECK(get(s, "bk1", "small") == "tiny");
    CHECK(size_on_disk("small") < 1000);
    const auto head = s.head_object("bk1", "small");
    REQUIRE(head);
    CHECK(head->size == 4);
    CHECK(head->headers.content_type == "application/x-small");
    CHECK(head->headers.user_metadata.empty());
  }
  // A restart reads the object's trailer from the end of its file: still the new one.
  ObjectStore again(opts(t.path));
  CHECK(get(again, "bk1", "small") == "tiny");
  const auto page = again.list_objects("bk1", {});
  REQUIRE(page);
  REQUIRE(page->contents.size() == 2);
  CHECK(page->contents[1].key == "small");
  CHECK(page->contents[1].summary.size == 4);
  const auto head = again.head_object("bk1", "small");
  REQUIRE(head);
  CHECK(head->headers.content_type == "application/x-small");
}

TEST_CASE("a restart removes the recycled files with the other leftovers of tmp/") {
  TempDir t;
  {
    ObjectStore s(opts(t.path));
    REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
    REQUIRE(put(s, "bk1", "k", "one"));
    REQUIRE(put(s, "bk1", "k", "two"));
    REQUIRE(s.spare_files("bk1") == 1);
  }
  ObjectStore s(opts(t.path));
  CHECK(count_files(t.path / "bk1" / "tmp") == 0);
  CHECK(get(s, "bk1", "k") == "two");
}

TEST_CASE("concurrent writers to one key: the last complete write wins, never a mix") {
  TempDir t;
  ObjectStore s(opts(t.path));
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
  constexpr int kWriters = 8;
  constexpr std::size_t kSize = 256 * 1024;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      const std::string chunk(4096, static_cast<char>('A' + i));
      for (int round = 0; round < 5; ++round) {
        auto w = s.begin_put("bk1", "shared", {});
        if (!w) {
          ++failures;
          return;
        }
        for (std::size_t n = 0; n < kSize; n += chunk.size()) {
          if ((*w)->write(chunk) != S3Error::kNone) ++failures;
        }
        if (!(*w)->commit()) ++failures;
      }
    });
  }
  // Meanwhile readers must only ever see whole objects of one writer.
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!stop) {
      auto r = s.get_object("bk1", "shared");
      if (!r) continue;
      const std::string body = read_all(**r);
      if (body.size() != kSize || body.find_first_not_of(body[0]) != std::string::npos) ++torn;
    }
  });
  for (auto& th : threads) th.join();
  stop = true;
  reader.join();
  CHECK(failures == 0);
  CHECK(torn == 0);
  const std::string body = get(s, "bk1", "shared");
  REQUIRE(body.size() == kSize);
  CHECK(body.find_first_not_of(body[0]) == std::string::npos);
  const auto page = s.list_objects("bk1", {});
  REQUIRE(page->contents.size() == 1);
  CHECK(page->contents[0].summary.etag == s.head_object("bk1", "shared")->etag);
  // What stays in tmp/ is the recycled files of replaced objects, nothing else.
  CHECK(count_files(t.path / "bk1" / "tmp") == s.spare_files("bk1"));
}

TEST_CASE("a write in flight when its bucket is deleted commits nothing") {
  TempDir t;
  ObjectStore s(opts(t.path));
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
  auto w = s.begin_put("bk1", "k", {});
  REQUIRE(w);
  REQUIRE((*w)->write("data") == S3Error::kNone);
  CHECK(s.delete_bucket("bk1") == S3Error::kNone);  // no committed objects: empty
  CHECK((*w)->commit().error == S3Error::kNoSuchBucket);
  REQUIRE(s.create_bucket("bk1") == S3Error::kNone);  // recreated: starts empty
  CHECK(s.head_object("bk1", "k").error == S3Error::kNoSuchKey);
  CHECK(s.list_objects("bk1", {})->contents.empty());
}

TEST_CASE("10,000 keys: a restarted store rebuilds its index and pages through in order") {
  TempDir t;
  std::vector<std::string> keys;
  {
    ObjectStore s(opts(t.path));
    REQUIRE(s.create_bucket("bk1") == S3Error::kNone);
    for (int i = 0; i < 10000; ++i) {
      keys.push_back("logs/" + std::to_string(i % 10) + "/" + std::to_string(i));
      REQUIRE(put(s, "bk1", keys.back(), "x"));
    }
  }
  std::sort(keys.begin(), keys.end());
  ObjectStore s(opts(t.path));
  ListQuery q;
  q.prefix = "logs/";
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    const auto p = s.list_objects("bk1", q);
    REQUIRE(p);
    ++pages;
    for (const auto& e : p->contents) seen.push_back(e.key);
    if (!p->is_truncated) break;
    q.after = p->last_returned;
  }
  CHECK(pages == 10);
  CHECK(seen == keys);
  q = ListQuery{};
  q.prefix = "logs/";
  q.delimiter = "/";
  const auto grouped = s.list_objects("bk1", q);
  CHECK(grouped->common_prefixes.size() == 10);
  CHECK(grouped->contents.empty());
}
