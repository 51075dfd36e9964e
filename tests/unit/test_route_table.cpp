// RouteTable: AWS match priority, method fall-through, slash handling per API type, conflicts.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/routing/route_table.hpp"

namespace {

using gh::core::PathParam;
using gh::routing::RouteTable;
using Mode = gh::routing::RouteTable::SlashMode;

// A table plus the route keys by id, so matches read as route keys.
struct Routes {
  RouteTable table;
  std::vector<std::string> keys;

  explicit Routes(Mode mode, std::initializer_list<const char*> route_keys = {}) : table(mode) {
    for (const char* k : route_keys) add(k);
  }

  void add(const std::string& text) {
    auto parsed = gh::routing::parse_route_key(text);
    REQUIRE_MESSAGE(parsed.key.has_value(), text);
    auto conflict = table.add(*parsed.key, keys.size());
    REQUIRE_MESSAGE(!conflict.has_value(), text);
    keys.push_back(text);
  }

  // "GET /pets/{id} id=7", or "none". Parameters in capture order.
  std::string match(std::string_view method, std::string_view path) const {
    std::vector<PathParam> params{{"stale", "value"}};
    std::size_t id = table.match(method, path, &params);
    if (id == RouteTable::npos) {
      CHECK(params.empty());
      return "none";
    }
    std::string out = keys.at(id);
    for (const auto& p : params) out += " " + p.name + "=" + p.value;
    return out;
  }
};

struct MatchCase {
  const char* method;
  const char* path;
  const char* expected;
};

void check_all(const Routes& routes, std::initializer_list<MatchCase> cases) {
  for (const auto& c : cases) {
    CAPTURE(c.method);
    CAPTURE(c.path);
    CHECK(routes.match(c.method, c.path) == c.expected);
  }
}

}  // namespace

TEST_CASE("route table: literal > param > greedy, explicit method > ANY (both modes)") {
  for (Mode mode : {Mode::kLenient, Mode::kExact}) {
    CAPTURE(mode == Mode::kLenient ? "lenient" : "exact");
    Routes routes(mode, {"GET /pets", "GET /pets/mine", "GET /pets/{id}", "POST /pets/{id}",
                         "GET /pets/{id}/{rest+}", "ANY /pets/{id}/toys", "GET /pets/{id}/toys",
                         "ANY /{proxy+}"});
    check_all(routes, {
                          {"GET", "/pets", "GET /pets"},
                          {"GET", "/pets/mine", "GET /pets/mine"},
                          {"GET", "/pets/7", "GET /pets/{id} id=7"},
                          {"POST", "/pets/7", "POST /pets/{id} id=7"},
                          // the literal has no POST: the {id} sibling answers
                          {"POST", "/pets/mine", "POST /pets/{id} id=mine"},
                          // neither the literal nor {id} has PUT: the root greedy ANY answers
                          {"PUT", "/pets/mine", "ANY /{proxy+} proxy=pets/mine"},
                          {"DELETE", "/pets/7", "ANY /{proxy+} proxy=pets/7"},
                          {"GET", "/pets/7/toys", "GET /pets/{id}/toys id=7"},
                          {"DELETE", "/pets/7/toys", "ANY /pets/{id}/toys id=7"},
                          {"HEAD", "/pets/7/toys", "ANY /pets/{id}/toys id=7"},
                          {"GET", "/pets/7/a/b", "GET /pets/{id}/{rest+} id=7 rest=a/b"},
                          {"GET", "/pets/7/toys/x", "GET /pets/{id}/{rest+} id=7 rest=toys/x"},
                          {"POST", "/pets/7/a", "ANY /{proxy+} proxy=pets/7/a"},
                          {"GET", "/other", "ANY /{proxy+} proxy=other"},
                          {"OPTIONS", "/pets", "ANY /{proxy+} proxy=pets"},
                          // greedy needs at least one segment; nothing answers "/"
                          {"GET", "/", "none"},
                          // HTTP methods are case-sensitive; AWS knows only upper case
                          {"get", "/pets", "none"},
                      });
  }
}

