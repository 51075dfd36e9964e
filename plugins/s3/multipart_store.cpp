// Multipart uploads of ObjectStore (S3 User Guide, "Uploading and copying objects using multipart
// upload"; API Reference CreateMultipartUpload / UploadPart / CompleteMultipartUpload).
#include <fcntl.h>
#include <algorithm>

#include <cstdio>
#include <tuple>

#include "plugins/s3/bucket_state.hpp"
#include "plugins/s3/names.hpp"
#include "plugins/s3/object_store.hpp"

namespace gh::plugins::s3 {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kUploadMetaFile = "upload.meta";
constexpr int kMaxPartNumber = 10000;
constexpr std::size_t kUploadIdHex = 32;
constexpr std::size_t kCopyBuffer = 1 << 20;

/// Upload ids are ours (32 lower-case hex digits); anything else cannot name an upload, and so
/// can never reach outside uploads/.
bool is_upload_id(std::string_view id) {
  return id.size() == kUploadIdHex && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string part_file_name(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "part-%05d", n);
  return buf;
}

std::optional<ObjectInfo> read_info_at(const fs::path& p) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  return read_object_info(fd.get());
}

std::string strip_quotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

std::optional<std::string> hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace

fs::path ObjectStore::upload_dir(const BucketState& b, std::string_view upload_id) const {
  return b.uploads_dir() / std::string(upload_id);
}

