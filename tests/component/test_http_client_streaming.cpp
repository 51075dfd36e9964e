// net::HttpClient's streamed bodies against scripted upstreams on 127.0.0.1:0: a request body
// sent from a file (OutboundRequest::body_file), a response body given to a ResponseSink as it
// is read, the progress deadline, and a server that answers before the body is all sent.
//
// Each upstream is one blocking socket served by a thread running a script; the client runs on
// an io_context in the test thread. Nothing sleeps but the scripted upstreams' deliberate
// pauses (a stalled or slow server).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "gateway/net/http_client.hpp"
#include "gateway/util/crypto.hpp"

namespace asio = boost::asio;
namespace net = gh::net;
using namespace std::chrono_literals;

namespace {

// ------------------------------------------------------------------------ scripted upstream

struct Peer {
  int fd = -1;
  std::string buffered;  // read past the head

  bool send_all(std::string_view bytes) const {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  /// The request head (through the blank line); the bytes after it stay in `buffered`.
  std::string read_head() {
    char chunk[16384];
    for (;;) {
      if (auto end = buffered.find("\r\n\r\n"); end != std::string::npos) {
        std::string head = buffered.substr(0, end + 4);
        buffered.erase(0, end + 4);
        return head;
      }
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return {};
      buffered.append(chunk, static_cast<std::size_t>(n));
    }
  }
  /// Reads `length` body bytes, hashing them (SHA-256 hex); "" if the connection ended.
  std::string read_body_sha256(std::uint64_t length) {
    gh::util::Sha256Stream hash;
    std::uint64_t got = std::min<std::uint64_t>(buffered.size(), length);
    hash.update(std::string_view(buffered).substr(0, static_cast<std::size_t>(got)));
    buffered.erase(0, static_cast<std::size_t>(got));
    std::string chunk(256 * 1024, '\0');
    while (got < length) {
      ssize_t n =
          ::recv(fd, chunk.data(),
                 static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), length - got)), 0);
      if (n <= 0) return {};
      hash.update(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
      got += static_cast<std::uint64_t>(n);
    }
    return hash.finish_hex();
  }
};

std::uint64_t content_length(const std::string& head) {
  auto at = head.find("Content-Length: ");
  if (at == std::string::npos) return 0;
  return std::stoull(head.substr(at + 16));
}

/// Accepts one connection and runs `script` on it in a thread.
class ScriptedUpstream {
 public:
  explicit ScriptedUpstream(std::function<void(Peer&)> script) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener_, 4) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, script = std::move(script)] {
      Peer peer;
      peer.fd = ::accept(listener_, nullptr, nullptr);
      if (peer.fd < 0) return;
      script(peer);
      ::close(peer.fd);
    });
  }
  ~ScriptedUpstream() {
    ::shutdown(listener_, SHUT_RDWR);  // an accept() still waiting returns
    thread_.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// ---------------------------------------------------------------------------------- helpers

/// A temporary file holding `size` pseudo-random bytes; its SHA-256 in `sha256`.
struct TempFile {
  std::FILE* file = std::tmpfile();
  std::string sha256;
  explicit TempFile(std::uint64_t size) {
    REQUIRE(file);
    gh::util::Sha256Stream hash;
    std::string piece(1 << 20, '\0');
    std::uint32_t x = 12345;
    for (std::uint64_t written = 0; written < size;) {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), size - written));
      for (std::size_t i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        piece[i] = static_cast<char>(x >> 24);
      }
      REQUIRE(std::fwrite(piece.data(), 1, n, file) == n);
      hash.update(std::string_view(piece.data(), n));
      written += n;
    }
    std::fflush(file);
    sha256 = hash.finish_hex();
  }
  ~TempFile() { std::fclose(file); }
  int fd() const { return ::fileno(file); }
};

/// A sink that hashes what it is given (and can be told to fail or to take little).
class HashingSink final : public net::ResponseSink {
 public:
  std::uint64_t max = std::uint64_t{1} << 40;
  bool fail_writes = false;
  std::optional<std::optional<std::uint64_t>> begun;  // begin()'s argument, once called
  std::uint64_t bytes = 0;
  gh::util::Sha256Stream hash;

  std::uint64_t max_bytes() const override { return max; }
  bool begin(std::optional<std::uint64_t> length) override {
    begun = length;
    return true;
  }
  bool write(std::string_view piece) override {
    if (fail_writes) return false;
    bytes += piece.size();
    hash.update(piece);
    return true;
  }
};

