// S3 storage helpers: bucket-name and key rules, Range parsing, checksums and ETag forms, the
// metadata trailer round trip, and the key→path encoding's confinement.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "plugins/s3/checksums.hpp"
#include "plugins/s3/key_path.hpp"
#include "plugins/s3/names.hpp"
#include "plugins/s3/object_metadata.hpp"
#include "plugins/s3/object_store.hpp"

using namespace gh::plugins::s3;

TEST_CASE("bucket names follow S3's general purpose naming rules") {
  for (const char* ok : {"abc", "my-bucket", "my.bucket.1", "a1b", "123"}) {
    CHECK_MESSAGE(is_valid_bucket_name(ok), ok);
  }
  CHECK(is_valid_bucket_name(std::string(63, 'a')));
  {}
  for (const char* bad : {"ab", "My-Bucket", "-abc", "abc-", ".abc", "abc.", "a..b", "a_b",
                          "192.168.5.4", "xn--abc", "sthree-x", "amzn-s3-demo-x", "abc-s3alias",
                          "abc--ol-s3", "abc.mrap", "abc--x-s3", "abc--table-s3", "a b c", ""}) {
    CHECK_MESSAGE(!is_valid_bucket_name(bad), bad);
  }
  CHECK(!is_valid_bucket_name(std::string(64, 'a')));
  CHECK(is_valid_bucket_name("1.2.3.4a"));  // not an IP address
}

TEST_CASE("keys: 1..1024 bytes of UTF-8 without NUL") {
  CHECK(validate_key("a") == S3Error::kNone);
  CHECK(validate_key("../../etc/passwd") == S3Error::kNone);  // legal in S3, stored safely
  CHECK(validate_key("d\xC3\xA9j\xC3\xA0/\xE2\x82\xAC/\xF0\x9F\x98\x80") == S3Error::kNone);
  CHECK(validate_key(std::string(1024, 'k')) == S3Error::kNone);
  CHECK(validate_key(std::string(1025, 'k')) == S3Error::kKeyTooLongError);
  CHECK(validate_key("") == S3Error::kInvalidArgument);
  CHECK(validate_key(std::string("a\0b", 3)) == S3Error::kInvalidArgument);
  CHECK(validate_key("\xC3") == S3Error::kInvalidArgument);          // truncated
  CHECK(validate_key("\xC0\xAF") == S3Error::kInvalidArgument);      // overlong '/'
  CHECK(validate_key("\xED\xA0\x80") == S3Error::kInvalidArgument);  // surrogate
  CHECK(validate_key("\xFF") == S3Error::kInvalidArgument);
}

TEST_CASE("error codes and statuses as S3 names them") {
  CHECK(error_code(S3Error::kNoSuchKey) == "NoSuchKey");
  CHECK(http_status(S3Error::kNoSuchKey) == 404);
  CHECK(error_code(S3Error::kBucketNotEmpty) == "BucketNotEmpty");
  CHECK(http_status(S3Error::kBucketNotEmpty) == 409);
  CHECK(http_status(S3Error::kInvalidRange) == 416);
  CHECK(http_status(S3Error::kBadDigest) == 400);
  CHECK(http_status(S3Error::kInternalError) == 500);
}

TEST_CASE("Range headers: first-last, first-, -suffix; anything else ignored") {
  auto r = parse_range_header("bytes=0-9");
  REQUIRE(r);
  CHECK(*r->first == 0);
  CHECK(*r->last == 9);
  r = parse_range_header("bytes=5-");
  REQUIRE(r);
  CHECK(*r->first == 5);
  CHECK(!r->last);
  r = parse_range_header("bytes=-3");
  REQUIRE(r);
  CHECK(*r->suffix_length == 3);
  for (const char* bad :
       {"bytes=9-5", "bytes=a-b", "items=0-1", "bytes=0-1,3-4", "bytes=-", "0-1"}) {
    CHECK_MESSAGE(!parse_range_header(bad), bad);
  }
}

