#include "gateway/config/yaml_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gh::config {

namespace {

const std::string& empty_string() {
  static const std::string empty;
  return empty;
}

bool identifier_like(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '$';
    if (!ok) return false;
  }
  return true;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      char ca = static_cast<char>(std::tolower(static_cast<unsigned char>(a[i - 1])));
      char cb = static_cast<char>(std::tolower(static_cast<unsigned char>(b[j - 1])));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca == cb ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// YAML plain scalars that look like booleans or numbers are still strings when quoted; the tag
// "!" marks a quoted (non-plain) scalar.
bool is_quoted(const YAML::Node& n) { return n.Tag() == "!"; }

// For a number written in quotes, say so: "got a string" alone does not tell the user why.
std::string quoted_or_kind(const Node& node) {
  if (node.is_scalar()) return "the quoted string '" + node.scalar() + "'";
  return node.kind_name();
}

}  // namespace

// ---------------------------------------------------------------------------------------- Node

Node::Node(YAML::Node node, std::string path, std::shared_ptr<const std::string> file)
    : node_(std::move(node)), path_(std::move(path)), file_(std::move(file)) {}

const std::string& Node::file() const { return file_ ? *file_ : empty_string(); }

Location Node::location() const {
  Location loc = fallback_;
  loc.file = file();
  if (node_.IsDefined()) {
    YAML::Mark m = node_.Mark();
    if (!m.is_null()) {
      loc.line = m.line + 1;
      loc.column = m.column + 1;
    }
  }
  return loc;
}

std::string Node::scalar() const { return is_scalar() ? node_.Scalar() : std::string(); }

std::string Node::kind_name() const {
  if (!node_.IsDefined() || node_.IsNull()) return "null";
  if (node_.IsMap()) return "a mapping";
  if (node_.IsSequence()) return "a list";
  return "a string";
}

Node Node::child(std::string_view key) const {
  std::string child_path = join_path(path_, key);
  if (is_map()) {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) {
        return Node(it->second, std::move(child_path), file_);
      }
    }
  }
  // Absent: an undefined node that still reports the parent's position.
  Node absent(YAML::Node(YAML::NodeType::Undefined), std::move(child_path), file_);
  absent.fallback_ = location();
  return absent;
}

std::vector<std::pair<Node, Node>> Node::entries() const {
  std::vector<std::pair<Node, Node>> out;
  if (!is_map()) return out;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
    std::string child_path = join_path(path_, key);
    out.emplace_back(Node(it->first, child_path, file_), Node(it->second, child_path, file_));
  }
  return out;
}

std::vector<Node> Node::items() const {
  std::vector<Node> out;
  if (!is_sequence()) return out;
  std::size_t i = 0;
  for (auto it = node_.begin(); it != node_.end(); ++it, ++i) {
    out.emplace_back(*it, path_ + "[" + std::to_string(i) + "]", file_);
  }
  return out;
}

// ------------------------------------------------------------------------------------- helpers

std::string join_path(std::string_view base, std::string_view key) {
  std::string out(base);
  if (identifier_like(key)) {
    if (!out.empty()) out += '.';
    out += key;
  } else {
    out += "[\"";
    out += key;
    out += "\"]";
  }
  return out;
}

std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::optional<std::size_t> one_of(std::string_view value, const std::vector<std::string>& names,
                                  const Node& where, std::string_view what, std::string_view hint,
                                  Diagnostics& diags) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == value) return i;
  }
  std::string msg = "unknown " + std::string(what) + " '" + std::string(value) + "'";
  if (!hint.empty()) msg += " (" + std::string(hint) + ")";
  if (auto near = did_you_mean(value, names)) msg += "; did you mean '" + *near + "'?";
  diags.error(where.location(), where.path(), msg);
  return std::nullopt;
}

