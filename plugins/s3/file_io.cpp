#include "plugins/s3/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"

namespace gh::plugins::s3 {

void UniqueFd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::error_code write_all(int fd, std::string_view bytes) noexcept {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return {errno, std::generic_category()};
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

std::error_code pread_full(int fd, char* out, std::size_t n, std::uint64_t offset,
                           std::size_t& got) noexcept {
  got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, out + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return {errno, std::generic_category()};
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return {};
}

std::error_code copy_range(int in, std::uint64_t offset, std::uint64_t n, int out,
                           std::string& buf) noexcept {
  for (std::uint64_t done = 0; done < n;) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), n - done));
    std::size_t got = 0;
    if (auto ec = pread_full(in, buf.data(), want, offset + done, got)) return ec;
    if (got != want) return std::make_error_code(std::errc::io_error);  // shorter than stated
    if (auto ec = write_all(out, std::string_view(buf.data(), got))) return ec;
    done += got;
  }
  return {};
}

std::error_code fsync_fd(int fd) noexcept {
  if (::fsync(fd) != 0) return {errno, std::generic_category()};
  return {};
}

std::error_code fsync_dir(const std::filesystem::path& dir) noexcept {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return {errno, std::generic_category()};
  return fsync_fd(fd.get());
}

std::string random_hex(std::size_t n_bytes) {
  std::vector<unsigned char> b(n_bytes);
  util::random_bytes(b.data(), b.size());
  return util::hex_lower(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

UniqueFd create_temp_file(const std::filesystem::path& dir, std::string_view prefix,
                          std::filesystem::path& path, std::error_code& ec) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    path = dir / (std::string(prefix) + random_hex(12));
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.valid()) {
      ec.clear();
      return fd;
    }
    if (errno != EEXIST) {
      ec = {errno, std::generic_category()};
      return {};
    }
  }
  ec = std::make_error_code(std::errc::file_exists);
  return {};
}

}  // namespace gh::plugins::s3
