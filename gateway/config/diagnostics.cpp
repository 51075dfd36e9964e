#include "gateway/config/diagnostics.hpp"

#include <algorithm>

namespace gh::config {

std::string Diagnostic::format() const {
  std::string out = where.file.empty() ? std::string("<config>") : where.file;
  if (where.line > 0) {
    out += ':' + std::to_string(where.line);
    if (where.column > 0) out += ':' + std::to_string(where.column);
  }
  out += severity == Severity::kError ? ": error: " : ": warning: ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

void Diagnostics::error(Location where, std::string path, std::string message) {
  // The same subtree may be checked more than once (a route's integration once per stage).
  for (const auto& d : items_) {
    if (d.where.file == where.file && d.where.line == where.line &&
        d.where.column == where.column && d.path == path && d.message == message) {
      return;
    }
  }
  items_.push_back(
      {Diagnostic::Severity::kError, std::move(where), std::move(path), std::move(message)});
  ++errors_;
}

void Diagnostics::warning(Location where, std::string path, std::string message) {
  items_.push_back(
      {Diagnostic::Severity::kWarning, std::move(where), std::move(path), std::move(message)});
}

std::string Diagnostics::format() const {
  std::vector<const Diagnostic*> sorted;
  for (const auto& d : items_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    if (a->where.file != b->where.file) return a->where.file < b->where.file;
    if (a->where.line != b->where.line) return a->where.line < b->where.line;
    return a->where.column < b->where.column;
  });
  std::string out;
  for (const auto* d : sorted) {
    out += d->format();
    out += '\n';
  }
  return out;
}

}  // namespace gh::config
