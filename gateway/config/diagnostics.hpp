#pragma once
/// Config diagnostics: every problem found while loading a config, each with file:line:col and
/// the key path, collected (never thrown one at a time) so `gatehouse validate` lists them all.

#include <string>
#include <vector>

namespace gh::config {

struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based; 0 = unknown
};

struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  Location where;
  std::string path;  // key path, e.g. apis[0].routes["GET /pets"].integration.type
  std::string message;

  /// "file:line:col: error: path: message"
  std::string format() const;
};

class Diagnostics {
 public:
  void error(Location where, std::string path, std::string message);
  void warning(Location where, std::string path, std::string message);

  bool has_errors() const noexcept { return errors_ > 0; }
  std::size_t error_count() const noexcept { return errors_; }
  const std::vector<Diagnostic>& all() const noexcept { return items_; }
  /// All diagnostics, one per line, in file order.
  std::string format() const;

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
};

}  // namespace gh::config
