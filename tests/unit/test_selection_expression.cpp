// WebSocket route selection expressions (routing/selection_expression.hpp), with the examples of
// AWS's "selection expressions" page (aws-behaviour.md §2.1).
#include <doctest/doctest.h>

#include "gateway/routing/selection_expression.hpp"

namespace {

std::optional<std::string> eval(const char* expression, const char* body) {
  std::string error;
  auto e = gh::routing::SelectionExpression::compile(expression, error);
  INFO(error);
  REQUIRE(e);
  return e->evaluate(body);
}

}  // namespace

TEST_CASE("selection expressions pick route keys from JSON messages") {
  CHECK(eval("$request.body.action", R"({"action":"join"})") == "join");
  CHECK(eval("${request.body.action}", R"({"action":"join"})") == "join");
  CHECK(eval("$request.body.meta.kind", R"({"meta":{"kind":"x"}})") == "x");
  CHECK(eval("$request.body.items[1]", R"({"items":["a","b"]})") == "b");
  CHECK(eval("${request.body['odd key']}", R"({"odd key":"v"})") == "v");
  CHECK(eval("${request.body.service}/${request.body.action}",
             R"({"service":"chat","action":"join"})") == "chat/join");
  // An unresolved part is empty: "join-" [AWS's example].
  CHECK(eval("${request.body.action}-${request.body.x}", R"({"action":"join"})") == "join-");
  // Numbers, booleans, objects and arrays as their JSON text.
  CHECK(eval("$request.body.n", R"({"n":3})") == "3");
  CHECK(eval("$request.body.b", R"({"b":true})") == "true");
  CHECK(eval("$request.body.o", R"({"o":{"a":1}})") == R"({"a":1})");
  CHECK(eval("$request.body.action", R"({})") == "");
  CHECK(eval("$request.body.action", R"([1,2])") == "");
  // \$ is a literal dollar.
  CHECK(eval("\\$default-${request.body.a}", R"({"a":"x"})") == "$default-x");
  // A body that is not JSON cannot be evaluated: the message goes to $default.
  CHECK_FALSE(eval("$request.body.action", "hello"));
  CHECK_FALSE(eval("$request.body.action", ""));
}

TEST_CASE("selection expressions AWS would not accept are refused with a reason") {
  for (const char* bad : {"action", "$request.header.x", "${request.body.a", "$request.body..a",
                          "$request.body.a[x]", "$request.body.a[]", "static text"}) {
    CAPTURE(std::string(bad));
    std::string error;
    CHECK_FALSE(gh::routing::SelectionExpression::compile(bad, error));
    CHECK_FALSE(error.empty());
  }
}