TEST_CASE("route table: GET does not answer HEAD; ANY does") {
  Routes get_only(Mode::kLenient, {"GET /pets", "GET /pets/{id}"});
  check_all(get_only, {
                          {"HEAD", "/pets", "none"},
                          {"HEAD", "/pets/1", "none"},
                          {"GET", "/pets/1", "GET /pets/{id} id=1"},
                      });
  Routes with_any(Mode::kExact, {"GET /pets", "ANY /pets"});
  check_all(with_any, {
                          {"GET", "/pets", "GET /pets"},
                          {"HEAD", "/pets", "ANY /pets"},
                          {"PATCH", "/pets", "ANY /pets"},
                      });
}

TEST_CASE("route table: method fall-through to a less specific path (AWS examples)") {
  // docs/aws-notes-core.md §8: GET /pets/1 with only POST /pets/{id} and ANY /{proxy+}.
  Routes http(Mode::kExact, {"POST /pets/{id}", "ANY /{proxy+}"});
  check_all(http, {
                      {"GET", "/pets/1", "ANY /{proxy+} proxy=pets/1"},
                      {"POST", "/pets/1", "POST /pets/{id} id=1"},
                  });

  // ministack#1423: POST /jobs/reboot with only GET /jobs/{operation_type} → /{proxy+}.
  Routes jobs(Mode::kLenient, {"GET /jobs/{operation_type}", "ANY /{proxy+}"});
  check_all(jobs, {
                      {"POST", "/jobs/reboot", "ANY /{proxy+} proxy=jobs/reboot"},
                      {"GET", "/jobs/reboot", "GET /jobs/{operation_type} operation_type=reboot"},
                  });

  // floci#3399: literal /users/me has only PATCH; GET goes to /users/{userId}; POST nowhere.
  Routes users(Mode::kLenient, {"PATCH /users/me", "GET /users/{userId}", "ANY /things/{proxy+}",
                                "GET /things/real"});
  check_all(users, {
                       {"GET", "/users/me", "GET /users/{userId} userId=me"},
                       {"PATCH", "/users/me", "PATCH /users/me"},
                       {"POST", "/users/me", "none"},
                       {"POST", "/things/real", "ANY /things/{proxy+} proxy=real"},
                       {"GET", "/things/real", "GET /things/real"},
                   });
}

TEST_CASE("route table: backtracking keeps only the winning branch's parameters") {
  Routes routes(Mode::kLenient, {"GET /a/b/c", "GET /a/{x}/d", "GET /{y}/b/e", "GET /{p}/{q}/{r}"});
  check_all(routes, {
                        {"GET", "/a/b/c", "GET /a/b/c"},
                        {"GET", "/a/b/d", "GET /a/{x}/d x=b"},
                        {"GET", "/a/b/e", "GET /{y}/b/e y=a"},
                        {"GET", "/a/b/f", "GET /{p}/{q}/{r} p=a q=b r=f"},
                        {"GET", "/a/b", "none"},
                    });
}

TEST_CASE("route table: param beats greedy at the same level; deeper greedy beats shallower") {
  Routes routes(Mode::kExact, {"GET /a/{x}", "GET /a/{p+}", "ANY /{proxy+}", "GET /a/{x}/{y}"});
  check_all(routes, {
                        {"GET", "/a/1", "GET /a/{x} x=1"},
                        {"GET", "/a/1/2", "GET /a/{x}/{y} x=1 y=2"},
                        {"GET", "/a/1/2/3", "GET /a/{p+} p=1/2/3"},
                        {"POST", "/a/1", "ANY /{proxy+} proxy=a/1"},
                        {"GET", "/b/1", "ANY /{proxy+} proxy=b/1"},
                        {"GET", "/a", "ANY /{proxy+} proxy=a"},
                    });
}

