#pragma once
/// Thin POSIX file helpers for the S3 store: an owning descriptor, full writes and positional
/// reads that retry on EINTR, fsync of files and directories. Blocking; call off the event loop.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace gh::plugins::s3 {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

std::error_code write_all(int fd, std::string_view bytes) noexcept;
/// Reads up to `n` bytes at `offset`; fewer only at end of file.
std::error_code pread_full(int fd, char* out, std::size_t n, std::uint64_t offset,
                           std::size_t& got) noexcept;
/// Appends `n` bytes of `in` from `offset` to `out` through `buf` (its size is the piece size;
/// not empty); an error also when `in` ends before `n` bytes.
std::error_code copy_range(int in, std::uint64_t offset, std::uint64_t n, int out,
                           std::string& buf) noexcept;
std::error_code fsync_fd(int fd) noexcept;
/// fsync of a directory, so that a rename or unlink inside it is durable.
std::error_code fsync_dir(const std::filesystem::path& dir) noexcept;
/// Creates a new file with O_EXCL in `dir` named `<prefix><random hex>`; `path` receives its name.
UniqueFd create_temp_file(const std::filesystem::path& dir, std::string_view prefix,
                          std::filesystem::path& path, std::error_code& ec);
/// `n` random bytes as lower-case hex.
std::string random_hex(std::size_t n_bytes);

}  // namespace gh::plugins::s3
