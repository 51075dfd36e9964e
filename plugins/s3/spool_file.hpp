#pragma once
/// Temporary files for S3 bodies that pass through the gateway without being held in memory:
/// the services endpoint's remote proxy (s3_proxy_api.hpp) spools an upload's payload to one
/// before sending it to the remote, and a large answer from the remote to another before
/// sending it to the client (store and forward; memory per request stays at a few hundred KiB
/// whatever the object's size, up to S3's 5 GiB).
///
/// A SpoolFile has no name from the start (O_TMPFILE; else created and unlinked at once), so
/// nothing is ever left behind: its space is freed when the last descriptor closes, whether the
/// request completed, failed or its connection was cut. It lives in spool_dir(): $TMPDIR, else
/// /tmp. (A /tmp on tmpfs holds the bytes in RAM, outside the process but inside a container's
/// memory limit: point TMPDIR at a disk for large objects.)
///
/// Used on the connection's executor; writes and reads block briefly on local file I/O, as the
/// local S3 API's UploadStream and ReaderSource do (core/body_stream.hpp).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "gateway/core/body_stream.hpp"
#include "gateway/net/http_client.hpp"
#include "plugins/s3/aws_chunked.hpp"

namespace gh::plugins::s3 {

/// S3's largest single PUT and UploadPart (S3 User Guide, "Uploading objects"): 5 GiB.
inline constexpr std::uint64_t kMaxSinglePut = std::uint64_t{5} << 30;

/// Where SpoolFiles are made: $TMPDIR when set, else /tmp.
std::filesystem::path spool_dir();

class SpoolFile {
 public:
  /// An empty file without a name in `dir`; nullptr and `ec` when it cannot be made.
  static std::unique_ptr<SpoolFile> create(const std::filesystem::path& dir, std::error_code& ec);
  ~SpoolFile();
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  int fd() const noexcept { return fd_; }
  /// Bytes appended so far.
  std::uint64_t size() const noexcept { return size_; }
  /// Appends `bytes` (all of them, or fails: ENOSPC, EDQUOT, EFBIG, EIO in `ec`).
  bool append(std::string_view bytes, std::error_code& ec);
  /// Reads up to `n` bytes at `offset` (pread); 0 at the end.
  std::size_t read_at(std::uint64_t offset, char* out, std::size_t n, std::error_code& ec) const;

 private:
  explicit SpoolFile(int fd) : fd_(fd) {}
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

/// S3's answer when a body cannot be spooled (a full disk): 500 InternalError saying why.
S3ErrorReply spool_failure(const std::error_code& ec);

/// A response body from the remote spooled while it is read (net::ResponseSink). The file is
/// made on begin(), so a small answer that stays in memory costs none. After the send, source()
/// serves the body to the client from the file.
class SpoolSink final : public net::ResponseSink {
 public:
  explicit SpoolSink(std::uint64_t max_bytes) : max_bytes_(max_bytes) {}
  std::uint64_t max_bytes() const override { return max_bytes_; }
  bool begin(std::optional<std::uint64_t> length) override;
  bool write(std::string_view bytes) override;

  /// Whether the body came here (begin() was called).
  bool used() const noexcept { return used_; }
  /// Why begin() or write() failed (a full disk), if one did.
  const std::error_code& error() const noexcept { return error_; }
  /// The spooled body, read from its start (sendfile on plain TCP); call once, after the send.
  std::shared_ptr<core::BodySource> source();

 private:
  bool flush();

  std::uint64_t max_bytes_;
  bool used_ = false;
  std::error_code error_;
  std::unique_ptr<SpoolFile> file_;
  std::string pending_;  // pieces gathered into larger file writes
};

}  // namespace gh::plugins::s3
