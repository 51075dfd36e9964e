// LoopbackServer (gateway/net/loopback_server.hpp), the Runtime API's server: a client that
// pipelines gets an answer together with the next one, but never has to wait for it — the held
// answer goes out before the server waits, on a handler's long poll (Flush) or for the rest of a
// request still to come. A real server on its own thread, a plain blocking socket as the client.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "gateway/net/loopback_server.hpp"

namespace asio = boost::asio;
using gh::net::LoopbackServer;
using Clock = std::chrono::steady_clock;

namespace {

/// GET /wait: flushes, then waits until release() (a long poll). POST: 202 "accepted".
/// Anything else: 200 "fast <path>".
struct ServerFixture {
  asio::io_context io;
  asio::steady_timer gate{io, Clock::time_point::max()};
  std::shared_ptr<LoopbackServer> server;
  std::thread thread;

  ServerFixture() {
    server = LoopbackServer::start(
        io.get_executor(),
        [this](gh::core::Request& request,
               const LoopbackServer::Flush& flush) -> asio::awaitable<gh::core::Response> {
          gh::core::Response response;
          response.status = 200;
          if (request.path == "/wait") {
            co_await flush();
            boost::system::error_code ec;
            co_await gate.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            response.body = "released";
          } else if (request.method == "POST") {
            response.status = 202;
            response.body = "accepted";
          } else {
            response.body = "fast " + request.path;
          }
          co_return response;
        },
        {});
    thread = std::thread([this] {
      auto guard = asio::make_work_guard(io);
      io.run();
    });
  }
  ~ServerFixture() {
    asio::post(io, [this] {
      server->close();
      gate.cancel();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    io.stop();
    thread.join();
  }
  void release() {
    asio::post(io, [this] { gate.cancel(); });
  }
};

struct Client {
  int fd = -1;
  std::string received;

  explicit Client(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { ::close(fd); }

  void send(const std::string& bytes) {
    REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(bytes.size()));
  }
  /// Reads until `needle` has arrived or `wait` has passed; true if it arrived.
  bool read_until(const std::string& needle, std::chrono::milliseconds wait) {
    auto deadline = Clock::now() + wait;
    while (received.find(needle) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      received.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
};

const std::string kPost = "POST /answer HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok";

}  // namespace

TEST_CASE("loopback server: an answer held for a pipelined long poll goes out before it waits") {
  ServerFixture fixture;
  Client client(fixture.server->port());
  client.send(kPost + "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  // The 202 arrives while /wait is still waiting: the handler's flush sent it.
  REQUIRE(client.read_until("accepted", std::chrono::milliseconds(3000)));
  CHECK(client.received.find("HTTP/1.1 202") == 0);
  CHECK(client.received.find("released") == std::string::npos);
  fixture.release();
  REQUIRE(client.read_until("released", std::chrono::milliseconds(3000)));
}

TEST_CASE("loopback server: an answer held behind part of a request goes out before the read") {
  ServerFixture fixture;
  Client client(fixture.server->port());
  client.send(kPost + "GET /fa");  // the next request has begun, but not ended
  REQUIRE(client.read_until("accepted", std::chrono::milliseconds(3000)));
  client.send("st HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(client.read_until("fast /fast", std::chrono::milliseconds(3000)));
}

TEST_CASE("loopback server: pipelined requests are answered in order") {
  ServerFixture fixture;
  Client client(fixture.server->port());
  client.send(kPost + "GET /one HTTP/1.1\r\nHost: x\r\n\r\n" + kPost +
              "GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(client.read_until("fast /two", std::chrono::milliseconds(3000)));
  std::size_t a1 = client.received.find("accepted");
  std::size_t f1 = client.received.find("fast /one");
  std::size_t a2 = client.received.find("accepted", a1 + 1);
  std::size_t f2 = client.received.find("fast /two");
  CHECK(a1 < f1);
  CHECK(f1 < a2);
  CHECK(a2 < f2);
}

TEST_CASE("loopback server: an answer held behind a request that does not parse is still sent") {
  ServerFixture fixture;
  Client client(fixture.server->port());
  client.send(kPost + "NOT HTTP AT ALL\r\n\r\n");
  CHECK(client.read_until("accepted", std::chrono::milliseconds(3000)));
  // Then the broken request is refused as Go's net/http refuses it, and the connection closes.
  CHECK(client.read_until("\r\n\r\n400 Bad Request", std::chrono::milliseconds(3000)));
  CHECK(client.received.find("accepted") < client.received.find("HTTP/1.1 400 Bad Request"));
  CHECK(!client.read_until("more", std::chrono::milliseconds(300)));  // closed: recv gave 0
}

TEST_CASE("loopback server: requests that do not parse get Go's net/http answers, then a close") {
  ServerFixture fixture;
  {
    Client client(fixture.server->port());
    client.send("GET /x HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n");
    REQUIRE(client.read_until("400 Bad Request", std::chrono::milliseconds(3000)));
    CHECK(client.received.find(
              "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Connection: close\r\n\r\n400 Bad Request") == 0);
  }
  {
    Client client(fixture.server->port());
    client.send("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n");
    REQUIRE(client.read_until("\r\n\r\n431 Request Header Fields Too Large",
                              std::chrono::milliseconds(3000)));
    CHECK(client.received.find("HTTP/1.1 431 Request Header Fields Too Large\r\n") == 0);
  }
  {
    // A peer that closes mid-request gets nothing, and the server goes on serving.
    Client client(fixture.server->port());
    client.send("GET /x HTTP/1.1\r\nHo");
    ::shutdown(client.fd, SHUT_WR);
    CHECK(!client.read_until("HTTP", std::chrono::milliseconds(500)));
    CHECK(client.received.empty());
  }
  Client client(fixture.server->port());
  client.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(client.read_until("fast /after", std::chrono::milliseconds(3000)));
}
