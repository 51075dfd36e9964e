#pragma once
/// CodeWatcher: notices changes under each watched function's codeUri (inotify on every
/// directory, new subdirectories included; node_modules, .git and __pycache__ skipped) and,
/// once a burst of changes has been quiet for 300 ms, calls on_change(function name) — an
/// editor's save or a build writing many files recycles the function's instances once.
///
/// Runs on the Lambda service's thread. Without inotify it logs a warning and does nothing.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gh::plugins::lambda {

class CodeWatcher {
 public:
  CodeWatcher(boost::asio::any_io_executor executor, std::function<void(const std::string&)> on_change);
  ~CodeWatcher();

  /// Watches `dir` for function `name` (replacing what was watched for it).
  void watch(const std::string& name, const std::string& dir);
  void unwatch(const std::string& name);
  void close();

 private:
  void add_tree(const std::string& name, const std::string& dir);
  void read_events();
  void fire();

  boost::asio::any_io_executor executor_;
  std::function<void(const std::string&)> on_change_;
  std::optional<boost::asio::posix::stream_descriptor> inotify_;
  std::map<int, std::pair<std::string, std::string>> watches_;  // wd → (function, dir)
  std::map<std::string, std::string> roots_;                   // function → codeUri
  std::set<std::string> pending_;
  boost::asio::steady_timer debounce_;
  std::vector<char> buffer_ = std::vector<char>(64 * 1024);
  bool warned_ = false;
};

}  // namespace gh::plugins::lambda
