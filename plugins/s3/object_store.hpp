#pragma once
/// The local S3 storage layer: buckets as directories under a data directory, objects as single
/// files (body + metadata trailer, see object_metadata.hpp) at hashed paths (see key_path.hpp),
/// multipart uploads as part files. Every call is synchronous and blocking (disk I/O, fsync):
/// the S3 API layer calls it off the event loop. Every method is thread-safe.
///
/// Layout:   <data>/<bucket>/bucket.meta          creation time
///           <data>/<bucket>/objects/<xx>/<sha>   one object (body, trailer, footer)
///           <data>/<bucket>/uploads/<id>/        upload.meta + part-00001 … (same file format)
///           <data>/<bucket>/tmp/                 in-flight writes; emptied when the bucket loads
///           <data>/.tmp, <data>/.trash           bucket creation / deletion staging
/// Bucket names never start with '.', so internal names cannot clash with buckets.
///
/// Durability: writes go to tmp/, are fsync'ed, renamed into place, and the directory is
/// fsync'ed (Options::fsync). A crash leaves either the old object or the new one, never a mix,
/// and at worst a stray temp file that the next load removes.
///
/// Recycled files: an overwrite swaps the new file into place with the old one
/// (renameat2 RENAME_EXCHANGE), so the old object's file lands in tmp/. When no reader has it
/// open (OpenFiles), it becomes the bucket's next temporary file (up to 64 files and 64 MiB
/// per bucket; the next load removes what is left), rewritten from its start and cut to its new
/// length at commit (never truncated to zero: see take_spare): a steady stream of overwrites
/// allocates and frees no inodes (on ext4 without a journal, each new inode skips every inode
/// freed in the last minutes, a cost that grows with the overwrite rate).
/// Filesystems without RENAME_EXCHANGE get a plain rename over the old file.
///
/// Listing: each bucket keeps a sorted in-memory index (key → size, ETag, mtime), built lazily on
/// first use by reading each object's trailer, then maintained by every put/delete under the
/// bucket lock. One ObjectStore per data directory per process: two stores on the same directory
/// would not see each other's index updates.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/s3/checksums.hpp"
#include "plugins/s3/file_io.hpp"
#include "plugins/s3/object_listing.hpp"
#include "plugins/s3/object_metadata.hpp"
#include "plugins/s3/open_files.hpp"
#include "plugins/s3/s3_errors.hpp"

namespace gh::plugins::s3 {

struct BucketState;  // object_store.cpp
class ObjectStore;

struct BucketInfo {
  std::string name;
  std::int64_t created_ms = 0;
};

/// A conditional write (PutObject / CompleteMultipartUpload with If-None-Match or If-Match),
/// checked against the key's current object under the bucket lock the write is installed under,
/// so no concurrent write of the key can come between the check and the write.
struct WriteCondition {
  std::optional<std::string> if_none_match;  // as sent ("*": the key must not exist)
  std::optional<std::string> if_match;       // as sent (ETags; the key must exist)
};

/// What PutObject / UploadPart carry besides the body.
struct PutOptions {
  ObjectHeaders headers;
  ChecksumSet checksums;       // extra checksums to compute and store
  std::string expected_md5;    // raw 16 bytes from Content-MD5 (decoded by the API layer), or empty
  std::string expected_crc32;  // x-amz-checksum-* values as sent (base64), or empty
  std::string expected_crc32c;
  std::string expected_sha256;
  WriteCondition condition;  // PutObject only
};

/// A write in progress: write() chunks as they arrive, then commit() or abort(). Destroying an
/// uncommitted writer aborts it. Not thread-safe (one writer, one producer); different writers run
/// in parallel. Concurrent writers to one key: the last commit wins, whole.
class ObjectWriter {
 public:
  ~ObjectWriter();
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  /// kInternalError on an I/O failure (the writer is then aborted).
  S3Error write(std::string_view chunk);
  /// Expected x-amz-checksum-* values (base64) learnt after the body (aws-chunked trailers);
  /// an empty one leaves what the PutOptions said. Their algorithms must have been computed
  /// from the start (PutOptions::checksums), or commit() answers kBadDigest.
  void expect_checksums(std::string crc32, std::string crc32c, std::string sha256);
  /// Verifies expected digests (kBadDigest), makes the object (or part) visible atomically.
  Result<ObjectInfo> commit();
  void abort() noexcept;
  std::uint64_t bytes_written() const noexcept { return size_; }

 private:
  friend class ObjectStore;
  enum class Target { kObject, kPart };
  ObjectWriter(ObjectStore& store, std::shared_ptr<BucketState> bucket, std::string key,
               PutOptions options, UniqueFd fd, std::filesystem::path temp_path,
               std::uint64_t old_bytes);

