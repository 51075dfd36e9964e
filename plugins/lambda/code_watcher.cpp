#include "plugins/lambda/code_watcher.hpp"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>

namespace gh::plugins::lambda {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using boost::system::error_code;

namespace {

constexpr auto kQuiet = std::chrono::milliseconds(300);
constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                                IN_MOVED_TO | IN_DELETE_SELF | IN_ATTRIB;

bool skipped(const fs::path& p) {
  auto name = p.filename().string();
  return name == "node_modules" || name == ".git" || name == "__pycache__";
}

}  // namespace

CodeWatcher::CodeWatcher(asio::any_io_executor executor,
                         std::function<void(const std::string&)> on_change)
    : executor_(executor), on_change_(std::move(on_change)), debounce_(executor) {}

CodeWatcher::~CodeWatcher() { close(); }

void CodeWatcher::close() {
  error_code ignored;
  debounce_.cancel();
  if (inotify_) inotify_->close(ignored);
  inotify_.reset();
  watches_.clear();
  roots_.clear();
}

void CodeWatcher::watch(const std::string& name, const std::string& dir) {
  unwatch(name);
  if (!inotify_) {
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      if (!warned_) spdlog::warn("lambda: inotify unavailable; code changes are not noticed");
      warned_ = true;
      return;
    }
    inotify_.emplace(executor_, fd);
    read_events();
  }
  roots_[name] = dir;
  add_tree(name, dir);
}

void CodeWatcher::add_tree(const std::string& name, const std::string& dir) {
  auto add = [&](const std::string& d) {
    int wd = ::inotify_add_watch(inotify_->native_handle(), d.c_str(), kMask);
    if (wd >= 0) watches_[wd] = {name, d};
  };
  add(dir);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    if (skipped(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    add(it->path().string());
  }
}

void CodeWatcher::unwatch(const std::string& name) {
  if (!roots_.erase(name)) return;
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (it->second.first == name) {
      if (inotify_) ::inotify_rm_watch(inotify_->native_handle(), it->first);
      it = watches_.erase(it);
    } else {
      ++it;
    }
  }
  pending_.erase(name);
}

void CodeWatcher::read_events() {
  inotify_->async_wait(asio::posix::stream_descriptor::wait_read, [this](error_code ec) {
    if (ec || !inotify_) return;
    for (;;) {
      ssize_t n = ::read(inotify_->native_handle(), buffer_.data(), buffer_.size());
      if (n <= 0) break;
      for (char* p = buffer_.data(); p < buffer_.data() + n;) {
        auto* event = reinterpret_cast<inotify_event*>(p);
        p += sizeof(inotify_event) + event->len;
        auto it = watches_.find(event->wd);
        if (it == watches_.end()) continue;
        auto [name, dir] = it->second;
        std::string entry = event->len ? std::string(event->name) : std::string();
        if (entry == "node_modules" || entry == "__pycache__" || entry == ".git") continue;
        if (entry.size() > 4 && (entry.ends_with(".pyc") || entry.ends_with(".swp"))) continue;
        if ((event->mask & IN_ISDIR) && (event->mask & (IN_CREATE | IN_MOVED_TO))) {
          add_tree(name, (fs::path(dir) / entry).string());
        }
        if (event->mask & IN_IGNORED) {
          watches_.erase(it);
        }
        pending_.insert(name);
      }
    }
    if (!pending_.empty()) {
      debounce_.expires_after(kQuiet);
      debounce_.async_wait([this](error_code e) {
        if (!e) fire();
      });
    }
    read_events();
  });
}

void CodeWatcher::fire() {
  auto names = std::move(pending_);
  pending_.clear();
  for (const auto& name : names) {
    if (roots_.count(name)) on_change_(name);
  }
}

}  // namespace gh::plugins::lambda
