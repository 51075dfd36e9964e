// The real server, in-process, from inline YAML on port 0.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "tests/component/server_fixture.hpp"

using gh::testing::Client;
using gh::testing::RunningServer;

namespace {

const std::string kConfig = gh::testing::kLoopbackConfig + R"(apis:
  - id: shop
    routes:
      "GET /items/{id}":
        integration: {type: mock, body: 'item $request.path.id'}
      "ANY /{proxy+}":
        integration: {type: mock, statusCode: 202, body: 'any $request.path.proxy'}
)";

std::string body_of(const std::string& response) {
  return response.substr(response.find("\r\n\r\n") + 4);
}

bool wait_until(const std::function<bool()>& cond) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

TEST_CASE("serves routes in priority order over a real socket") {
  RunningServer s(kConfig);
  auto r = gh::testing::get(s.port(), "/items/7");
  CHECK(r.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(body_of(r) == "item 7");
  auto any = gh::testing::get(s.port(), "/items/7/reviews");
  CHECK(any.starts_with("HTTP/1.1 202 Accepted\r\n"));
  CHECK(body_of(any) == "any items/7/reviews");
  CHECK(s.stop() == 0);
}

TEST_CASE("pipelined requests are answered in order on one connection") {
  RunningServer s(kConfig);
  Client c(s.port());
  c.send(
      "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /items/3 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(body_of(c.read_response()) == "item 1");
  CHECK(body_of(c.read_response()) == "item 2");
  CHECK(body_of(c.read_response()) == "item 3");
}

TEST_CASE("pipelined requests with and without bodies keep their order and framing") {
  // Plain body-less heads are parsed in one pass, the rest by Beast from the same buffer: a
  // mix in one write must be framed exactly, whichever parser takes each request.
  RunningServer s(kConfig);
  Client c(s.port());
  c.send(
      "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 32\r\n\r\n"
      "GET /items/9 HTTP/1.1\r\nHost: x\r\n"  // a body that looks like a request
      "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nabcd\r\n0\r\n\r\n"
      "GET /items/2 HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n"
      "GET /items/3 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(body_of(c.read_response()) == "item 1");
  CHECK(body_of(c.read_response()) == "any upload");
  CHECK(body_of(c.read_response()) == "any chunked");
  // Beast unfolds the folded field and serves the request; the next one is fast again.
  CHECK(body_of(c.read_response()) == "item 2");
  CHECK(body_of(c.read_response()) == "item 3");
}

TEST_CASE("a reload swaps routes without closing an open connection") {
  RunningServer s(kConfig);
  Client c(s.port());
  c.send("GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(body_of(c.read_response()) == "item 1");

  std::string changed = kConfig;
  changed.replace(changed.find("item $request"), 4, "ITEM");
  s.write(changed);
  s.server().request_reload();
  REQUIRE(wait_until([&] { return s.server().reloads() == 1; }));

  c.send("GET /items/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(body_of(c.read_response()) == "ITEM 2");
}

TEST_CASE("an invalid reload keeps the running config") {
  RunningServer s(kConfig);
  s.write("version: 1\napis: [{id: BAD}]\n");
  s.server().request_reload();
  REQUIRE(wait_until([&] { return s.server().failed_reloads() == 1; }));
  CHECK(body_of(gh::testing::get(s.port(), "/items/5")) == "item 5");
}

TEST_CASE("--threads 0 means one worker per core, whatever server.threads says") {
  const auto path = std::filesystem::temp_directory_path() /
                    ("gatehouse-component-threads-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << "version: 1\nserver:\n  threads: 1\n" << kConfig.substr(kConfig.find("  listeners:"));
  }
  gh::core::PluginRegistry plugins;
  gh::plugins::register_builtin(plugins);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto threads_with = [&](std::optional<unsigned> flag) {
    gh::server::Server::Options options;
    options.config_path = path.string();
    options.handle_signals = false;
    options.threads = flag;
    gh::server::Server server(options, plugins);
    auto compiled = server.compile_first();
    INFO(compiled.diagnostics.format());
    CHECK(compiled.snapshot != nullptr);
    return server.threads();
  };
  CHECK(threads_with(std::nullopt) == 1u);
  CHECK(threads_with(4u) == 4u);
  CHECK(threads_with(0u) == cores);
  std::filesystem::remove(path);
}

TEST_CASE("shutdown closes idle keep-alive connections and exits 0") {
  RunningServer s(kConfig);
  Client c(s.port());
  c.send("GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(body_of(c.read_response()) == "item 1");
  CHECK(s.stop() == 0);
  CHECK(c.closed_by_peer());
}

TEST_CASE("metrics count requests by route and status") {
  RunningServer s(kConfig);
  gh::testing::get(s.port(), "/items/1");
  gh::testing::get(s.port(), "/items/2");
  // A request is counted after its response is written, so the client may see the response a
  // moment before the count: poll.
  const std::string expected =
      "gatehouse_requests_total{api=\"shop\",route=\"GET /items/{id}\",status=\"200\"} 2\n";
  CHECK(wait_until([&] {
    return body_of(gh::testing::get(s.port(1), "/_gatehouse/metrics")).find(expected) !=
           std::string::npos;
  }));
}