  ObjectStore& store_;
  std::shared_ptr<BucketState> bucket_;
  std::string key_;
  PutOptions options_;
  StreamingHasher hasher_;
  UniqueFd fd_;
  std::filesystem::path temp_path_;
  std::uint64_t size_ = 0;
  std::uint64_t old_bytes_ = 0;  // a recycled file's length before this writer: cut at commit
  bool done_ = false;
  Target target_ = Target::kObject;
  std::string upload_id_;  // kPart only
  int part_number_ = 0;    // kPart only
};

/// An inclusive byte range as in `Range: bytes=first-last`, `first-` or `-suffix`.
struct ByteRange {
  std::optional<std::uint64_t> first;
  std::optional<std::uint64_t> last;
  std::optional<std::uint64_t> suffix_length;
};
/// Parses one `bytes=` range; nullopt when the header is not a single valid range (RFC 9110
/// §14.2: an unparseable Range is ignored and the whole object served, as S3 does).
std::optional<ByteRange> parse_range_header(std::string_view header);

/// A consistent snapshot of one object: it keeps the file open, so a concurrent overwrite or
/// delete does not change what it reads. Not thread-safe; reads only the selected range.
class ObjectReader {
 public:
  const ObjectInfo& info() const noexcept { return info_; }
  bool is_range() const noexcept { return is_range_; }
  std::uint64_t range_first() const noexcept { return first_; }
  /// Bytes this reader yields (the Content-Length to send).
  std::uint64_t content_length() const noexcept { return length_; }
  /// Up to `n` bytes; 0 at the end of the range.
  std::size_t read(char* out, std::size_t n, std::error_code& ec) noexcept;
  /// The open object file and the file offset of the next byte read() would give (for
  /// sendfile: the caller sends from there and reads no more through this reader).
  int fd() const noexcept { return fd_.get(); }
  std::uint64_t position() const noexcept { return first_ + pos_; }
  /// Narrows the reader to `range` (before any read): kInvalidRange when the range starts past
  /// the end; a last byte past the end is clipped.
  S3Error select_range(const ByteRange& range);
  /// Narrows the reader to part `number` (1-based; before any read): kInvalidPartNumber past
  /// the last part. An object without part sizes is one part.
  S3Error select_part(std::size_t number);

 private:
  friend class ObjectStore;
  ObjectReader() = default;
  void select(std::uint64_t first, std::uint64_t length) noexcept;
  ObjectInfo info_;
  OpenFiles::Lease lease_;  // declared before fd_: the file closes, then stops counting as open
  UniqueFd fd_;
  bool is_range_ = false;
  std::uint64_t first_ = 0;
  std::uint64_t length_ = 0;
  std::uint64_t pos_ = 0;
};

struct CopyRequest {
  std::string src_bucket, src_key, dst_bucket, dst_key;
  bool replace_metadata = false;  // x-amz-metadata-directive: REPLACE
  ObjectHeaders new_headers;      // used with replace_metadata (its tags are ignored)
  /// x-amz-tagging-directive: REPLACE sets these tags; without it (COPY) the source's are kept.
  std::optional<std::map<std::string, std::string>> new_tags;
};

struct DeleteResult {
  std::string key;
  S3Error error = S3Error::kNone;
};

struct PartInfo {
  int part_number = 0;
  std::uint64_t size = 0;
  std::string etag;
  std::int64_t last_modified_ms = 0;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // as the client sent it; quotes optional
};

struct UploadInfo {
  std::string key;
  std::string upload_id;
  std::int64_t initiated_ms = 0;
};

class ObjectStore {
 public:
  struct Options {
    std::filesystem::path data_dir;
    bool fsync = true;  // off only for throwaway stores (tests, benchmarks of the API layer)
    /// S3: every part but the last is at least 5 MiB (S3 User Guide, "Multipart upload limits").
    std::uint64_t min_part_size = 5ull * 1024 * 1024;
  };

  /// Creates the data directory if needed and finds existing buckets. Throws
  /// std::filesystem::filesystem_error when the directory is unusable (a startup error).
  explicit ObjectStore(Options options);
  ~ObjectStore();
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  const Options& options() const noexcept { return options_; }

  // Buckets.
  S3Error create_bucket(std::string_view name);  // kBucketAlreadyOwnedByYou when it exists
  S3Error head_bucket(std::string_view name);
  /// kBucketNotEmpty while objects exist. In-progress multipart uploads are discarded with the
  /// bucket (UNVERIFIED whether S3 refuses instead).
  S3Error delete_bucket(std::string_view name);
  std::vector<BucketInfo> list_buckets();  // sorted by name