TEST_CASE("route table: HTTP APIs: a full match beats every greedy route (AWS route evaluation)") {
  // The example of the HTTP API guide, "Routing API requests" (http-api-develop-routes.html).
  Routes aws(Mode::kExact,
             {"GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default"});
  check_all(aws, {
                     {"GET", "/pets/dog/1", "GET /pets/dog/{id} id=1"},
                     {"GET", "/pets/cat/1", "GET /pets/{proxy+} proxy=cat/1"},
                     {"POST", "/test/5", "ANY /{proxy+} proxy=test/5"},
                     {"GET", "/", "$default"},
                 });
  // A full match through path variables beats a greedy route with a longer literal prefix.
  Routes pets(Mode::kExact, {"ANY /pets/{proxy+}", "GET /{a}/{b}"});
  check_all(pets, {
                      {"GET", "/pets/x", "GET /{a}/{b} a=pets b=x"},
                      {"POST", "/pets/x", "ANY /pets/{proxy+} proxy=x"},
                      {"GET", "/pets/x/y", "ANY /pets/{proxy+} proxy=x/y"},
                  });
  Routes abc(Mode::kExact, {"GET /a/b/{proxy+}", "GET /a/{x}/c"});
  check_all(abc, {
                     {"GET", "/a/b/c", "GET /a/{x}/c x=b"},
                     {"GET", "/a/b/d", "GET /a/b/{proxy+} proxy=d"},
                     {"GET", "/a/b/c/d", "GET /a/b/{proxy+} proxy=c/d"},
                 });
  // Whatever the method of either: an ANY full match beats a GET greedy route.
  Routes any_full(Mode::kExact, {"ANY /{a}/{b}", "GET /pets/{proxy+}"});
  check_all(any_full, {
                          {"GET", "/pets/x", "ANY /{a}/{b} a=pets b=x"},
                          {"GET", "/pets/x/y", "GET /pets/{proxy+} proxy=x/y"},
                      });
  // The greedy hit seen first does not leak its captures into the full match found later.
  Routes later(Mode::kExact, {"GET /a/b/{p+}", "GET /{x}/{y}/c", "$default"});
  check_all(later, {
                       {"GET", "/a/b/c", "GET /{x}/{y}/c x=a y=b"},
                       {"GET", "/a/b/d", "GET /a/b/{p+} p=d"},
                       {"GET", "/a/b", "$default"},
                   });
  // Among full matches the literal-first order still decides.
  Routes full(Mode::kExact, {"GET /{a}/b", "GET /x/{c}", "GET /{d}/{e}"});
  check_all(full, {
                      {"GET", "/x/b", "GET /x/{c} c=b"},
                      {"GET", "/y/b", "GET /{a}/b a=y"},
                      {"GET", "/y/z", "GET /{d}/{e} d=y e=z"},
                  });
}

TEST_CASE("route table: HTTP APIs: among greedy routes the longest matching prefix wins") {
  Routes routes(Mode::kExact, {"GET /a/{x}/c/{proxy+}", "GET /a/b/{proxy+}", "ANY /{proxy+}",
                               "GET /a/{y}/{rest+}"});
  check_all(routes, {
                        {"GET", "/a/b/c/d", "GET /a/{x}/c/{proxy+} x=b proxy=d"},
                        {"GET", "/a/b/z/d", "GET /a/b/{proxy+} proxy=z/d"},
                        // same prefix length: literal-first
                        {"GET", "/a/b/z", "GET /a/b/{proxy+} proxy=z"},
                        {"GET", "/a/q/z", "GET /a/{y}/{rest+} y=q rest=z"},
                        {"POST", "/a/b/c/d", "ANY /{proxy+} proxy=a/b/c/d"},
                        {"GET", "/z", "ANY /{proxy+} proxy=z"},
                    });
  // The path decides before the method: ANY on the longer prefix beats GET on a shorter one.
  Routes method(Mode::kExact, {"ANY /pets/{proxy+}", "GET /{proxy+}"});
  check_all(method, {
                        {"GET", "/pets/x", "ANY /pets/{proxy+} proxy=x"},
                        {"GET", "/toys/x", "GET /{proxy+} proxy=toys/x"},
                        {"POST", "/toys/x", "none"},
                    });
}

TEST_CASE("route table: REST APIs: the first segment where routes differ decides") {
  // "a method request against a specific resource takes precedence over a method request
  // against a generic resource at the same level of the resource hierarchy" (REST guide).
  Routes pets(Mode::kLenient, {"ANY /pets/{proxy+}", "GET /{a}/{b}"});
  check_all(pets, {
                      {"GET", "/pets/x", "ANY /pets/{proxy+} proxy=x"},
                      {"GET", "/toys/x", "GET /{a}/{b} a=toys b=x"},
                  });
  Routes abc(Mode::kLenient, {"GET /a/b/{proxy+}", "GET /a/{x}/c"});
  check_all(abc, {
                     {"GET", "/a/b/c", "GET /a/b/{proxy+} proxy=c"},
                     {"GET", "/a/z/c", "GET /a/{x}/c x=z"},
                 });
  Routes greedy(Mode::kLenient, {"GET /a/{x}/c/{proxy+}", "GET /a/b/{proxy+}"});
  check_all(greedy, {
                        {"GET", "/a/b/c/d", "GET /a/b/{proxy+} proxy=c/d"},
                        {"GET", "/a/z/c/d", "GET /a/{x}/c/{proxy+} x=z proxy=d"},
                    });
}

