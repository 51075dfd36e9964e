#include "plugins/s3/spool_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "plugins/s3/operation_support.hpp"

namespace gh::plugins::s3 {

namespace {

/// Appends are gathered to this size: the body arrives in pieces of a few KiB.
constexpr std::size_t kWriteBytes = 256 * 1024;

std::error_code last_error() { return {errno, std::generic_category()}; }

/// The body of a SpoolSink, read from the file it was spooled to.
class SpoolSource final : public core::BodySource {
 public:
  explicit SpoolSource(std::unique_ptr<SpoolFile> file) : file_(std::move(file)) {}
  std::uint64_t size() const override { return file_->size(); }
  std::size_t read(char* out, std::size_t n, std::error_code& ec) override {
    std::size_t got = file_->read_at(offset_, out, n, ec);
    offset_ += got;
    return got;
  }
  FileSpan file() const override { return {file_->fd(), offset_}; }

 private:
  std::unique_ptr<SpoolFile> file_;
  std::uint64_t offset_ = 0;
};

}  // namespace

std::filesystem::path spool_dir() {
  const char* tmpdir = std::getenv("TMPDIR");
  if (tmpdir && *tmpdir) return tmpdir;
  return "/tmp";
}

std::unique_ptr<SpoolFile> SpoolFile::create(const std::filesystem::path& dir,
                                             std::error_code& ec) {
  ec.clear();
  // Without a name from the start: nothing to remove, whatever happens later.
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // A filesystem without O_TMPFILE: a named file, unlinked at once.
    std::string path = (dir / "gatehouse-s3-XXXXXX").string();
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
  }
  if (fd < 0) {
    ec = last_error();
    return nullptr;
  }
  return std::unique_ptr<SpoolFile>(new SpoolFile(fd));
}

SpoolFile::~SpoolFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool SpoolFile::append(std::string_view bytes, std::error_code& ec) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(size_));
    if (n < 0) {
      if (errno == EINTR) continue;
      ec = last_error();
      return false;
    }
    if (n == 0) {
      ec = std::make_error_code(std::errc::no_space_on_device);
      return false;
    }
    size_ += static_cast<std::uint64_t>(n);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::size_t SpoolFile::read_at(std::uint64_t offset, char* out, std::size_t n,
                               std::error_code& ec) const {
  for (;;) {
    const ssize_t got = ::pread(fd_, out, n, static_cast<off_t>(offset));
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) {
      ec = last_error();
      return 0;
    }
  }
}

S3ErrorReply spool_failure(const std::error_code& ec) {
  // S3 has no code of its own for this; the local store answers its I/O failures (a full disk
  // included) as InternalError too (s3_errors.hpp).
  return reply(500, "InternalError",
               "We encountered an internal error. Please try again. (The gateway could not keep "
               "the body in its temporary directory: " +
                   ec.message() + ")");
}

bool SpoolSink::begin(std::optional<std::uint64_t> length) {
  (void)length;
  used_ = true;
  file_ = SpoolFile::create(spool_dir(), error_);
  if (!file_) return false;
  pending_.reserve(kWriteBytes);
  return true;
}

bool SpoolSink::write(std::string_view bytes) {
  if (!file_ || error_) return false;
  if (pending_.size() + bytes.size() < kWriteBytes) {
    pending_.append(bytes);
    return true;
  }
  if (!flush()) return false;
  if (bytes.size() >= kWriteBytes) return file_->append(bytes, error_);
  pending_.append(bytes);
  return true;
}

bool SpoolSink::flush() {
  if (pending_.empty()) return true;
  const bool ok = file_->append(pending_, error_);
  pending_.clear();
  return ok;
}

std::shared_ptr<core::BodySource> SpoolSink::source() {
  if (!file_ || !flush()) return nullptr;
  return std::make_shared<SpoolSource>(std::move(file_));
}

}  // namespace gh::plugins::s3