  // Objects.
  Result<std::unique_ptr<ObjectWriter>> begin_put(std::string_view bucket, std::string_view key,
                                                  PutOptions options);
  /// The whole object, or `range` of it (kInvalidRange when it starts past the end; see
  /// ObjectReader::select_range(), which also narrows a reader later).
  Result<std::unique_ptr<ObjectReader>> get_object(std::string_view bucket, std::string_view key,
                                                   std::optional<ByteRange> range = {});
  Result<ObjectInfo> head_object(std::string_view bucket, std::string_view key);
  /// Idempotent: deleting a missing key succeeds (S3 answers 204 either way).
  S3Error delete_object(std::string_view bucket, std::string_view key);
  Result<std::vector<DeleteResult>> delete_objects(std::string_view bucket,
                                                   const std::vector<std::string>& keys);
  /// CopyObject: a new object (new Last-Modified) with the source's body; headers copied or
  /// replaced. Copying onto itself without REPLACE is kInvalidRequest, as S3.
  Result<ObjectInfo> copy_object(const CopyRequest& request);
  Result<ListPage> list_objects(std::string_view bucket, const ListQuery& query);
  /// PutObjectTagging / DeleteObjectTagging (empty `tags`): the object keeps its body,
  /// metadata, ETag and Last-Modified; only its tag set changes. The object file is rewritten
  /// whole into tmp/ and renamed over the old one (as every write: never a half object), and
  /// only if no other write replaced the object meanwhile (else it starts again from the newer
  /// object). Costs a copy of the body.
  Result<ObjectInfo> put_object_tags(std::string_view bucket, std::string_view key,
                                     std::map<std::string, std::string> tags);
  /// Recycled files the bucket keeps in tmp/ for its next writes (tests, diagnostics).
  std::size_t spare_files(std::string_view bucket);

  // Multipart uploads (multipart_store.cpp).
  Result<std::string> create_multipart_upload(std::string_view bucket, std::string_view key,
                                              const ObjectHeaders& headers);
  /// Part numbers 1–10000; re-uploading a part number replaces it.
  Result<std::unique_ptr<ObjectWriter>> begin_upload_part(std::string_view bucket,
                                                          std::string_view key,
                                                          std::string_view upload_id,
                                                          int part_number, PutOptions options);
  /// UploadPartCopy: part `part_number` of the upload becomes the `length` bytes of `source`
  /// that start at `first` (the caller checked first + length <= source.info().size), read from
  /// the reader's snapshot in 1 MiB chunks, never whole. Repositions `source`.
  Result<ObjectInfo> upload_part_copy(std::string_view bucket, std::string_view key,
                                      std::string_view upload_id, int part_number,
                                      ObjectReader& source, std::uint64_t first,
                                      std::uint64_t length);
  Result<std::vector<PartInfo>> list_parts(std::string_view bucket, std::string_view key,
                                           std::string_view upload_id);
  /// kPreconditionFailed / kNoSuchKey when `condition` does not hold (the upload stays).
  Result<ObjectInfo> complete_multipart_upload(std::string_view bucket, std::string_view key,
                                               std::string_view upload_id,
                                               const std::vector<CompletedPart>& parts,
                                               const WriteCondition& condition = {});
  S3Error abort_multipart_upload(std::string_view bucket, std::string_view key,
                                 std::string_view upload_id);
  /// Sorted by key, then initiation time.
  Result<std::vector<UploadInfo>> list_multipart_uploads(std::string_view bucket);

 private:
  friend class ObjectWriter;
  std::shared_ptr<BucketState> find_bucket(std::string_view name);
  /// Loads the index if needed; the caller holds bucket->mu.
  void ensure_index_locked(BucketState& bucket);
  Result<std::unique_ptr<ObjectWriter>> make_writer(std::shared_ptr<BucketState> bucket,
                                                    std::string_view key, PutOptions options);
  /// Renames a complete, fsync'ed object file from tmp/ into place and indexes it, when
  /// `condition` holds (else kPreconditionFailed, or kNoSuchKey for If-Match on no object).
  Result<ObjectInfo> install_object(BucketState& bucket, const std::filesystem::path& temp,
                                    ObjectInfo info, const WriteCondition& condition = {});
  Result<ObjectInfo> commit_part(ObjectWriter& writer, ObjectInfo info);
  std::filesystem::path upload_dir(const BucketState& bucket, std::string_view upload_id) const;
  void sync_dir(const std::filesystem::path& dir) const;
  /// A recycled file of the bucket's tmp/, open for writing at its start, or an invalid fd.
  /// It is not truncated: `bytes` says how long it is, and the writer overwrites it and cuts
  /// it to its new length at commit. (ext4 flushes a file truncated to zero when it is closed,
  /// its auto_da_alloc heuristic: with O_TRUNC every recycled PUT started a disk write in
  /// close(), even with fsync off.) With fsync on, the new bytes are on disk before the file
  /// takes the key's name; with fsync off, a machine crash can leave the name on a file still
  /// holding some of the earlier object's bytes (config/README.md says so).
  UniqueFd take_spare(BucketState& bucket, std::filesystem::path& path, std::uint64_t& bytes);
  /// `path` (in tmp/) holds a replaced object: keep it as a spare when unused, else remove it.
  void recycle(BucketState& bucket, const std::filesystem::path& path);
  struct OpenedObject;
  std::optional<OpenedObject> open_object(const BucketState& bucket, std::string_view key);

  Options options_;
  std::shared_ptr<OpenFiles> open_files_ = OpenFiles::create();
  std::mutex mu_;  // guards buckets_
  std::map<std::string, std::shared_ptr<BucketState>, std::less<>> buckets_;
};

/// Current time in Unix epoch milliseconds (object Last-Modified, bucket creation).
std::int64_t now_ms();
/// Reads an object file's trailer: nullopt when the file is not a complete object.
std::optional<ObjectInfo> read_object_info(int fd);

}  // namespace gh::plugins::s3
