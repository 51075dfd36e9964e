#pragma once
/// RouteTable: the compiled routes of one API, as a trie over path segments. Lookup cost grows
/// with the depth of the request path, not with the number of routes.
///
/// Priority follows API Gateway, per API type (sources in route_table.cpp, match_node):
///  - REST: at each segment a literal beats a {param}, which beats a {greedy+}; the first
///    segment where two routes differ decides ("/a/b/{proxy+}" beats "/a/{x}/c" for "/a/b/c").
///  - HTTP: every full match (path variables included) beats every {greedy+} route; among full
///    matches the REST order above decides; among greedy routes the longest matching prefix
///    wins, then the same order; `$default` comes last.
/// In both, an explicit method beats ANY (and GET does not answer HEAD), and when the most
/// specific path has no route for the method, less specific paths are tried (AWS resolves the
/// resource+method pair). The SlashMode names the API type: kLenient is REST, kExact HTTP.
///
/// Slashes differ by API type (docs/aws-notes-core.md §8): REST ignores trailing slashes and
/// collapses "//", and a greedy value keeps inner "//" but not the trailing slash; HTTP APIs match
/// the path exactly, so "/todos/" does not match "GET /todos" and a greedy value keeps it all.
///
/// Built once per snapshot on one thread; match() is const and thread-safe.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/request_context.hpp"
#include "gateway/routing/route_key.hpp"

namespace gh::routing {

class RouteTable {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  enum class SlashMode {
    kLenient,  // REST APIs
    kExact,    // HTTP APIs
  };

  explicit RouteTable(SlashMode mode = SlashMode::kLenient);
  ~RouteTable();
  RouteTable(RouteTable&&) noexcept;
  RouteTable& operator=(RouteTable&&) noexcept;

  /// Adds a route with the caller's id. Returns why not, if it conflicts with an earlier route
  /// (same method on the same path shape, e.g. "GET /a/{x}" and "GET /a/{y}").
  std::optional<std::string> add(const RouteKey& key, std::size_t id);

  /// The id of the route for `method` and `path` (without stage or base path; as sent for REST,
  /// decoded for HTTP APIs: routing/request_path.hpp), or npos. Fills `params` (the path's
  /// text, not decoded here) when given.
  std::size_t match(std::string_view method, std::string_view path,
                    std::vector<core::PathParam>* params = nullptr) const;

  std::size_t size() const noexcept { return size_; }

  struct Node;  // trie node; defined in route_table.cpp
  struct Leaf;  // a route at a trie position; defined in route_table.cpp

 private:
  std::unique_ptr<Node> root_;
  std::vector<Leaf> leaves_;
  SlashMode mode_;
  std::size_t default_route_ = npos;
  std::string default_route_key_;
  std::size_t size_ = 0;
};

}  // namespace gh::routing
