#pragma once
/// HeaderMap: the gateway's own HTTP header container (Request, Response, upstream calls).
/// Ordered, multi-valued, names compared ASCII case-insensitively; the sender's casing is kept
/// because AWS forwards header names as sent (REST payload 1.0). Linear scans: requests carry a
/// few dozen fields at most and the header-size limit bounds them.

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/util/ascii.hpp"

namespace gh::core {

/// ASCII case-insensitive equality (HTTP field names, methods, media types). Inline: a proxied
/// request compares names some seventy times.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  return util::iequals_ascii(a, b);
}
/// ASCII lower-case copy.
std::string to_lower(std::string_view s);

struct HeaderField {
  std::string name;
  std::string value;
};

class HeaderMap {
 public:
  // Inline room for the headers of a typical request or response: no allocation per message.
  using Fields = boost::container::small_vector<HeaderField, 8>;
  using const_iterator = Fields::const_iterator;
  using iterator = Fields::iterator;

  /// Appends a field (keeps existing ones with the same name).
  void add(std::string name, std::string value);
  /// add() from views: the strings are built in place (parsers, copied fields).
  void add_copy(std::string_view name, std::string_view value);
  /// Replaces every field named `name` with one field (appended if none existed).
  void set(std::string_view name, std::string value);
  /// Removes every field named `name`; returns how many were removed.
  std::size_t erase(std::string_view name);

  /// First value of `name`, or nullptr.
  const std::string* find(std::string_view name) const noexcept;
  bool contains(std::string_view name) const noexcept { return find(name) != nullptr; }
  /// First value of `name`, or `fallback`.
  std::string_view get(std::string_view name, std::string_view fallback = {}) const noexcept;
  /// Every value of `name`, in order.
  std::vector<std::string_view> values(std::string_view name) const;
  /// Every value of `name` joined with `sep` (AWS joins duplicates with ",").
  std::string joined(std::string_view name, std::string_view sep = ",") const;

  const_iterator begin() const noexcept { return fields_.begin(); }
  const_iterator end() const noexcept { return fields_.end(); }
  /// Fields may be renamed or changed in place (order is all a HeaderMap keeps).
  iterator begin() noexcept { return fields_.begin(); }
  iterator end() noexcept { return fields_.end(); }
  /// Removes every field for which `pred(field)` is true.
  template <typename Pred>
  void erase_if(Pred pred) {
    fields_.erase(std::remove_if(fields_.begin(), fields_.end(), pred), fields_.end());
  }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  void reserve(std::size_t n) { fields_.reserve(n); }
  void clear() noexcept { fields_.clear(); }

 private:
  Fields fields_;
};

}  // namespace gh::core
