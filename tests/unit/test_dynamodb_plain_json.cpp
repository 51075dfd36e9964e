// Plain JSON ⇄ DynamoDB JSON (plugins/dynamodb/plain_json.hpp), `$request.body` paths
// (body_path.hpp) and the page tokens of `response: plain` (route_mapping.hpp).
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

#include "plugins/dynamodb/body_path.hpp"
#include "plugins/dynamodb/plain_json.hpp"
#include "plugins/dynamodb/route_mapping.hpp"

namespace {

namespace json = boost::json;
using gh::plugins::dynamodb::BodyPath;

std::string marshal(std::string_view text) {
  std::string error;
  auto v = gh::plugins::dynamodb::marshal_json_text(text, error);
  return v ? json::serialize(*v) : "!" + error;
}

std::string unmarshal(std::string_view av) {
  std::string out;
  gh::plugins::dynamodb::append_unmarshalled(out, json::parse(av));
  return out;
}

}  // namespace

TEST_CASE("plain JSON marshals to AttributeValues, numbers exactly as written") {
  CHECK(marshal(R"("x")") == R"({"S":"x"})");
  CHECK(marshal("12.50000000000000000000000000000000001") ==
        R"({"N":"12.50000000000000000000000000000000001"})");
  CHECK(marshal("-1e-5") == R"({"N":"-1e-5"})");
  CHECK(marshal("18446744073709551616") == R"({"N":"18446744073709551616"})");
  CHECK(marshal("[true, null, {}]") == R"({"L":[{"BOOL":true},{"NULL":true},{"M":{}}]})");
  CHECK(marshal(R"({"a": {"b": ["c"]}, "d\"e": 1})") ==
        R"({"M":{"a":{"M":{"b":{"L":[{"S":"c"}]}}},"d\"e":{"N":"1"}}})");
  CHECK(marshal(R"("a\u0000b")") == R"({"S":"a\u0000b"})");
  CHECK(marshal("{")[0] == '!');
  CHECK(marshal("1 2")[0] == '!');
  CHECK(marshal(std::string(100, '['))[0] == '!');  // deeper than 64 levels
  // A long string arrives in parts: still one S.
  std::string big(100000, 'x');
  CHECK(marshal("\"" + big + "\"") == R"({"S":")" + big + R"("})");
}

TEST_CASE("AttributeValues unmarshal to plain JSON") {
  CHECK(unmarshal(R"({"N":"-0.001"})") == "-0.001");
  CHECK(unmarshal(R"({"N":"not a number"})") == R"("not a number")");
  CHECK(unmarshal(R"({"SS":["a","b"]})") == R"(["a","b"])");
  CHECK(unmarshal(R"({"NS":["1","2.5"]})") == "[1,2.5]");
  CHECK(unmarshal(R"({"B":"eA=="})") == R"("eA==")");
  CHECK(unmarshal(R"({"M":{"q":{"S":"\""},"n":{"NULL":true}}})") == R"({"q":"\"","n":null})");
  CHECK(unmarshal(R"({"X":1})") == "null");
  CHECK(unmarshal("[]") == "null");
  // Round trip.
  std::string error;
  auto v = gh::plugins::dynamodb::marshal_json_text(R"({"a":[1,"x",false,{"b":null}]})", error);
  REQUIRE(v);
  std::string out;
  gh::plugins::dynamodb::append_unmarshalled(out, *v);
  CHECK(out == R"({"a":[1,"x",false,{"b":null}]})");
}

TEST_CASE("$request.body paths") {
  CHECK(BodyPath::is_body_reference("$request.body"));
  CHECK(BodyPath::is_body_reference("$request.body.a"));
  CHECK(BodyPath::is_body_reference("${request.body.a}"));
  CHECK_FALSE(BodyPath::is_body_reference("$request.bodyx"));
  CHECK_FALSE(BodyPath::is_body_reference("x$request.body"));
  std::string error;
  auto body = gh::plugins::dynamodb::marshal_json_text(
      R"({"a": {"b c": [10, {"d": "x"}]}, "e": 1})", error);
  REQUIRE(body);
  auto find = [&](std::string_view text) -> std::string {
    std::string e;
    auto p = BodyPath::compile(text, e);
    if (!p) return "!" + e;
    const json::value* v = p->find(*body);
    return v ? json::serialize(*v) : "-";
  };
  CHECK(find("$request.body.e") == R"({"N":"1"})");
  CHECK(find("$request.body.a['b c'][1].d") == R"({"S":"x"})");
  CHECK(find("${request.body.a[\"b c\"][0]}") == R"({"N":"10"})");
  CHECK(find("$request.body.a['b c'][2]") == "-");
  CHECK(find("$request.body.e.f") == "-");
  CHECK(find("$request.body.a[0]") == "-");  // an index into a map
  CHECK(find("$request.body")[0] == '{');
  CHECK(find("$request.body.")[0] == '!');
  CHECK(find("$request.body[x]")[0] == '!');
  CHECK(find("$request.body['a")[0] == '!');
  CHECK(find("$request.body[99999999999999999999]")[0] == '!');
  CHECK(find("${request.body.a")[0] == '!');
}

TEST_CASE("page tokens round-trip and refuse garbage") {
  json::object key{{"owner", json::object{{"S", "a/b+c?"}}}, {"seq", json::object{{"N", "2"}}}};
  std::string token = gh::plugins::dynamodb::encode_page_token(key);
  CHECK(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
      std::string::npos);
  auto back = gh::plugins::dynamodb::decode_page_token(token);
  REQUIRE(back);
  CHECK(*back == key);
  CHECK_FALSE(gh::plugins::dynamodb::decode_page_token("garbage!"));
  CHECK_FALSE(gh::plugins::dynamodb::decode_page_token("WzFd"));  // "[1]": not an object
  CHECK_FALSE(gh::plugins::dynamodb::decode_page_token(""));
}
