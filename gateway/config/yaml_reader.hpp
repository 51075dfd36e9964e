#pragma once
/// Strict YAML reading for config files and plugin factories. A Node is a yaml-cpp node plus its
/// file and key path, so every diagnostic can say where it is. A MapReader reads the keys of one
/// mapping, type-checks them, expands ${env:NAME}, and at finish() reports every key nobody asked
/// for as unknown, with a "did you mean" suggestion.
///
/// Called at startup, on `validate`, and on reload, from one thread at a time. Never throws for
/// bad input: problems become Diagnostics.

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "gateway/config/diagnostics.hpp"

namespace gh::config {

class Node {
 public:
  Node() = default;
  Node(YAML::Node node, std::string path, std::shared_ptr<const std::string> file);

  bool defined() const { return node_.IsDefined(); }
  bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }
  bool is_map() const { return node_.IsDefined() && node_.IsMap(); }
  bool is_sequence() const { return node_.IsDefined() && node_.IsSequence(); }
  bool is_scalar() const { return node_.IsDefined() && node_.IsScalar(); }

  const YAML::Node& yaml() const { return node_; }
  const std::string& path() const { return path_; }
  const std::string& file() const;
  Location location() const;
  /// The raw scalar text (no env expansion). Empty for non-scalars.
  std::string scalar() const;
  /// A short name of the node's kind for messages: "a mapping", "a list", "a string", "null".
  std::string kind_name() const;

  /// Child of a mapping by key (undefined Node when absent); path gets ".key".
  Node child(std::string_view key) const;
  /// Entries of a mapping in document order: (key node, value node).
  std::vector<std::pair<Node, Node>> entries() const;
  /// Items of a sequence in order; path gets "[i]".
  std::vector<Node> items() const;

 private:
  YAML::Node node_;
  std::string path_;
  std::shared_ptr<const std::string> file_;
  Location fallback_;  // where an absent node is reported: its parent mapping
};

/// Appends `key` to a key path: "a.b", or `a["GET /x"]` when the key is not identifier-like.
std::string join_path(std::string_view base, std::string_view key);

/// The closest candidate to `word` (edit distance), if close enough to suggest.
std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates);

/// The index of `value` in `names` (exact match). Otherwise reports at `where`
/// "unknown <what> '<value>' (<hint>); did you mean '<name>'?" (the suggestion when one is close,
/// the parenthesis when `hint` is not empty) and returns nullopt.
std::optional<std::size_t> one_of(std::string_view value, const std::vector<std::string>& names,
                                  const Node& where, std::string_view what, std::string_view hint,
                                  Diagnostics& diags);

/// one_of() for a value named by `name_of`: the element of `values` whose name is `value`.
template <class Values, class NameOf>
auto one_of(std::string_view value, const Values& values, NameOf name_of, const Node& where,
            std::string_view what, std::string_view hint, Diagnostics& diags)
    -> std::optional<std::decay_t<decltype(*std::begin(values))>> {
  std::vector<std::string> names;
  for (const auto& v : values) names.emplace_back(name_of(v));
  std::optional<std::size_t> i = one_of(value, names, where, what, hint, diags);
  if (!i) return std::nullopt;
  return *std::next(std::begin(values), static_cast<std::ptrdiff_t>(*i));
}

/// Expands `${env:NAME}` and `${env:NAME:-default}` in `text`. An unset variable without a
/// default is an error reported at `where`.
std::string expand_env(std::string_view text, const Node& where, Diagnostics& diags);

enum class Need { kOptional, kRequired };

/// Typed scalar reads of a single node (for map values and list items).
std::optional<std::string> read_string(const Node& node, Diagnostics& diags);
std::optional<std::int64_t> read_integer(const Node& node, std::int64_t min, std::int64_t max,
                                         Diagnostics& diags);
std::optional<double> read_number(const Node& node, double min, double max, Diagnostics& diags);
std::optional<bool> read_bool(const Node& node, Diagnostics& diags);

class MapReader {
 public:
  /// `node` must be a mapping; null or absent reads as an empty mapping.
  MapReader(Node node, Diagnostics& diags);
  ~MapReader();
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  const Node& node() const { return node_; }
  /// False when the node was not a mapping (already reported).
  bool ok() const { return ok_; }
  bool has(std::string_view key) const;

  /// The value under `key` (undefined Node when absent); marks the key as known.
  Node get(std::string_view key);
  /// Like get(), but reports a missing key.
  Node require(std::string_view key);
  /// Marks a key as known without reading it (e.g. a key owned by a plugin).
  void allow(std::string_view key);

  std::optional<std::string> string(std::string_view key, Need need = Need::kOptional);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                      Need need = Need::kOptional);
  std::optional<double> number(std::string_view key, double min, double max,
                               Need need = Need::kOptional);
  std::optional<bool> boolean(std::string_view key, Need need = Need::kOptional);
  /// A list of strings; a single string is accepted as a one-element list.
  std::optional<std::vector<std::string>> string_list(std::string_view key,
                                                      Need need = Need::kOptional);

  /// Reports every key not asked for. Called by the destructor if not called before.
  void finish();
  /// Skips the unknown-key report: another reader (a plugin factory) owns the rest of the keys.
  void allow_all_remaining() { finished_ = true; }

 private:
  Node node_;
  Diagnostics& diags_;
  bool ok_ = true;
  bool finished_ = false;
  std::vector<std::string> known_;  // in order asked, for "did you mean"
  std::unordered_set<std::string> known_set_;
};

/// Parses a YAML document from a file; syntax errors are reported with line:col.
std::optional<Node> load_yaml_file(const std::string& path, Diagnostics& diags);
/// Parses YAML text (`name` is used as the file name in diagnostics).
std::optional<Node> load_yaml_text(const std::string& text, const std::string& name,
                                   Diagnostics& diags);

}  // namespace gh::config
