#include "gateway/pipeline/access_log.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace gh::pipeline {

AccessLog::AccessLog(std::string destination, std::FILE* file, bool owned)
    : destination_(std::move(destination)), file_(file), owned_(owned) {}

AccessLog::~AccessLog() {
  if (owned_ && file_) std::fclose(file_);
}

std::shared_ptr<AccessLog> AccessLog::open(const std::string& destination) {
  if (destination == "off")
    return std::shared_ptr<AccessLog>(new AccessLog(destination, nullptr, false));
  if (destination == "stdout")
    return std::shared_ptr<AccessLog>(new AccessLog(destination, stdout, false));
  if (destination == "stderr")
    return std::shared_ptr<AccessLog>(new AccessLog(destination, stderr, false));
  std::FILE* f = std::fopen(destination.c_str(), "a");
  if (!f) {
    throw std::runtime_error("cannot open access log '" + destination +
                             "': " + std::strerror(errno));
  }
  return std::shared_ptr<AccessLog>(new AccessLog(destination, f, true));
}

void AccessLog::write(std::string_view line) {
  if (!file_) return;
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fputc('\n', file_);
  // One write per line: a reader tailing the log (or a test) sees each request as it finishes.
  std::fflush(file_);
}

}  // namespace gh::pipeline
