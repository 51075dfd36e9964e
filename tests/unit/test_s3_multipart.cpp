// Multipart uploads in the S3 object store: ids, parts (ETag per part, replacement), listing,
// completion with S3's `-N` ETag and its validations (order, ETag, minimum size), abort.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "plugins/s3/object_store.hpp"

using namespace gh::plugins::s3;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  fs::path dir = fs::temp_directory_path() / ("gh-s3-mpu-" + random_hex(8));
  ObjectStore store{[this] {
    ObjectStore::Options o;
    o.data_dir = dir;
    o.fsync = false;
    o.min_part_size = 10;  // S3's 5 MiB, scaled down for the test
    return o;
  }()};
  Fixture() { REQUIRE(store.create_bucket("bk1") == S3Error::kNone); }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  Result<ObjectInfo> part(const std::string& id, int n, std::string_view body,
                          std::string_view key = "big") {
    auto w = store.begin_upload_part("bk1", key, id, n, {});
    if (!w) return w.error;
    if ((*w)->write(body) != S3Error::kNone) return S3Error::kInternalError;
    return (*w)->commit();
  }
  std::string get(std::string_view key) {
    auto r = store.get_object("bk1", key);
    REQUIRE(r);
    std::string out((*r)->content_length(), '\0');
    std::error_code ec;
    std::size_t off = 0;
    while (const std::size_t n = (*r)->read(out.data() + off, out.size() - off, ec)) off += n;
    return out;
  }
};

}  // namespace

TEST_CASE("multipart: a part written into a longer recycled file keeps only its own bytes") {
  Fixture f;
  auto put = [&](std::string_view key, std::string_view body) {
    auto w = f.store.begin_put("bk1", key, {});
    REQUIRE(w);
    REQUIRE((*w)->write(body) == S3Error::kNone);
    REQUIRE((*w)->commit());
  };
  put("old", std::string(50000, 'o'));
  put("old", "x");  // the 50,000-byte file becomes a spare
  REQUIRE(f.store.spare_files("bk1") == 1);
  const auto id = f.store.create_multipart_upload("bk1", "big", {});
  REQUIRE(id);
  const auto p1 = f.part(*id, 1, std::string(10, 'a'));  // written into the spare
  REQUIRE(p1);
  CHECK(f.store.spare_files("bk1") == 0);
  const auto p2 = f.part(*id, 2, "bbb");
  REQUIRE(p2);
  const auto parts = f.store.list_parts("bk1", "big", *id);
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].size == 10);
  const auto done =
      f.store.complete_multipart_upload("bk1", "big", *id, {{1, p1->etag}, {2, p2->etag}});
  REQUIRE(done);
  CHECK(done->size == 13);
  CHECK(f.get("big") == std::string(10, 'a') + "bbb");
}

TEST_CASE("multipart: upload, list parts, complete with the -N ETag") {
  Fixture f;
  ObjectHeaders h;
  h.content_type = "application/zip";
  h.user_metadata = {{"k", "v"}};
  const auto id = f.store.create_multipart_upload("bk1", "big", h);
  REQUIRE(id);
  CHECK(id->size() == 32);

  const auto p1 = f.part(*id, 1, std::string(10, 'a'));
  const auto p2 = f.part(*id, 2, "bbb");
  REQUIRE(p1);
  REQUIRE(p2);
  CHECK(p1->etag == "\"e09c80c42fda55f9d992e59ca6b3307d\"");  // md5("a"*10)

  const auto parts = f.store.list_parts("bk1", "big", *id);
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].part_number == 1);
  CHECK((*parts)[0].size == 10);
  CHECK((*parts)[1].etag == p2->etag);

  const auto uploads = f.store.list_multipart_uploads("bk1");
  REQUIRE(uploads);
  REQUIRE(uploads->size() == 1);
  CHECK((*uploads)[0].key == "big");
  CHECK((*uploads)[0].upload_id == *id);
  // Not an object until completed.
  CHECK(f.store.head_object("bk1", "big").error == S3Error::kNoSuchKey);

  // ETags as clients send them: quoted or not.
  const auto done = f.store.complete_multipart_upload(
      "bk1", "big", *id, {{1, p1->etag}, {2, p2->etag.substr(1, p2->etag.size() - 2)}});
  REQUIRE(done);
  CHECK(done->etag == "\"568bd1f3a3ef4a720453555306037d4b-2\"");  // hand-computed with hashlib
  CHECK(done->size == 13);
  CHECK(done->parts_count == 2);
  CHECK(f.get("big") == std::string(10, 'a') + "bbb");
  const auto head = f.store.head_object("bk1", "big");
  REQUIRE(head);
  CHECK(head->headers == h);
  CHECK(head->etag == done->etag);
  CHECK(f.store.list_objects("bk1", {})->contents.size() == 1);
  // The upload is gone.
  CHECK(f.store.list_multipart_uploads("bk1")->empty());
  CHECK(f.store.list_parts("bk1", "big", *id).error == S3Error::kNoSuchUpload);
  CHECK(f.store.complete_multipart_upload("bk1", "big", *id, {{1, p1->etag}}).error ==
        S3Error::kNoSuchUpload);
}