TEST_CASE("route table: parameter names are per route, even on a shared trie node") {
  Routes routes(Mode::kLenient, {"GET /a/{id}", "GET /a/{name}/b", "POST /a/{other}"});
  check_all(routes, {
                        {"GET", "/a/1", "GET /a/{id} id=1"},
                        {"GET", "/a/2/b", "GET /a/{name}/b name=2"},
                        {"POST", "/a/3", "POST /a/{other} other=3"},
                    });
}

TEST_CASE("route table: $default comes last (HTTP APIs)") {
  Routes routes(Mode::kExact, {"GET /a", "GET /b/{id}", "$default"});
  check_all(routes, {
                        {"GET", "/a", "GET /a"},
                        {"POST", "/a", "$default"},
                        {"GET", "/b/1", "GET /b/{id} id=1"},
                        {"GET", "/b/1/2", "$default"},
                        {"GET", "/", "$default"},
                        {"GET", "/a/", "$default"},
                        {"DELETE", "/zzz", "$default"},
                    });
  Routes with_greedy(Mode::kExact, {"ANY /{proxy+}", "$default"});
  check_all(with_greedy, {
                             {"GET", "/x", "ANY /{proxy+} proxy=x"},
                             {"GET", "/", "$default"},
                         });
}

TEST_CASE("route table: parameter values stay raw (percent-encoded)") {
  for (Mode mode : {Mode::kLenient, Mode::kExact}) {
    Routes routes(mode, {"GET /pets/{id}", "ANY /files/{path+}"});
    check_all(routes, {
                          {"GET", "/pets/a%20b", "GET /pets/{id} id=a%20b"},
                          {"GET", "/pets/a%2Fb", "GET /pets/{id} id=a%2Fb"},
                          {"GET", "/pets/caf%C3%A9", "GET /pets/{id} id=caf%C3%A9"},
                          {"GET", "/pets/a+b", "GET /pets/{id} id=a+b"},
                          {"GET", "/files/x%2Fy/z%20w", "ANY /files/{path+} path=x%2Fy/z%20w"},
                      });
  }
}

TEST_CASE("route table: REST (lenient) ignores trailing slashes and empty segments") {
  Routes routes(Mode::kLenient, {"GET /todos", "GET /todos/{id}", "GET /", "ANY /files/{p+}"});
  check_all(routes, {
                        {"GET", "/todos", "GET /todos"},
                        {"GET", "/todos/", "GET /todos"},
                        {"GET", "/todos//", "GET /todos"},
                        {"GET", "//todos", "GET /todos"},
                        {"GET", "/todos//1", "GET /todos/{id} id=1"},
                        {"GET", "/todos/1/", "GET /todos/{id} id=1"},
                        {"GET", "/", "GET /"},
                        {"GET", "//", "GET /"},
                        {"GET", "", "GET /"},
                        // greedy keeps inner "//" but not the trailing slash
                        {"GET", "/files/a//b", "ANY /files/{p+} p=a//b"},
                        {"GET", "/files/a/b/", "ANY /files/{p+} p=a/b"},
                        {"GET", "/files//a", "ANY /files/{p+} p=a"},
                        {"GET", "/files/", "none"},
                        {"GET", "/files", "none"},
                    });
}

TEST_CASE("route table: HTTP (exact) matches slashes exactly") {
  Routes routes(Mode::kExact, {"GET /todos", "GET /todos/{id}", "GET /", "ANY /files/{p+}"});
  check_all(routes, {
                        {"GET", "/todos", "GET /todos"},
                        {"GET", "/todos/", "none"},
                        {"GET", "//todos", "none"},
                        {"GET", "/todos//1", "none"},
                        {"GET", "/todos/1/", "none"},
                        {"GET", "/", "GET /"},
                        {"GET", "//", "none"},
                        {"GET", "/files/a//b", "ANY /files/{p+} p=a//b"},
                        {"GET", "/files/a/b/", "ANY /files/{p+} p=a/b/"},
                        {"GET", "/files/", "none"},
                        {"GET", "/files", "none"},
                    });
  Routes greedy(Mode::kExact, {"GET /todos", "ANY /{proxy+}"});
  check_all(greedy, {
                        {"GET", "/todos", "GET /todos"},
                        {"GET", "/todos/", "ANY /{proxy+} proxy=todos/"},
                        {"POST", "/todos", "ANY /{proxy+} proxy=todos"},
                    });
  // A {param} never matches an empty segment.
  Routes param(Mode::kExact, {"GET /a/{x}/b"});
  check_all(param, {
                       {"GET", "/a//b", "none"},
                       {"GET", "/a/1/b", "GET /a/{x}/b x=1"},
                   });
}

