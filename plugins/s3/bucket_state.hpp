#pragma once
/// One bucket's in-process state, shared by the store and its writers (internal to plugins/s3).
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "plugins/s3/object_listing.hpp"

namespace gh::plugins::s3 {

struct BucketState {
  std::string name;
  std::filesystem::path dir;
  std::int64_t created_ms = 0;

  /// Guards everything below, and orders renames into objects/ so the index and the disk agree
  /// on which concurrent commit was last.
  std::mutex mu;
  bool deleted = false;
  bool index_loaded = false;
  KeyIndex index;

  /// Replaced objects' files in tmp/, to be rewritten as the next temporary files (see
  /// ObjectStore, "Recycled files"). Guarded by spare_mu, never held with mu.
  struct Spare {
    std::filesystem::path path;
    std::uint64_t bytes = 0;  // its size when kept
  };
  std::mutex spare_mu;
  std::vector<Spare> spares;
  std::uint64_t spare_bytes = 0;

  std::filesystem::path objects_dir() const { return dir / "objects"; }
  std::filesystem::path uploads_dir() const { return dir / "uploads"; }
  std::filesystem::path tmp_dir() const { return dir / "tmp"; }
};

}  // namespace gh::plugins::s3