Result<std::string> ObjectStore::create_multipart_upload(std::string_view bucket,
                                                         std::string_view key,
                                                         const ObjectHeaders& headers) {
  auto b = find_bucket(bucket);
  if (!b) return S3Error::kNoSuchBucket;
  if (const S3Error e = validate_key(key); e != S3Error::kNone) return e;
  const std::string id = random_hex(kUploadIdHex / 2);
  ObjectInfo meta;
  meta.key = std::string(key);
  meta.last_modified_ms = now_ms();  // the upload's Initiated time
  meta.headers = headers;
  // The metadata is written in tmp/ and the complete directory renamed into uploads/, so an
  // upload is visible only once it is fully described.
  std::error_code ec;
  const fs::path staging = b->tmp_dir() / ("upload-" + id);
  fs::create_directories(staging, ec);
  if (ec) return S3Error::kInternalError;
  {
    UniqueFd fd(::open((staging / kUploadMetaFile).c_str(),
                       O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid() || write_all(fd.get(), encode_trailer(meta)) ||
        (options_.fsync && fsync_fd(fd.get()))) {
      fs::remove_all(staging, ec);
      return S3Error::kInternalError;
    }
  }
  {
    std::lock_guard lock(b->mu);
    if (b->deleted) return S3Error::kNoSuchBucket;
    fs::rename(staging, upload_dir(*b, id), ec);
  }
  if (ec) {
    fs::remove_all(staging, ec);
    return S3Error::kInternalError;
  }
  sync_dir(b->uploads_dir());
  return id;
}

Result<std::unique_ptr<ObjectWriter>> ObjectStore::begin_upload_part(std::string_view bucket,
                                                                     std::string_view key,
                                                                     std::string_view upload_id,
                                                                     int part_number,
                                                                     PutOptions options) {
  auto b = find_bucket(bucket);
  if (!b) return S3Error::kNoSuchBucket;
  if (!is_upload_id(upload_id)) return S3Error::kNoSuchUpload;
  const auto meta = read_info_at(upload_dir(*b, upload_id) / kUploadMetaFile);
  if (!meta || meta->key != key) return S3Error::kNoSuchUpload;
  if (part_number < 1 || part_number > kMaxPartNumber) return S3Error::kInvalidArgument;
  options.headers = {};  // parts carry no headers of their own
  auto w = make_writer(b, key, std::move(options));
  if (!w) return w;
  (*w)->target_ = ObjectWriter::Target::kPart;
  (*w)->upload_id_ = std::string(upload_id);
  (*w)->part_number_ = part_number;
  return w;
}

Result<ObjectInfo> ObjectStore::upload_part_copy(std::string_view bucket, std::string_view key,
                                                 std::string_view upload_id, int part_number,
                                                 ObjectReader& source, std::uint64_t first,
                                                 std::uint64_t length) {
  if (first > source.info_.size || length > source.info_.size - first) {
    return S3Error::kInvalidRange;
  }
  auto w = begin_upload_part(bucket, key, upload_id, part_number, PutOptions{});
  if (!w) return w.error;
  // The reader keeps the source file open: a concurrent overwrite does not change the copy.
  source.is_range_ = true;
  source.first_ = first;
  source.length_ = length;
  source.pos_ = 0;
  std::string buf(static_cast<std::size_t>(std::min<std::uint64_t>(kCopyBuffer, length)), '\0');
  std::error_code ec;
  while (source.pos_ < source.length_) {
    const std::size_t n = source.read(buf.data(), buf.size(), ec);
    if (ec || n == 0) return S3Error::kInternalError;  // the writer aborts as it goes out of scope
    if (const S3Error e = (*w)->write(std::string_view(buf.data(), n)); e != S3Error::kNone) {
      return e;
    }
  }
  return (*w)->commit();
}

Result<ObjectInfo> ObjectStore::commit_part(ObjectWriter& w, ObjectInfo info) {
  BucketState& b = *w.bucket_;
  const fs::path dir = upload_dir(b, w.upload_id_);
  {
    std::lock_guard lock(b.mu);  // orders against abort and complete
    if (b.deleted) return S3Error::kNoSuchBucket;
    std::error_code ec;
    if (!fs::exists(dir / kUploadMetaFile, ec)) return S3Error::kNoSuchUpload;
    fs::rename(w.temp_path_, dir / part_file_name(w.part_number_), ec);
    if (ec) return S3Error::kInternalError;
  }
  sync_dir(dir);
  return info;
}

Result<std::vector<PartInfo>> ObjectStore::list_parts(std::string_view bucket, std::string_view key,
                                                      std::string_view upload_id) {
  auto b = find_bucket(bucket);
  if (!b) return S3Error::kNoSuchBucket;
  if (!is_upload_id(upload_id)) return S3Error::kNoSuchUpload;
  const fs::path dir = upload_dir(*b, upload_id);
  const auto meta = read_info_at(dir / kUploadMetaFile);
  if (!meta || meta->key != key) return S3Error::kNoSuchUpload;
  std::vector<PartInfo> parts;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() != 10 || name.rfind("part-", 0) != 0) continue;
    const auto info = read_info_at(it->path());
    if (!info) continue;
    parts.push_back(
        PartInfo{std::stoi(name.substr(5)), info->size, info->etag, info->last_modified_ms});
  }
  std::sort(parts.begin(), parts.end(),
            [](const PartInfo& a, const PartInfo& c) { return a.part_number < c.part_number; });
  return parts;
}