std::string expand_env(std::string_view text, const Node& where, Diagnostics& diags) {
  static constexpr std::string_view kOpen = "${env:";
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t start = text.find(kOpen, pos);
    if (start == std::string_view::npos) break;
    std::size_t close = text.find('}', start);
    if (close == std::string_view::npos) break;
    out.append(text.substr(pos, start - pos));
    std::string_view spec = text.substr(start + kOpen.size(), close - start - kOpen.size());
    std::string_view name = spec;
    std::optional<std::string_view> fallback;
    if (auto dash = spec.find(":-"); dash != std::string_view::npos) {
      name = spec.substr(0, dash);
      fallback = spec.substr(dash + 2);
    }
    const char* value = name.empty() ? nullptr : std::getenv(std::string(name).c_str());
    // As in the shell and Compose, ":-" also replaces a variable that is set but empty.
    if (value && (*value != '\0' || !fallback)) {
      out.append(value);
    } else if (fallback) {
      out.append(*fallback);
    } else {
      diags.error(where.location(), where.path(),
                  "environment variable '" + std::string(name) + "' is not set (write ${env:" +
                      std::string(name) + ":-default} to give a default)");
    }
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

std::optional<std::string> read_string(const Node& node, Diagnostics& diags) {
  if (!node.is_scalar()) {
    diags.error(node.location(), node.path(), "expected a string, got " + node.kind_name());
    return std::nullopt;
  }
  return expand_env(node.scalar(), node, diags);
}

std::optional<std::int64_t> read_integer(const Node& node, std::int64_t min, std::int64_t max,
                                         Diagnostics& diags) {
  if (!node.is_scalar() || is_quoted(node.yaml())) {
    diags.error(node.location(), node.path(), "expected an integer, got " + quoted_or_kind(node));
    return std::nullopt;
  }
  std::string text = expand_env(node.scalar(), node, diags);
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE) {
    diags.error(node.location(), node.path(), "expected an integer, got '" + text + "'");
    return std::nullopt;
  }
  if (v < min || v > max) {
    diags.error(
        node.location(), node.path(),
        "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + text);
    return std::nullopt;
  }
  return v;
}

std::optional<double> read_number(const Node& node, double min, double max, Diagnostics& diags) {
  if (!node.is_scalar() || is_quoted(node.yaml())) {
    diags.error(node.location(), node.path(), "expected a number, got " + quoted_or_kind(node));
    return std::nullopt;
  }
  std::string text = expand_env(node.scalar(), node, diags);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v)) {
    diags.error(node.location(), node.path(), "expected a number, got '" + text + "'");
    return std::nullopt;
  }
  if (v < min || v > max) {
    std::ostringstream msg;
    msg << "must be between " << min << " and " << max << ", got " << text;
    diags.error(node.location(), node.path(), msg.str());
    return std::nullopt;
  }
  return v;
}