TEST_CASE("multipart: validation of the completion list") {
  Fixture f;
  const auto id = *f.store.create_multipart_upload("bk1", "big", {});
  const auto p1 = f.part(id, 1, "tiny");  // under the minimum
  const auto p2 = f.part(id, 2, std::string(12, 'x'));
  const auto p3 = f.part(id, 3, "end");
  REQUIRE((p1 && p2 && p3));
  CHECK(f.store.complete_multipart_upload("bk1", "big", id, {{2, p2->etag}, {1, p1->etag}}).error ==
        S3Error::kInvalidPartOrder);
  CHECK(f.store.complete_multipart_upload("bk1", "big", id, {{2, p1->etag}}).error ==
        S3Error::kInvalidPart);
  CHECK(f.store.complete_multipart_upload("bk1", "big", id, {{4, p1->etag}}).error ==
        S3Error::kInvalidPart);
  CHECK(f.store.complete_multipart_upload("bk1", "big", id, {{1, p1->etag}, {3, p3->etag}}).error ==
        S3Error::kEntityTooSmall);
  CHECK(f.store.complete_multipart_upload("bk1", "big", id, {}).error == S3Error::kInvalidRequest);
  CHECK(f.store.complete_multipart_upload("bk1", "other", id, {{2, p2->etag}}).error ==
        S3Error::kNoSuchUpload);
  // A subset of the parts is fine; the last part may be small.
  const auto done =
      f.store.complete_multipart_upload("bk1", "big", id, {{2, p2->etag}, {3, p3->etag}});
  REQUIRE(done);
  CHECK(f.get("big") == std::string(12, 'x') + "end");
}

TEST_CASE("multipart: re-uploading a part replaces it; bad ids and numbers refused") {
  Fixture f;
  const auto id = *f.store.create_multipart_upload("bk1", "big", {});
  REQUIRE(f.part(id, 1, "first"));
  const auto again = f.part(id, 1, "second");
  REQUIRE(again);
  const auto parts = f.store.list_parts("bk1", "big", id);
  REQUIRE(parts->size() == 1);
  CHECK((*parts)[0].etag == again->etag);
  CHECK(f.part(id, 0, "x").error == S3Error::kInvalidArgument);
  CHECK(f.part(id, 10001, "x").error == S3Error::kInvalidArgument);
  CHECK(f.part("../../../etc", 1, "x").error == S3Error::kNoSuchUpload);
  CHECK(f.part(std::string(32, 'f'), 1, "x").error == S3Error::kNoSuchUpload);
  CHECK(f.part(id, 1, "x", "another-key").error == S3Error::kNoSuchUpload);
  CHECK(f.store.create_multipart_upload("nobucket", "k", {}).error == S3Error::kNoSuchBucket);
}

TEST_CASE("multipart: abort drops the parts; a part committed after abort fails") {
  Fixture f;
  const auto id = *f.store.create_multipart_upload("bk1", "big", {});
  REQUIRE(f.part(id, 1, "data"));
  auto late = f.store.begin_upload_part("bk1", "big", id, 2, {});
  REQUIRE(late);
  REQUIRE((*late)->write("late") == S3Error::kNone);
  CHECK(f.store.abort_multipart_upload("bk1", "big", id) == S3Error::kNone);
  CHECK((*late)->commit().error == S3Error::kNoSuchUpload);
  CHECK(f.store.abort_multipart_upload("bk1", "big", id) == S3Error::kNoSuchUpload);
  CHECK(f.store.list_multipart_uploads("bk1")->empty());
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(f.dir / "bk1")) {
    files += e.is_regular_file() && e.path().filename() != "bucket.meta" ? 1 : 0;
  }
  CHECK(files == 0);
}

TEST_CASE("multipart: uploads are listed by key, and survive a restart") {
  Fixture f;
  const auto z = *f.store.create_multipart_upload("bk1", "zeta", {});
  const auto a = *f.store.create_multipart_upload("bk1", "alpha", {});
  REQUIRE(f.part(a, 1, "x", "alpha"));
  ObjectStore::Options o = f.store.options();
  ObjectStore reopened(o);
  const auto uploads = reopened.list_multipart_uploads("bk1");
  REQUIRE(uploads->size() == 2);
  CHECK((*uploads)[0].upload_id == a);
  CHECK((*uploads)[1].upload_id == z);
  CHECK(reopened.list_parts("bk1", "alpha", a)->size() == 1);
}
