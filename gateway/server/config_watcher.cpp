#include "gateway/server/config_watcher.hpp"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace gh::server {

namespace asio = boost::asio;

ConfigWatcher::ConfigWatcher(asio::io_context& control, std::string path,
                             std::function<void()> on_change)
    : control_(control),
      path_(std::move(path)),
      on_change_(std::move(on_change)),
      debounce_(control) {}

ConfigWatcher::~ConfigWatcher() { stop(); }

std::optional<std::size_t> ConfigWatcher::content_hash() const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return std::hash<std::string>{}(buf.str());
}

void ConfigWatcher::mark_current() { last_hash_ = content_hash(); }

void ConfigWatcher::start() {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    spdlog::warn("config file watching unavailable (inotify: {}); reload with SIGHUP",
                 std::strerror(errno));
    return;
  }
  std::filesystem::path dir = std::filesystem::absolute(path_).parent_path();
  // The directory, not the file: editors and ConfigMaps replace the file by renaming.
  if (inotify_add_watch(fd, dir.c_str(),
                        IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB) < 0) {
    spdlog::warn("cannot watch {} ({}); reload with SIGHUP", dir.string(), std::strerror(errno));
    ::close(fd);
    return;
  }
  inotify_.emplace(control_, fd);
  mark_current();
  read_events();
}

void ConfigWatcher::stop() {
  boost::system::error_code ignored;
  debounce_.cancel();
  if (inotify_) inotify_->close(ignored);
  inotify_.reset();
}

void ConfigWatcher::read_events() {
  if (!inotify_) return;
  inotify_->async_read_some(asio::buffer(events_),
                            [this](boost::system::error_code ec, std::size_t) {
                              if (ec) return;  // closed
                              // Any event in the directory: check again once things settle.
                              debounce_.expires_after(std::chrono::milliseconds(200));
                              debounce_.async_wait([this](boost::system::error_code wait_ec) {
                                if (!wait_ec) check();
                              });
                              read_events();
                            });
}

void ConfigWatcher::check() {
  auto hash = content_hash();
  if (!hash || hash == last_hash_) return;  // deleted mid-swap, or unchanged
  last_hash_ = hash;
  spdlog::info("config file {} changed; reloading", path_);
  on_change_();
}

}  // namespace gh::server