std::shared_ptr<const net::HttpClient> make_client() {
  std::string error;
  auto client = net::HttpClient::create({}, error, nullptr, false);
  REQUIRE(client);
  return client;
}

net::Origin local(std::uint16_t port) {
  net::Origin o;
  o.host = "127.0.0.1";
  o.port = port;
  return o;
}

/// Sends on an io_context run by this thread; the result.
net::SendResult send(const net::HttpClient& client, std::uint16_t port,
                     const net::OutboundRequest& request, std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  std::optional<net::SendResult> out;
  const net::Origin origin = local(port);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        out = co_await client.send(origin, request, std::chrono::steady_clock::now() + timeout);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.run_for(60s);
  REQUIRE(out.has_value());
  return std::move(*out);
}

gh::core::Response ok(const net::SendResult& result) {
  if (const auto* e = std::get_if<net::SendError>(&result)) {
    FAIL("send failed: " << net::to_string(e->kind) << ": " << e->message);
  }
  return std::get<gh::core::Response>(result);
}

net::SendError failed(const net::SendResult& result) {
  const auto* e = std::get_if<net::SendError>(&result);
  REQUIRE_MESSAGE(e, "expected an error, got " << std::get<gh::core::Response>(result).status);
  return *e;
}

/// A GET whose large answer goes to `sink`.
net::OutboundRequest get_into(HashingSink& sink, std::uint64_t sink_above = 0) {
  net::OutboundRequest req;
  req.method = "GET";
  req.target = "/";
  req.response_sink = &sink;
  req.sink_above = sink_above;
  return req;
}

std::string response_head(std::uint64_t length) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

}  // namespace

// -------------------------------------------------------------------------------------- tests

TEST_CASE("http client streaming: a file body goes out whole and a large answer to the sink") {
  constexpr std::uint64_t kSize = 24ull << 20;
  TempFile file(kSize);
  // The upstream hashes the body and answers with a body as large, announced by length.
  std::string seen_sha256;
  std::uint64_t seen_length = 0;
  auto upstream = std::make_unique<ScriptedUpstream>([&](Peer& peer) {
    const std::string head = peer.read_head();
    seen_length = content_length(head);
    seen_sha256 = peer.read_body_sha256(seen_length);
    peer.send_all(response_head(kSize));
    std::string piece(1 << 20, 'z');
    for (std::uint64_t sent = 0; sent < kSize; sent += piece.size()) peer.send_all(piece);
  });
  auto client = make_client();
  net::OutboundRequest req;
  req.method = "PUT";
  req.target = "/big";
  req.body_file = {file.fd(), 0, kSize};
  HashingSink sink;
  req.response_sink = &sink;
  req.sink_above = 1 << 20;
  req.progress_timeout = 5s;
  const auto r = ok(send(*client, upstream->port(), req, 5s));
  upstream.reset();  // joined: what it saw is ours to read
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  CHECK(seen_length == kSize);
  CHECK(seen_sha256 == file.sha256);
  REQUIRE(sink.begun.has_value());
  CHECK(*sink.begun == std::optional<std::uint64_t>(kSize));
  CHECK(sink.bytes == kSize);
  gh::util::Sha256Stream expected;
  const std::string piece(1 << 20, 'z');
  for (std::uint64_t n = 0; n < kSize; n += piece.size()) expected.update(piece);
  CHECK(sink.hash.finish_hex() == expected.finish_hex());
}

TEST_CASE("http client streaming: a file span from an offset") {
  TempFile file(1000);
  std::string got;
  auto upstream = std::make_unique<ScriptedUpstream>([&](Peer& peer) {
    const std::string head = peer.read_head();
    const std::uint64_t length = content_length(head);
    while (peer.buffered.size() < length) {
      char c[4096];
      ssize_t n = ::recv(peer.fd, c, sizeof c, 0);
      if (n <= 0) break;
      peer.buffered.append(c, static_cast<std::size_t>(n));
    }
    got = peer.buffered;
    peer.send_all(response_head(2) + "ok");
  });
  auto client = make_client();
  net::OutboundRequest req;
  req.method = "PUT";
  req.target = "/span";
  req.body_file = {file.fd(), 100, 300};
  const auto r = ok(send(*client, upstream->port(), req, 5s));
  upstream.reset();
  CHECK(r.body == "ok");
  std::string expected(300, '\0');
  REQUIRE(::pread(file.fd(), expected.data(), 300, 100) == 300);
  CHECK(got == expected);
}