TEST_CASE("checksums: MD5 ETag; multipart ETag") {
  StreamingHasher h(ChecksumSet{true, true, true});
  h.update("hello ");
  h.update("world");
  const Digests d = h.finish();
  CHECK(single_part_etag(d.md5) == "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
  CHECK(d.crc32 == "DUoRhQ==");
  CHECK(d.sha256 == "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=");
  CHECK(d.crc32c.size() == 8);

  // md5(md5("a"*10) || md5("b"*3)) computed with Python's hashlib.
  StreamingHasher a(ChecksumSet{}), b(ChecksumSet{});
  a.update(std::string(10, 'a'));
  b.update(std::string(3, 'b'));
  CHECK(multipart_etag({a.finish().md5, b.finish().md5}) ==
        "\"568bd1f3a3ef4a720453555306037d4b-2\"");
}

TEST_CASE("metadata trailer round trip") {
  ObjectInfo in;
  in.key = "dir/\xE2\x82\xAC.txt";
  in.size = 0;
  in.etag = "\"abc\"";
  in.last_modified_ms = 1700000000123;
  in.headers.content_type = "text/plain";
  in.headers.cache_control = "no-cache";
  in.headers.user_metadata = {{"colour", "blue"}, {"empty", ""}};
  in.checksum_crc32 = "DUoRhQ==";
  in.parts_count = 3;
  const std::string enc = encode_trailer(in);
  const auto len = decode_footer(std::string_view(enc).substr(enc.size() - kFooterBytes));
  REQUIRE(len);
  const auto out = decode_trailer(std::string_view(enc).substr(0, *len));
  REQUIRE(out);
  CHECK(out->key == in.key);
  CHECK(out->etag == in.etag);
  CHECK(out->last_modified_ms == in.last_modified_ms);
  CHECK(out->headers == in.headers);
  CHECK(out->checksum_crc32 == in.checksum_crc32);
  CHECK(out->parts_count == 3);
  CHECK(!decode_trailer(std::string_view(enc).substr(0, *len - 1)));  // truncated
  CHECK(!decode_footer("0123456789abcdef"));
}

TEST_CASE("metadata trailer round trip with tags, and an untagged (older) trailer") {
  ObjectInfo in;
  in.key = "k";
  in.size = 0;
  in.etag = "\"abc\"";
  in.headers.user_metadata = {{"tag:x", "meta, not a tag"}};
  in.headers.tags = {{"project", "blue"}, {"empty", ""}, {"a b/c:d@e", "\xC3\xA9t\xC3\xA9"}};
  const std::string enc = encode_trailer(in);
  const auto len = decode_footer(std::string_view(enc).substr(enc.size() - kFooterBytes));
  REQUIRE(len);
  const auto out = decode_trailer(std::string_view(enc).substr(0, *len));
  REQUIRE(out);
  CHECK(out->headers.tags == in.headers.tags);
  CHECK(out->headers.user_metadata == in.headers.user_metadata);
  CHECK(out->headers == in.headers);

  in.headers.tags.clear();  // what an object stored before tags were kept holds
  const std::string old = encode_trailer(in);
  const auto old_len = decode_footer(std::string_view(old).substr(old.size() - kFooterBytes));
  REQUIRE(old_len);
  const auto untagged = decode_trailer(std::string_view(old).substr(0, *old_len));
  REQUIRE(untagged);
  CHECK(untagged->headers.tags.empty());
}

TEST_CASE("every key maps to a fixed-size hashed path inside objects/") {
  const std::vector<std::string> keys = {
      "../../etc/passwd",     "a/../b", "upload.meta", "bucket.meta", "/",
      std::string(1024, '/'), ".."};
  for (const auto& key : keys) {
    const auto p = key_relative_path(key);
    CHECK(p.begin()->string() == "objects");
    CHECK(std::distance(p.begin(), p.end()) == 3);
    CHECK(p.filename().string().size() == 64);
    for (const auto& part : p) CHECK(part.string() != "..");
  }
  CHECK(key_relative_path("a") != key_relative_path("A"));
}