Result<ObjectInfo> ObjectStore::complete_multipart_upload(std::string_view bucket,
                                                          std::string_view key,
                                                          std::string_view upload_id,
                                                          const std::vector<CompletedPart>& parts,
                                                          const WriteCondition& condition) {
  auto b = find_bucket(bucket);
  if (!b) return S3Error::kNoSuchBucket;
  if (!is_upload_id(upload_id)) return S3Error::kNoSuchUpload;
  const fs::path dir = upload_dir(*b, upload_id);
  const auto meta = read_info_at(dir / kUploadMetaFile);
  if (!meta || meta->key != key) return S3Error::kNoSuchUpload;
  // S3 answers MalformedXML for an empty part list; InvalidRequest is the closest code we have.
  if (parts.empty()) return S3Error::kInvalidRequest;

  // Open every part first: each fd is a stable snapshot even if the part is re-uploaded now.
  struct Opened {
    UniqueFd fd;
    ObjectInfo info;
  };
  std::vector<Opened> opened;
  std::vector<std::string> md5s;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0 && parts[i].part_number <= parts[i - 1].part_number) {
      return S3Error::kInvalidPartOrder;
    }
    UniqueFd fd(::open((dir / part_file_name(parts[i].part_number)).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return S3Error::kInvalidPart;
    auto info = read_object_info(fd.get());
    if (!info || strip_quotes(info->etag) != strip_quotes(parts[i].etag)) {
      return S3Error::kInvalidPart;
    }
    if (i + 1 < parts.size() && info->size < options_.min_part_size) {
      return S3Error::kEntityTooSmall;
    }
    auto raw = hex_decode(strip_quotes(info->etag));
    if (!raw) return S3Error::kInvalidPart;
    md5s.push_back(std::move(*raw));
    opened.push_back(Opened{std::move(fd), std::move(*info)});
  }

  std::error_code ec;
  fs::path temp;
  UniqueFd out = create_temp_file(b->tmp_dir(), "complete-", temp, ec);
  if (!out.valid()) return S3Error::kInternalError;
  const auto fail = [&] {
    out.reset();
    std::error_code ignored;
    fs::remove(temp, ignored);
    return S3Error::kInternalError;
  };
  std::string buf(kCopyBuffer, '\0');
  std::uint64_t total = 0;
  for (const auto& part : opened) {
    if (copy_range(part.fd.get(), 0, part.info.size, out.get(), buf)) return fail();
    total += part.info.size;
  }
  ObjectInfo info;
  info.key = std::string(key);
  info.size = total;
  info.etag = multipart_etag(md5s);
  info.last_modified_ms = now_ms();
  info.headers = meta->headers;
  info.parts_count = static_cast<std::uint32_t>(parts.size());
  for (const auto& part : opened) info.part_sizes.push_back(part.info.size);
  // Composite (checksum-of-checksums) multipart checksums are not computed yet.
  if (write_all(out.get(), encode_trailer(info)) || (options_.fsync && fsync_fd(out.get()))) {
    return fail();
  }
  out.reset();
  auto r = install_object(*b, temp, std::move(info), condition);
  if (!r) {
    fs::remove(temp, ec);
    return r;
  }
  (void)abort_multipart_upload(bucket, key, upload_id);  // the upload is finished: drop its parts
  return r;
}

S3Error ObjectStore::abort_multipart_upload(std::string_view bucket, std::string_view key,
                                            std::string_view upload_id) {
  auto b = find_bucket(bucket);
  if (!b) return S3Error::kNoSuchBucket;
  if (!is_upload_id(upload_id)) return S3Error::kNoSuchUpload;
  const fs::path dir = upload_dir(*b, upload_id);
  const fs::path trash = b->tmp_dir() / ("aborted-" + std::string(upload_id));
  {
    std::lock_guard lock(b->mu);  // after this, no part commit can land in the upload
    const auto meta = read_info_at(dir / kUploadMetaFile);
    if (!meta || meta->key != key) return S3Error::kNoSuchUpload;
    std::error_code ec;
    fs::rename(dir, trash, ec);
    if (ec) return S3Error::kInternalError;
  }
  std::error_code ec;
  fs::remove_all(trash, ec);
  sync_dir(b->uploads_dir());
  return S3Error::kNone;
}

Result<std::vector<UploadInfo>> ObjectStore::list_multipart_uploads(std::string_view bucket) {
  auto b = find_bucket(bucket);
  if (!b) return S3Error::kNoSuchBucket;
  std::vector<UploadInfo> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(b->uploads_dir(), ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string id = it->path().filename().string();
    if (!is_upload_id(id)) continue;
    const auto meta = read_info_at(it->path() / kUploadMetaFile);
    if (!meta) continue;
    out.push_back(UploadInfo{meta->key, id, meta->last_modified_ms});
  }
  std::sort(out.begin(), out.end(), [](const UploadInfo& a, const UploadInfo& c) {
    return std::tie(a.key, a.initiated_ms, a.upload_id) <
           std::tie(c.key, c.initiated_ms, c.upload_id);
  });
  return out;
}

}  // namespace gh::plugins::s3