TEST_CASE("http client streaming: small answers stay in memory, unknown lengths go to the sink") {
  SUBCASE("a length at most sink_above") {
    ScriptedUpstream upstream([](Peer& peer) {
      peer.read_head();
      peer.send_all(response_head(5) + "small");
    });
    auto client = make_client();
    HashingSink sink;
    auto req = get_into(sink, 5);
    const auto r = ok(send(*client, upstream.port(), req, 5s));
    CHECK(r.body == "small");
    CHECK_FALSE(sink.begun.has_value());
  }
  SUBCASE("chunked") {
    ScriptedUpstream upstream([](Peer& peer) {
      peer.read_head();
      peer.send_all(
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
          "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    });
    auto client = make_client();
    HashingSink sink;
    auto req = get_into(sink, 1 << 20);
    const auto r = ok(send(*client, upstream.port(), req, 5s));
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    REQUIRE(sink.begun.has_value());
    CHECK_FALSE(sink.begun->has_value());
    CHECK(sink.bytes == 11);
    CHECK(sink.hash.finish_hex() == gh::util::sha256_hex("hello world"));
  }
}

TEST_CASE("http client streaming: a sink that fails or is too small fails the send") {
  ScriptedUpstream upstream([](Peer& peer) {
    peer.read_head();
    peer.send_all(response_head(3000) + std::string(3000, 'x'));
  });
  auto client = make_client();
  HashingSink sink;
  auto req = get_into(sink, 100);
  SUBCASE("failing writes are a local error") {
    sink.fail_writes = true;
    CHECK(failed(send(*client, upstream.port(), req, 5s)).kind == net::SendErrorKind::kLocal);
  }
  SUBCASE("a body over the sink's max is too large") {
    sink.max = 2000;
    CHECK(failed(send(*client, upstream.port(), req, 5s)).kind == net::SendErrorKind::kTooLarge);
  }
}

TEST_CASE("http client streaming: an answer before the body is all sent is read") {
  // A refused upload: the server answers after the head and closes while 64 MB are on their way.
  constexpr std::uint64_t kSize = 64ull << 20;
  TempFile file(kSize);
  ScriptedUpstream upstream([](Peer& peer) {
    peer.read_head();
    peer.send_all("HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\nConnection: close\r\n\r\ndenied");
    ::shutdown(peer.fd, SHUT_WR);
    // Discard a little of the body (as a lingering close does), then close with the rest unread:
    // the client's next writes fail.
    peer.read_body_sha256(1 << 20);
  });
  auto client = make_client();
  net::OutboundRequest req;
  req.method = "PUT";
  req.target = "/refused";
  req.body_file = {file.fd(), 0, kSize};
  req.progress_timeout = 5s;
  const auto r = ok(send(*client, upstream.port(), req, 5s));
  CHECK(r.status == 403);
  CHECK(r.body == "denied");
}

TEST_CASE("http client streaming: the deadline is one of progress") {
  SUBCASE("a body that keeps moving outlasts the first deadline") {
    ScriptedUpstream upstream([](Peer& peer) {
      peer.read_head();
      peer.send_all(response_head(10 * 4096));
      for (int i = 0; i < 10; ++i) {
        std::this_thread::sleep_for(100ms);  // a slow server, 1 s in all
        if (!peer.send_all(std::string(4096, 'a'))) return;
      }
    });
    auto client = make_client();
    HashingSink sink;
    auto req = get_into(sink);
    req.progress_timeout = 500ms;
    const auto r = ok(send(*client, upstream.port(), req, 500ms));
    CHECK(r.status == 200);
    CHECK(sink.bytes == 10 * 4096);
  }
  SUBCASE("a body that stalls times out") {
    ScriptedUpstream upstream([](Peer& peer) {
      peer.read_head();
      peer.send_all(response_head(1 << 20) + std::string(1000, 'a'));
      char c;
      ::recv(peer.fd, &c, 1, 0);  // until the client gives up
    });
    auto client = make_client();
    HashingSink sink;
    auto req = get_into(sink);
    req.progress_timeout = 300ms;
    const auto started = std::chrono::steady_clock::now();
    const auto e = failed(send(*client, upstream.port(), req, 300ms));
    CHECK(e.kind == net::SendErrorKind::kTimeout);
    CHECK(std::chrono::steady_clock::now() - started < 3s);
  }
}
