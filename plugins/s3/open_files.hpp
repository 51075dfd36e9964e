#pragma once
/// OpenFiles: which object files this process holds open for reading, by inode, so that the
/// store may rewrite a replaced object's file as its next temporary file only when no reader can
/// still see the old bytes (internal to plugins/s3; see ObjectStore's "Recycled files").
///
/// A reader registers while it opens: `opening` counts the opens between their open(2) and their
/// registration, so a check that finds the inode unregistered and no open in flight is
/// conclusive for every open that resolved the path before the check began.
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "plugins/s3/file_io.hpp"

namespace gh::plugins::s3 {

class OpenFiles : public std::enable_shared_from_this<OpenFiles> {
 public:
  /// Holds one registration; releases it when destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& o) noexcept : owner_(std::move(o.owner_)), ino_(o.ino_) {}
    Lease& operator=(Lease&& o) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { release(); }
    void release() noexcept;

   private:
    friend class OpenFiles;
    std::shared_ptr<OpenFiles> owner_;
    ino_t ino_ = 0;
  };

  static std::shared_ptr<OpenFiles> create() { return std::shared_ptr<OpenFiles>(new OpenFiles); }

  /// Opens `path` read-only; while `lease` lives, the file counts as open.
  UniqueFd open_read(const std::filesystem::path& path, Lease& lease);

  /// True when no lease holds inode `ino` and no open is in flight. The data directory is one
  /// filesystem (renames between its directories must work), so the inode number names a file.
  bool unused(ino_t ino) const;

  /// Registered inodes (tests).
  std::size_t open_count() const;

 private:
  OpenFiles() = default;
  void release(ino_t ino) noexcept;

  mutable std::mutex mu_;
  std::size_t opening_ = 0;
  std::unordered_map<ino_t, std::size_t> open_;
};

}  // namespace gh::plugins::s3
