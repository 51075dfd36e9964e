#include "gateway/routing/route_table.hpp"

#include <array>
#include <boost/container/small_vector.hpp>
#include <unordered_map>

namespace gh::routing {

namespace {

// Method slots; ANY is the fallback slot.
constexpr std::array<std::string_view, 8> kMethodSlots = {"GET",   "POST", "PUT",     "DELETE",
                                                          "PATCH", "HEAD", "OPTIONS", "ANY"};
constexpr std::size_t kAnySlot = 7;

std::size_t method_slot(std::string_view method) {
  for (std::size_t i = 0; i < kMethodSlots.size(); ++i) {
    if (kMethodSlots[i] == method) return i;
  }
  return kMethodSlots.size();
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

// One route at a trie position: its id and the names of the parameters captured on the way
// (names live here, not on the nodes, so "/a/{id}" and "/a/{name}/b" can share a node).
struct Leaf {
  std::size_t id = RouteTable::npos;
  std::string route_key;
  std::vector<std::string> param_names;
};

using Leaves = std::array<Leaf, kMethodSlots.size()>;

// A segment of the request path: offset and length into the raw path.
struct Segment {
  std::size_t offset;
  std::size_t length;
};
using Segments = boost::container::small_vector<Segment, 16>;
using Captures = boost::container::small_vector<std::string_view, 8>;

}  // namespace

struct RouteTable::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>> literals;
  std::unique_ptr<Node> param;
  Leaves leaves;         // routes ending exactly here
  Leaves greedy_leaves;  // routes ending here with a {greedy+} segment

  static const Leaf* pick(const Leaves& leaves, std::size_t slot) {
    if (slot < kAnySlot && leaves[slot].id != npos) return &leaves[slot];
    if (slot <= kAnySlot && leaves[kAnySlot].id != npos) return &leaves[kAnySlot];
    return nullptr;
  }
};

RouteTable::RouteTable(SlashMode mode) : root_(std::make_unique<Node>()), mode_(mode) {}
RouteTable::~RouteTable() = default;
RouteTable::RouteTable(RouteTable&&) noexcept = default;
RouteTable& RouteTable::operator=(RouteTable&&) noexcept = default;

std::optional<std::string> RouteTable::add(const RouteKey& key, std::size_t id) {
  if (key.is_default) {
    if (default_route_ != npos) return "conflicts with route \"$default\"";
    default_route_ = id;
    default_route_key_ = "$default";
    ++size_;
    return std::nullopt;
  }
  Node* node = root_.get();
  std::vector<std::string> names;
  bool greedy = false;
  for (const auto& seg : key.segments) {
    switch (seg.kind) {
      case PathSegment::Kind::kLiteral: {
        auto& child = node->literals[seg.text];
        if (!child) child = std::make_unique<Node>();
        node = child.get();
        break;
      }
      case PathSegment::Kind::kParam:
        if (!node->param) node->param = std::make_unique<Node>();
        node = node->param.get();
        names.push_back(seg.text);
        break;
      case PathSegment::Kind::kGreedy:
        names.push_back(seg.text);
        greedy = true;
        break;
    }
  }
  Leaves& leaves = greedy ? node->greedy_leaves : node->leaves;
  Leaf& leaf = leaves[method_slot(key.method)];
  if (leaf.id != npos) return "conflicts with route \"" + leaf.route_key + "\"";
  leaf.id = id;
  leaf.route_key = key.to_string();
  leaf.param_names = std::move(names);
  ++size_;
  return std::nullopt;
}

namespace {

struct MatchState {
  std::string_view path;
  std::size_t path_end;  // path length without a trailing slash
  const Segments& segments;
  std::size_t slot;
  Captures captures;
};

}  // namespace

// Depth-first over literal → param → greedy, so the first leaf found is the most specific.
static const Leaf* match_node(const RouteTable::Node* node, std::size_t i, MatchState& st);

std::size_t RouteTable::match(std::string_view method, std::string_view path,
                              std::vector<core::PathParam>* params) const {
  Segments segments;
  std::size_t path_end = path.size();
  if (mode_ == SlashMode::kLenient) {
    for (std::size_t pos = 0; pos < path.size();) {
      if (path[pos] == '/') {
        ++pos;
        continue;
      }
      std::size_t end = path.find('/', pos);
      if (end == std::string_view::npos) end = path.size();
      segments.push_back({pos, end - pos});
      pos = end;
    }
    while (path_end > 0 && path[path_end - 1] == '/') --path_end;
  } else if (path.size() > 1) {
    // Exact: every '/' after the leading one starts a segment, empty ones included.
    for (std::size_t pos = 1;;) {
      std::size_t end = path.find('/', pos);
      if (end == std::string_view::npos) end = path.size();
      segments.push_back({pos, end - pos});
      if (end == path.size()) break;
      pos = end + 1;
    }
  }

  MatchState st{path, path_end, segments, method_slot(method), {}};
  const Leaf* leaf = match_node(root_.get(), 0, st);
  if (!leaf) {
    if (params) params->clear();
    return default_route_;
  }
  if (params) {
    params->clear();
    params->reserve(leaf->param_names.size());
    for (std::size_t k = 0; k < leaf->param_names.size() && k < st.captures.size(); ++k) {
      params->push_back({leaf->param_names[k], std::string(st.captures[k])});
    }
  }
  return leaf->id;
}

static const Leaf* match_node(const RouteTable::Node* node, std::size_t i, MatchState& st) {
  if (i == st.segments.size()) return RouteTable::Node::pick(node->leaves, st.slot);
  const Segment& seg = st.segments[i];
  std::string_view text = st.path.substr(seg.offset, seg.length);
  if (!node->literals.empty()) {
    if (auto it = node->literals.find(text); it != node->literals.end()) {
      if (const Leaf* leaf = match_node(it->second.get(), i + 1, st)) return leaf;
    }
  }
  if (node->param && !text.empty()) {
    st.captures.push_back(text);
    if (const Leaf* leaf = match_node(node->param.get(), i + 1, st)) return leaf;
    st.captures.pop_back();
  }
  if (seg.offset < st.path_end) {
    if (const Leaf* leaf = RouteTable::Node::pick(node->greedy_leaves, st.slot)) {
      st.captures.push_back(st.path.substr(seg.offset, st.path_end - seg.offset));
      return leaf;
    }
  }
  return nullptr;
}

}  // namespace gh::routing
