#include "plugins/s3/open_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>

namespace gh::plugins::s3 {

OpenFiles::Lease& OpenFiles::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = std::move(o.owner_);
    ino_ = o.ino_;
  }
  return *this;
}

void OpenFiles::Lease::release() noexcept {
  if (!owner_) return;
  owner_->release(ino_);
  owner_.reset();
}

UniqueFd OpenFiles::open_read(const std::filesystem::path& path, Lease& lease) {
  lease.release();
  {
    std::lock_guard lock(mu_);
    ++opening_;
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  const bool ok = fd.valid() && ::fstat(fd.get(), &st) == 0;
  std::lock_guard lock(mu_);
  --opening_;
  if (!ok) return {};
  ++open_[st.st_ino];
  lease.owner_ = shared_from_this();
  lease.ino_ = st.st_ino;
  return fd;
}

bool OpenFiles::unused(ino_t ino) const {
  std::lock_guard lock(mu_);
  return opening_ == 0 && open_.find(ino) == open_.end();
}

std::size_t OpenFiles::open_count() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

void OpenFiles::release(ino_t ino) noexcept {
  std::lock_guard lock(mu_);
  const auto it = open_.find(ino);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

}  // namespace gh::plugins::s3