TEST_CASE("route table: conflicts") {
  struct Case {
    const char* first;
    const char* second;
    const char* error;  // "" = no conflict
  };
  const Case cases[] = {
      {"GET /a/{x}", "GET /a/{y}", R"(conflicts with route "GET /a/{x}")"},
      {"GET /a", "GET /a/", R"(conflicts with route "GET /a")"},
      {"ANY /{a+}", "ANY /{b+}", R"(conflicts with route "ANY /{a+}")"},
      {"$default", "$default", R"(conflicts with route "$default")"},
      {"GET /{x}/b", "GET /{y}/b", R"(conflicts with route "GET /{x}/b")"},
      {"GET /a", "POST /a", ""},
      {"GET /a", "ANY /a", ""},
      {"GET /a/{x}", "GET /a/{x}/b", ""},
      {"GET /a/{x}", "GET /a/{x+}", ""},
      {"GET /a/b", "GET /a/{b}", ""},
      {"GET /", "$default", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.first);
    CAPTURE(c.second);
    RouteTable table;
    REQUIRE_FALSE(table.add(*gh::routing::parse_route_key(c.first).key, 0).has_value());
    auto conflict = table.add(*gh::routing::parse_route_key(c.second).key, 1);
    if (*c.error) {
      REQUIRE(conflict.has_value());
      CHECK(*conflict == c.error);
      CHECK(table.size() == 1);
    } else {
      CHECK_FALSE(conflict.has_value());
      CHECK(table.size() == 2);
    }
  }
}

TEST_CASE("route table: empty table, and match without a params vector") {
  RouteTable empty;
  CHECK(empty.size() == 0);
  CHECK(empty.match("GET", "/") == RouteTable::npos);
  CHECK(empty.match("GET", "/x") == RouteTable::npos);

  Routes routes(Mode::kLenient, {"GET /a/{x}"});
  CHECK(routes.table.match("GET", "/a/1") == 0);
  CHECK(routes.table.match("GET", "/a/1", nullptr) == 0);
}

TEST_CASE("route table: a moved table still matches") {
  Routes routes(Mode::kExact, {"GET /a/{x}", "$default"});
  RouteTable moved = std::move(routes.table);
  std::vector<PathParam> params;
  CHECK(moved.match("GET", "/a/9", &params) == 0);
  REQUIRE(params.size() == 1);
  CHECK(params[0].name == "x");
  CHECK(params[0].value == "9");
  CHECK(moved.match("GET", "/b", &params) == 1);
  CHECK(params.empty());
  CHECK(moved.size() == 2);
}

TEST_CASE("route table: 10,000 routes still match correctly") {
  Routes routes(Mode::kLenient);
  for (int i = 0; i < 5000; ++i) {
    routes.add("GET /r" + std::to_string(i) + "/items/{id}");
    routes.add("POST /r" + std::to_string(i));
  }
  routes.add("ANY /r42/{proxy+}");
  CHECK(routes.table.size() == 10001);
  int wrong = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string r = "/r" + std::to_string(i);
    if (routes.match("GET", r + "/items/" + std::to_string(i * 7)) !=
        "GET " + r + "/items/{id} id=" + std::to_string(i * 7)) {
      ++wrong;
    }
    if (routes.match("POST", r) != "POST " + r) ++wrong;
  }
  CHECK(wrong == 0);
  check_all(routes, {
                        {"GET", "/r4999/items/x", "GET /r4999/items/{id} id=x"},
                        {"GET", "/r5000/items/x", "none"},
                        {"GET", "/r1", "none"},
                        {"DELETE", "/r42/items/1", "ANY /r42/{proxy+} proxy=items/1"},
                        {"POST", "/r42/items/1", "ANY /r42/{proxy+} proxy=items/1"},
                        {"GET", "/r42/items/1", "GET /r42/items/{id} id=1"},
                    });
}
