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

constexpr std::uint32_t kNoLeaf = 0xffffffffu;

// The routes ending at one trie position, by method slot: an index into RouteTable::leaves_,
// or kNoLeaf. 32 bytes, so 10,000 routes stay a few MB.
struct Slots {
  std::array<std::uint32_t, kMethodSlots.size()> leaf;
  Slots() { leaf.fill(kNoLeaf); }

  std::uint32_t pick(std::size_t slot) const {
    if (slot < kAnySlot && leaf[slot] != kNoLeaf) return leaf[slot];
    if (slot <= kAnySlot) return leaf[kAnySlot];
    return kNoLeaf;
  }
};

// A segment of the request path: offset and length into the raw path.
struct Segment {
  std::size_t offset;
  std::size_t length;
};
using Segments = boost::container::small_vector<Segment, 16>;
using Captures = boost::container::small_vector<std::string_view, 8>;

}  // namespace

// One route: its id and the names of the parameters captured on the way (names live here,
// not on the nodes, so "/a/{id}" and "/a/{name}/b" can share a node).
struct RouteTable::Leaf {
  std::size_t id = RouteTable::npos;
  std::string route_key;
  std::vector<std::string> param_names;
};

struct RouteTable::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>> literals;
  std::unique_ptr<Node> param;
  Slots leaves;         // routes ending exactly here
  Slots greedy_leaves;  // routes ending here with a {greedy+} segment
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
  Slots& slots = greedy ? node->greedy_leaves : node->leaves;
  std::uint32_t& slot = slots.leaf[method_slot(key.method)];
  if (slot != kNoLeaf) return "conflicts with route \"" + leaves_[slot].route_key + "\"";
  slot = static_cast<std::uint32_t>(leaves_.size());
  leaves_.push_back(Leaf{id, key.to_string(), std::move(names)});
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
  // HTTP APIs only: the best greedy match seen so far (the deepest; on a tie the first found,
  // which depth-first order makes the most literal one), kept while a full match is looked for.
  bool full_match_first;
  std::uint32_t greedy_leaf = kNoLeaf;
  std::size_t greedy_depth = 0;
  Captures greedy_captures;
};

// Depth-first over literal → param → greedy, so the first leaf found is the most specific at
// the first segment where candidates differ.
//
// REST APIs (full_match_first == false) take that first leaf, greedy or not: "a method request
// against a specific resource takes precedence over a method request against a generic resource
// at the same level of the resource hierarchy" (REST developer guide, "Set up a method request",
// api-gateway-method-settings-method-request.html#api-gateway-proxy-resource). So for
// /a/b/c, /a/b/{proxy+} beats /a/{x}/c.
//
// HTTP APIs (full_match_first == true) rank whole routes: "1. Full match for a route and
// method. 2. Match for a route and method with a greedy path variable ({proxy+}). 3. The
// $default route." (HTTP developer guide, "Routing API requests",
// http-api-develop-routes.html#http-api-develop-routes.evaluation; its example sends
// GET /pets/dog/1 to GET /pets/dog/{id} over GET /pets/{proxy+}). Any full match (path
// variables included) therefore beats every greedy route: the search returns on the first full
// match and only remembers greedy hits. Among greedy routes the most specific one is the one
// with the longest matching prefix (GET /pets/{proxy+} over ANY /{proxy+} in the same example),
// then the literal-first order. The walk visits the same nodes a failed REST lookup does:
// those the request path can reach, never the whole table.
std::uint32_t match_node(const RouteTable::Node* node, std::size_t i, MatchState& st) {
  if (i == st.segments.size()) return node->leaves.pick(st.slot);
  const Segment& seg = st.segments[i];
  std::string_view text = st.path.substr(seg.offset, seg.length);
  if (!node->literals.empty()) {
    if (auto it = node->literals.find(text); it != node->literals.end()) {
      if (auto leaf = match_node(it->second.get(), i + 1, st); leaf != kNoLeaf) return leaf;
    }
  }
  if (node->param && !text.empty()) {
    st.captures.push_back(text);
    if (auto leaf = match_node(node->param.get(), i + 1, st); leaf != kNoLeaf) return leaf;
    st.captures.pop_back();
  }
  if (seg.offset < st.path_end) {
    if (auto leaf = node->greedy_leaves.pick(st.slot); leaf != kNoLeaf) {
      std::string_view rest = st.path.substr(seg.offset, st.path_end - seg.offset);
      if (!st.full_match_first) {
        st.captures.push_back(rest);
        return leaf;
      }
      if (st.greedy_leaf == kNoLeaf || i > st.greedy_depth) {
        st.greedy_leaf = leaf;
        st.greedy_depth = i;
        st.greedy_captures = st.captures;
        st.greedy_captures.push_back(rest);
      }
    }
  }
  return kNoLeaf;
}

}  // namespace

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

  MatchState st{path,    path_end, segments, method_slot(method), {}, mode_ == SlashMode::kExact,
                kNoLeaf, 0,        {}};
  std::uint32_t index = match_node(root_.get(), 0, st);
  if (index == kNoLeaf && st.greedy_leaf != kNoLeaf) {
    index = st.greedy_leaf;
    st.captures = std::move(st.greedy_captures);
  }
  if (params) params->clear();
  if (index == kNoLeaf) return default_route_;
  const Leaf& leaf = leaves_[index];
  if (params) {
    params->reserve(leaf.param_names.size());
    for (std::size_t k = 0; k < leaf.param_names.size() && k < st.captures.size(); ++k) {
      params->push_back({leaf.param_names[k], std::string(st.captures[k])});
    }
  }
  return leaf.id;
}

}  // namespace gh::routing