std::optional<bool> read_bool(const Node& node, Diagnostics& diags) {
  if (node.is_scalar() && !is_quoted(node.yaml())) {
    std::string text = expand_env(node.scalar(), node, diags);
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  diags.error(node.location(), node.path(),
              "expected true or false, got " +
                  (node.is_scalar() ? "'" + node.scalar() + "'" : node.kind_name()));
  return std::nullopt;
}

// ----------------------------------------------------------------------------------- MapReader

MapReader::MapReader(Node node, Diagnostics& diags) : node_(std::move(node)), diags_(diags) {
  if (node_.is_null()) return;
  if (!node_.is_map()) {
    diags_.error(node_.location(), node_.path(), "expected a mapping, got " + node_.kind_name());
    ok_ = false;
    return;
  }
  // yaml-cpp keeps duplicate keys and silently answers lookups with the first; report them.
  // (Hash sets throughout: a routes mapping may hold 10,000 keys.)
  std::unordered_set<std::string> seen;
  for (const auto& [key, value] : node_.entries()) {
    if (!key.is_scalar()) {
      diags_.error(key.location(), node_.path(), "mapping keys must be strings");
      continue;
    }
    if (!seen.insert(key.scalar()).second) {
      diags_.error(key.location(), key.path(), "duplicate key '" + key.scalar() + "'");
    }
  }
}

MapReader::~MapReader() {
  if (!finished_) finish();
}

bool MapReader::has(std::string_view key) const { return node_.child(key).defined(); }

void MapReader::allow(std::string_view key) {
  if (known_set_.emplace(key).second) known_.emplace_back(key);
}

Node MapReader::get(std::string_view key) {
  allow(key);
  return node_.child(key);
}

Node MapReader::require(std::string_view key) {
  Node n = get(key);
  if (ok_ && !n.defined()) {
    diags_.error(node_.location(), join_path(node_.path(), key),
                 "missing required key '" + std::string(key) + "'");
  }
  return n;
}

namespace {
// Shared by the typed getters: absent or null optional keys read as nullopt.
template <typename Fn>
auto typed(MapReader& r, std::string_view key, Need need, Fn&& fn)
    -> decltype(fn(std::declval<const Node&>())) {
  Node n = need == Need::kRequired ? r.require(key) : r.get(key);
  if (n.is_null()) return std::nullopt;
  return fn(n);
}
}  // namespace

std::optional<std::string> MapReader::string(std::string_view key, Need need) {
  return typed(*this, key, need, [&](const Node& n) { return read_string(n, diags_); });
}

std::optional<std::int64_t> MapReader::integer(std::string_view key, std::int64_t min,
                                               std::int64_t max, Need need) {
  return typed(*this, key, need, [&](const Node& n) { return read_integer(n, min, max, diags_); });
}

std::optional<double> MapReader::number(std::string_view key, double min, double max, Need need) {
  return typed(*this, key, need, [&](const Node& n) { return read_number(n, min, max, diags_); });
}

std::optional<bool> MapReader::boolean(std::string_view key, Need need) {
  return typed(*this, key, need, [&](const Node& n) { return read_bool(n, diags_); });
}

std::optional<std::vector<std::string>> MapReader::string_list(std::string_view key, Need need) {
  return typed(*this, key, need, [&](const Node& n) -> std::optional<std::vector<std::string>> {
    std::vector<std::string> out;
    if (n.is_scalar()) {
      if (auto s = read_string(n, diags_)) out.push_back(std::move(*s));
      return out;
    }
    if (!n.is_sequence()) {
      diags_.error(n.location(), n.path(), "expected a list of strings, got " + n.kind_name());
      return std::nullopt;
    }
    for (const auto& item : n.items()) {
      if (auto s = read_string(item, diags_)) out.push_back(std::move(*s));
    }
    return out;
  });
}

void MapReader::finish() {
  finished_ = true;
  if (!ok_ || !node_.is_map()) return;
  for (const auto& [key, value] : node_.entries()) {
    if (!key.is_scalar()) continue;
    const std::string& name = key.scalar();
    if (known_set_.count(name)) continue;
    std::string msg = "unknown key '" + name + "'";
    if (auto suggestion = did_you_mean(name, known_))
      msg += "; did you mean '" + *suggestion + "'?";
    diags_.error(key.location(), key.path(), msg);
  }
}

// ------------------------------------------------------------------------------------- loading

std::optional<Node> load_yaml_text(const std::string& text, const std::string& name,
                                   Diagnostics& diags) {
  auto file = std::make_shared<const std::string>(name);
  try {
    YAML::Node root = YAML::Load(text);
    return Node(root, "", file);
  } catch (const YAML::Exception& e) {
    Location loc{name, e.mark.is_null() ? 0 : e.mark.line + 1,
                 e.mark.is_null() ? 0 : e.mark.column + 1};
    diags.error(loc, "", "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

std::optional<Node> load_yaml_file(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error(Location{path, 0, 0}, "", std::string("cannot read file: ") + std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return load_yaml_text(buf.str(), path, diags);
}

}  // namespace gh::config
