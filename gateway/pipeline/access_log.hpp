#pragma once
/// AccessLog: where access-log lines go (stdout, stderr, a file, or nowhere). One line per
/// request, written whole under a lock so lines from different threads never interleave.

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace gh::pipeline {

class AccessLog {
 public:
  /// "stdout", "stderr", "off" or a file path (appended to). Throws std::runtime_error if the
  /// file cannot be opened (startup error).
  static std::shared_ptr<AccessLog> open(const std::string& destination);
  ~AccessLog();

  bool enabled() const noexcept { return file_ != nullptr; }
  const std::string& destination() const noexcept { return destination_; }
  /// Writes `line` plus a newline. Thread-safe.
  void write(std::string_view line);

 private:
  AccessLog(std::string destination, std::FILE* file, bool owned);
  std::string destination_;
  std::FILE* file_;
  bool owned_;
  std::mutex mutex_;
};

}  // namespace gh::pipeline
