#pragma once
/// ConfigWatcher: notices when the config file changes (editors that rewrite in place or rename
/// over it, Kubernetes ConfigMap symlink swaps) with inotify on the file's directory, debounces
/// bursts of events (200 ms), and calls `on_change` only when the file's content really changed.
/// Runs on the control io_context; never on a worker thread.

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <optional>
#include <string>

namespace gh::server {

class ConfigWatcher {
 public:
  ConfigWatcher(boost::asio::io_context& control, std::string path,
                std::function<void()> on_change);
  ~ConfigWatcher();

  /// Starts watching; logs a warning and does nothing if inotify is unavailable.
  void start();
  void stop();
  /// Remembers the current content as "seen" (after a reload from another trigger).
  void mark_current();

 private:
  void read_events();
  void check();
  std::optional<std::size_t> content_hash() const;

  boost::asio::io_context& control_;
  std::string path_;
  std::function<void()> on_change_;
  std::optional<boost::asio::posix::stream_descriptor> inotify_;
  boost::asio::steady_timer debounce_;
  std::array<char, 4096> events_{};
  std::optional<std::size_t> last_hash_;
};

}  // namespace gh::server
