// net::HttpClient and the http_proxy integration against real upstreams on 127.0.0.1:0.
//
// Each FakeUpstream is a small Beast server on its own thread and io_context; the client side
// runs on an io_context in the test thread (one thread per io_context, like the server's
// workers). Nothing sleeps: waits end on deadlines or on the exchange completing.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "gateway/config/config.hpp"
#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/compile_scope.hpp"
#include "gateway/core/services.hpp"
#include "gateway/net/http_client.hpp"
#include "gateway/util/ids.hpp"
#include "plugins/http_proxy/http_proxy_integration.hpp"
#include "tests/component/server_fixture.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace net = gh::net;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

// ------------------------------------------------------------------------------ fake upstream

using UpstreamRequest = http::request<http::string_body>;

struct Action {
  enum Kind {
    kRespond,               // answer with `response`, keep the connection open
    kRespondThenClose,      // answer (claiming keep-alive), then close: an idle-timeout server
    kCloseWithoutResponse,  // read the request, close without a byte
    kNoResponse,            // read the request and never answer
    kRaw,                   // write `raw` bytes, then close
    kRawKeepOpen,           // write `raw` bytes, keep the connection open
    kRawInPieces,           // write `raw` in seven pieces 5 ms apart, keep the connection open
  };
  Kind kind = kRespond;
  http::response<http::string_body> response;
  std::string raw;
};

// Decides what to do with the n-th request (1-based) on a connection.
using Handler = std::function<Action(const UpstreamRequest&, int request_on_connection)>;

Action echo(const UpstreamRequest& req, int) {
  Action a;
  a.response.result(http::status::ok);
  a.response.version(11);
  a.response.set("X-Got-Method", req.method_string());
  a.response.set("X-Got-Target", req.target());
  a.response.set("X-Got-Content-Length", req[http::field::content_length]);
  a.response.body() = req.body();
  a.response.keep_alive(req.keep_alive());
  a.response.prepare_payload();
  return a;
}

class FakeUpstream {
 public:
  explicit FakeUpstream(Handler handler = echo, std::shared_ptr<ssl::context> tls = nullptr)
      : handler_(std::move(handler)), tls_(std::move(tls)) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~FakeUpstream() {
    ioc_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  UpstreamRequest last_request() const {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++connections_;
      asio::co_spawn(ioc_, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    if (!tls_) {
      co_await serve(socket);
      co_return;
    }
    ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
    error_code ec;
    co_await stream.async_handshake(ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await serve(stream);
  }

  template <typename Stream>
  asio::awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (int n = 1;; ++n) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      error_code ec;
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;  // the client went away
      ++requests_;
      UpstreamRequest req = parser.release();
      Action action = handler_(req, n);
      {
        std::lock_guard lock(mutex_);
        last_ = std::move(req);
      }
      switch (action.kind) {
        case Action::kRespond:
        case Action::kRespondThenClose:
          co_await http::async_write(stream, action.response,
                                     asio::redirect_error(asio::use_awaitable, ec));
          if (ec || action.kind == Action::kRespondThenClose) co_return;
          break;
        case Action::kCloseWithoutResponse:
          co_return;
        case Action::kNoResponse:
          break;  // wait for a request that never comes, until the client hangs up
        case Action::kRaw:
        case Action::kRawKeepOpen:
          co_await asio::async_write(stream, asio::buffer(action.raw),
                                     asio::redirect_error(asio::use_awaitable, ec));
          if (ec || action.kind == Action::kRaw) co_return;
          break;
        case Action::kRawInPieces: {
          const std::size_t piece = action.raw.size() / 7 + 1;
          asio::steady_timer pause(co_await asio::this_coro::executor);
          for (std::size_t at = 0; at < action.raw.size() && !ec; at += piece) {
            co_await asio::async_write(
                stream,
                asio::buffer(action.raw.data() + at, std::min(piece, action.raw.size() - at)),
                asio::redirect_error(asio::use_awaitable, ec));
            pause.expires_after(5ms);
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          }
          if (ec) co_return;
          break;
        }
      }
    }
  }

  Handler handler_;
  std::shared_ptr<ssl::context> tls_;
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  UpstreamRequest last_;
  std::thread thread_;
};

// ----------------------------------------------------------------------------- client helpers

// Runs one coroutine on `ioc` (in this thread) to completion and returns its value.
template <typename F>
auto run_on(asio::io_context& ioc, F f) {
  using T = typename decltype(f())::value_type;
  std::optional<T> out;
  asio::co_spawn(
      ioc, [&]() -> asio::awaitable<void> { out = co_await f(); },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ioc.restart();
  ioc.run_for(30s);  // a safety net only: every send has its own, shorter deadline
  REQUIRE(out.has_value());
  return std::move(*out);
}

std::shared_ptr<const net::HttpClient> make_client(net::ClientOptions options = {}) {
  std::string error;
  auto client = net::HttpClient::create(std::move(options), error);
  INFO(error);
  REQUIRE(client);
  return client;
}

net::Origin local(std::uint16_t port, bool https = false) {
  net::Origin o;
  o.https = https;
  o.host = "127.0.0.1";
  o.port = port;
  return o;
}

net::SendResult send(asio::io_context& ioc, const net::HttpClient& client,
                     const net::Origin& origin, const net::OutboundRequest& request,
                     std::chrono::milliseconds timeout = 5s) {
  return run_on(ioc, [&]() -> asio::awaitable<net::SendResult> {
    co_return co_await client.send(origin, request, std::chrono::steady_clock::now() + timeout);
  });
}

net::OutboundRequest get(std::string target = "/") {
  net::OutboundRequest r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

// By value: callers pass temporaries.
gh::core::Response ok(const net::SendResult& result) {
  if (const auto* e = std::get_if<net::SendError>(&result)) {
    FAIL("send failed: " << net::to_string(e->kind) << ": " << e->message);
  }
  return std::get<gh::core::Response>(result);
}

net::SendError failed(const net::SendResult& result) {
  const auto* e = std::get_if<net::SendError>(&result);
  REQUIRE_MESSAGE(e,
                  "expected an error, got status " << std::get<gh::core::Response>(result).status);
  return *e;
}

std::uint16_t closed_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::uint16_t port = a.local_endpoint().port();
  a.close();
  return port;
}

}  // namespace

// -------------------------------------------------------------------------------------- tests

TEST_CASE("http client: keep-alive connections are reused") {
  FakeUpstream upstream;
  auto client = make_client();
  asio::io_context ioc;
  for (int i = 0; i < 3; ++i) {
    auto r = send(ioc, *client, local(upstream.port()), get("/pets/" + std::to_string(i)));
    CHECK(ok(r).status == 200);
    CHECK(ok(r).headers.get("X-Got-Target") == "/pets/" + std::to_string(i));
  }
  CHECK(upstream.requests() == 3);
  CHECK(upstream.connections() == 1);
  CHECK(net::idle_connection_count(ioc) == 1);
  CHECK(upstream.last_request()[http::field::host] ==
        "127.0.0.1:" + std::to_string(upstream.port()));
}

TEST_CASE("http client: a response without keep-alive is not pooled") {
  FakeUpstream upstream([](const UpstreamRequest& req, int n) {
    Action a = echo(req, n);
    a.response.keep_alive(false);
    a.kind = Action::kRespondThenClose;
    return a;
  });
  auto client = make_client();
  asio::io_context ioc;
  CHECK(ok(send(ioc, *client, local(upstream.port()), get())).status == 200);
  CHECK(ok(send(ioc, *client, local(upstream.port()), get())).status == 200);
  CHECK(upstream.connections() == 2);
  CHECK(net::idle_connection_count(ioc) == 0);
}

TEST_CASE("http client: an upstream that closes idle connections costs no failed request") {
  // Claims keep-alive, then closes right after answering, as a server with a short idle timeout.
  FakeUpstream upstream([](const UpstreamRequest& req, int n) {
    Action a = echo(req, n);
    a.kind = Action::kRespondThenClose;
    return a;
  });
  auto client = make_client();
  asio::io_context ioc;
  for (int i = 0; i < 3; ++i) {
    CHECK(ok(send(ioc, *client, local(upstream.port()), get())).status == 200);
  }
  CHECK(upstream.connections() == 3);
}

TEST_CASE("http client: a stale pooled connection is retried once on a fresh one") {
  // The second request on any connection is read and dropped: the server closed the idle
  // connection just as the client reused it.
  FakeUpstream upstream([](const UpstreamRequest& req, int n) {
    if (n >= 2) return Action{Action::kCloseWithoutResponse, {}, {}};
    return echo(req, n);
  });
  auto client = make_client();
  asio::io_context ioc;
  CHECK(ok(send(ioc, *client, local(upstream.port()), get("/one"))).status == 200);
  auto second = send(ioc, *client, local(upstream.port()), get("/two"));
  CHECK(ok(second).headers.get("X-Got-Target") == "/two");
  CHECK(upstream.connections() == 2);
  CHECK(upstream.requests() == 3);
}

TEST_CASE("http client: a fresh connection that fails is not retried") {
  FakeUpstream upstream([](const UpstreamRequest&, int) {
    return Action{Action::kCloseWithoutResponse, {}, {}};
  });
  auto client = make_client();
  asio::io_context ioc;
  const auto e = failed(send(ioc, *client, local(upstream.port()), get()));
  CHECK(e.kind == net::SendErrorKind::kConnect);
  CHECK(e.message == "connection closed before a response");
  CHECK(upstream.requests() == 1);
}

TEST_CASE("http client: an upstream that never answers times out at the deadline") {
  FakeUpstream upstream([](const UpstreamRequest&, int) {
    return Action{Action::kNoResponse, {}, {}};
  });
  auto client = make_client();
  asio::io_context ioc;
  auto start = std::chrono::steady_clock::now();
  const auto e = failed(send(ioc, *client, local(upstream.port()), get(), 300ms));
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(e.kind == net::SendErrorKind::kTimeout);
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 1s);  // a near deadline has a timer of its own
  CHECK(upstream.requests() == 1);
  CHECK(net::idle_connection_count(ioc) == 0);
}

TEST_CASE("http client: a deadline seconds away is kept to about a tenth of a second") {
  // Deadlines three seconds or more away are watched by the coarse DeadlineService (100 ms
  // ticks) instead of a timer per request.
  FakeUpstream upstream([](const UpstreamRequest&, int) {
    return Action{Action::kNoResponse, {}, {}};
  });
  auto client = make_client();
  asio::io_context ioc;
  auto start = std::chrono::steady_clock::now();
  const auto e = failed(send(ioc, *client, local(upstream.port()), get(), 3100ms));
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(e.kind == net::SendErrorKind::kTimeout);
  CHECK(elapsed >= 3100ms);
  CHECK(elapsed < 3700ms);
  CHECK(upstream.requests() == 1);
  CHECK(net::idle_connection_count(ioc) == 0);
}

TEST_CASE("http client: connection refused") {
  auto client = make_client();
  asio::io_context ioc;
  const auto e = failed(send(ioc, *client, local(closed_port()), get()));
  CHECK(e.kind == net::SendErrorKind::kConnect);
  CHECK_FALSE(e.message.empty());
}

TEST_CASE("http client: an unresolvable host is a DNS error") {
  auto client = make_client();
  asio::io_context ioc;
  net::Origin origin;
  origin.host = "gatehouse-test.invalid";  // RFC 6761: never resolves
  origin.port = 80;
  const auto e = failed(send(ioc, *client, origin, get(), 10s));
  CHECK(e.kind == net::SendErrorKind::kDns);
}

TEST_CASE("http client: a malformed response is a protocol error") {
  FakeUpstream upstream([](const UpstreamRequest&, int) {
    return Action{Action::kRaw, {}, "HTTP/1.1 abc Nope\r\nContent-Length: 0\r\n\r\n"};
  });
  auto client = make_client();
  asio::io_context ioc;
  const auto e = failed(send(ioc, *client, local(upstream.port()), get()));
  CHECK(e.kind == net::SendErrorKind::kProtocol);
  CHECK(net::idle_connection_count(ioc) == 0);
}

TEST_CASE("http client: a response that arrives in pieces is read whole") {
  // The head and the body each come over several reads; the connection stays reusable.
  FakeUpstream upstream([](const UpstreamRequest&, int) {
    return Action{Action::kRawInPieces,
                  {},
                  "HTTP/1.1 200 OK\r\nX-Piece: yes\r\nContent-Length: 26\r\n\r\n"
                  "abcdefghijklmnopqrstuvwxyz"};
  });
  auto client = make_client();
  asio::io_context ioc;
  for (int i = 0; i < 2; ++i) {
    const auto r = ok(send(ioc, *client, local(upstream.port()), get()));
    CHECK(r.status == 200);
    CHECK(r.headers.get("X-Piece") == "yes");
    CHECK(r.body == "abcdefghijklmnopqrstuvwxyz");
  }
  CHECK(upstream.connections() == 1);
  CHECK(net::idle_connection_count(ioc) == 1);
}

TEST_CASE("http client: bytes past a Content-Length keep the connection out of the pool") {
  // The body comes after the head (read straight into the response) and four bytes nobody
  // asked for follow it: reusing the connection would hand them to the next request.
  FakeUpstream upstream([](const UpstreamRequest&, int) {
    return Action{Action::kRawInPieces,
                  {},
                  "HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n"
                  "abcdefghijklmnopqrstuvwxyzJUNK"};
  });
  auto client = make_client();
  asio::io_context ioc;
  for (int i = 0; i < 2; ++i) {
    const auto r = ok(send(ioc, *client, local(upstream.port()), get()));
    CHECK(r.body == "abcdefghijklmnopqrstuvwxyz");
    CHECK(net::idle_connection_count(ioc) == 0);
  }
  CHECK(upstream.connections() == 2);
}

TEST_CASE("http client: a response cut short is a connection error") {
  for (const char* cut :
       {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b", "HTTP/1.1 200 OK\r\nContent-Le",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"}) {
    CAPTURE(cut);
    FakeUpstream upstream([cut](const UpstreamRequest&, int) {
      return Action{Action::kRaw, {}, cut};
    });
    auto client = make_client();
    asio::io_context ioc;
    const auto e = failed(send(ioc, *client, local(upstream.port()), get()));
    CHECK(e.kind == net::SendErrorKind::kConnect);
    CHECK(e.message == "connection closed during the response");
    CHECK(upstream.requests() == 1);
    CHECK(net::idle_connection_count(ioc) == 0);
  }
}

TEST_CASE("http client: a response body over the limit is TooLarge") {
  SUBCASE("announced by Content-Length (10 MB default limit)") {
    FakeUpstream upstream([](const UpstreamRequest&, int) {
      return Action{Action::kRaw, {}, "HTTP/1.1 200 OK\r\nContent-Length: 10485761\r\n\r\nxyz"};
    });
    auto client = make_client();
    asio::io_context ioc;
    const auto e = failed(send(ioc, *client, local(upstream.port()), get()));
    CHECK(e.kind == net::SendErrorKind::kTooLarge);
    CHECK(e.message == "response body larger than 10485760 bytes");
  }
  SUBCASE("found while reading a body delimited by EOF") {
    FakeUpstream upstream([](const UpstreamRequest&, int) {
      return Action{Action::kRaw, {}, "HTTP/1.1 200 OK\r\n\r\n" + std::string(2000, 'x')};
    });
    net::ClientOptions options;
    options.max_response_body = 1000;
    auto client = make_client(options);
    asio::io_context ioc;
    CHECK(failed(send(ioc, *client, local(upstream.port()), get())).kind ==
          net::SendErrorKind::kTooLarge);
  }
  SUBCASE("exactly at the limit is fine") {
    FakeUpstream upstream([](const UpstreamRequest& req, int n) {
      Action a = echo(req, n);
      a.response.body() = std::string(1000, 'y');
      a.response.prepare_payload();
      return a;
    });
    net::ClientOptions options;
    options.max_response_body = 1000;
    auto client = make_client(options);
    asio::io_context ioc;
    CHECK(ok(send(ioc, *client, local(upstream.port()), get())).body.size() == 1000);
  }
}

TEST_CASE("http client: a 5 MB request body makes the round trip") {
  FakeUpstream upstream;
  auto client = make_client();
  asio::io_context ioc;
  std::string body(5 * 1024 * 1024, '\0');
  gh::util::random_bytes(reinterpret_cast<unsigned char*>(body.data()), body.size());
  net::OutboundRequest req;
  req.method = "PUT";
  req.target = "/blob";
  req.headers.add("Content-Type", "application/octet-stream");
  req.headers.add("Content-Length", "1");  // the caller's framing is ignored
  req.body = body;
  const auto r = ok(send(ioc, *client, local(upstream.port()), req, 20s));
  CHECK(r.status == 200);
  CHECK(r.headers.get("X-Got-Method") == "PUT");
  CHECK(r.headers.get("X-Got-Content-Length") == std::to_string(body.size()));
  CHECK(r.body.size() == body.size());
  CHECK(r.body == body);
}

TEST_CASE("http client: HEAD responses carry no body and keep the connection usable") {
  // A response to HEAD announces the length of the body a GET would get, and sends no body.
  FakeUpstream upstream([](const UpstreamRequest& req, int n) {
    if (req.method() != http::verb::head) return echo(req, n);
    return Action{Action::kRawKeepOpen, {}, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"};
  });
  auto client = make_client();
  asio::io_context ioc;
  net::OutboundRequest head = get();
  head.method = "HEAD";
  const auto r = ok(send(ioc, *client, local(upstream.port()), head));
  CHECK(r.headers.get("Content-Length") == "1234");
  CHECK(r.body.empty());
  CHECK(ok(send(ioc, *client, local(upstream.port()), get())).status == 200);
  CHECK(upstream.connections() == 1);
}

// ---------------------------------------------------------------------------------------- TLS

namespace {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A self-signed certificate (its own CA) for `san`, e.g. "IP:127.0.0.1".
TestCert make_cert(const char* san) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key);
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("gatehouse test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  const std::pair<int, const char*> extensions[] = {
      {NID_subject_alt_name, san},
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_subject_key_identifier, "hash"},
  };
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    REQUIRE(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(x, key, EVP_sha256()) > 0);
  TestCert out;
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x);
  out.cert_pem = bio_string(cert_bio);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bio_string(key_bio);
  BIO_free(key_bio);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

std::shared_ptr<ssl::context> server_tls(const TestCert& cert) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->use_certificate_chain(asio::buffer(cert.cert_pem));
  ctx->use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
  return ctx;
}

// A PEM file that lives as long as the object.
struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& content) {
    path =
        std::filesystem::temp_directory_path() / ("gatehouse-ca-" + gh::util::uuid_v4() + ".pem");
    std::ofstream(path) << content;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

}  // namespace

TEST_CASE("http client: TLS with a trusted CA file, reused connections") {
  TestCert cert = make_cert("DNS:localhost,IP:127.0.0.1");
  FakeUpstream upstream(echo, server_tls(cert));
  TempFile ca(cert.cert_pem);
  net::ClientOptions options;
  options.ca_file = ca.path.string();
  auto client = make_client(options);
  asio::io_context ioc;
  CHECK(ok(send(ioc, *client, local(upstream.port(), true), get("/a"))).status == 200);
  CHECK(ok(send(ioc, *client, local(upstream.port(), true), get("/b"))).status == 200);
  CHECK(upstream.connections() == 1);
  CHECK(upstream.last_request()[http::field::host] ==
        "127.0.0.1:" + std::to_string(upstream.port()));

  // By name: SNI and DNS-name verification.
  net::Origin by_name = local(upstream.port(), true);
  by_name.host = "localhost";
  CHECK(ok(send(ioc, *client, by_name, get("/c"))).status == 200);
}

TEST_CASE("http client: TLS verification failures are TLS errors") {
  TestCert cert = make_cert("DNS:other.example");
  FakeUpstream upstream(echo, server_tls(cert));
  asio::io_context ioc;

  SUBCASE("untrusted (the system store does not know a self-signed certificate)") {
    auto client = make_client();
    const auto e = failed(send(ioc, *client, local(upstream.port(), true), get()));
    CHECK(e.kind == net::SendErrorKind::kTls);
    CHECK(e.message.rfind("certificate verification failed: ", 0) == 0);
  }
  SUBCASE("trusted, but issued for another host") {
    TempFile ca(cert.cert_pem);
    net::ClientOptions options;
    options.ca_file = ca.path.string();
    auto client = make_client(options);
    const auto e = failed(send(ioc, *client, local(upstream.port(), true), get()));
    CHECK(e.kind == net::SendErrorKind::kTls);
    CHECK(e.message == "certificate verification failed: IP address mismatch");
  }
  SUBCASE("verification off") {
    net::ClientOptions options;
    options.tls_verify = false;
    auto client = make_client(options);
    CHECK(ok(send(ioc, *client, local(upstream.port(), true), get())).status == 200);
  }
}

TEST_CASE("http client: a bad CA file fails at creation") {
  net::ClientOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  std::string error;
  CHECK_FALSE(net::HttpClient::create(options, error));
  CHECK(error.rfind("cannot load CA file '/nonexistent/ca.pem': ", 0) == 0);
}

// --------------------------------------------------------------------------- the integration

namespace {

struct Proxy {
  gh::core::ApiInfo api;
  gh::core::StageInfo stage;
  gh::core::RouteInfo route;
  gh::core::Services services;
  std::shared_ptr<const gh::core::Integration> integration;

  Proxy(gh::core::ApiProtocol protocol, const std::string& integration_yaml) {
    api.id = "api123";
    api.protocol = protocol;
    stage.name = "dev";
    route.route_key = "ANY /pets/{proxy+}";
    route.method = "ANY";
    route.path = "/pets/{proxy+}";
    gh::config::Diagnostics diags;
    auto root = gh::config::load_yaml_text(integration_yaml, "t.yaml", diags);
    REQUIRE(root);
    gh::config::Config config;
    config.root = *root;
    gh::core::CompileScope scope(config, services);
    gh::core::IntegrationBuildContext ctx{
        root->child("integration"), *root, api, stage, route, services, scope};
    integration = gh::plugins::http_proxy::make_factory()->create(ctx, diags);
    INFO(diags.format());
    REQUIRE(integration);
  }

  gh::core::RequestContext context() const {
    gh::core::RequestContext ctx;
    ctx.api = &api;
    ctx.stage = &stage;
    ctx.route = &route;
    ctx.request_id = "req-1";
    ctx.request.method = "POST";
    ctx.request.set_target("/dev/pets/dogs/rex?color=brown");
    ctx.request.headers.add("Host", "api.example.com");
    ctx.request.headers.add("Content-Type", "text/plain");
    ctx.request.headers.add("Connection", "keep-alive");
    ctx.request.body = "woof";
    ctx.request.connection.source_ip = "198.51.100.4";
    ctx.request.connection.local_port = 3000;
    ctx.path_params = {{"proxy", "dogs/rex"}};
    ctx.path = "/pets/dogs/rex";
    return ctx;
  }

  gh::core::IntegrationResult invoke(asio::io_context& ioc, gh::core::RequestContext& ctx) const {
    return run_on(ioc, [&]() -> asio::awaitable<gh::core::IntegrationResult> {
      co_return co_await integration->invoke(ctx);
    });
  }
};

std::string yaml_for(const std::string& uri, int timeout_ms = 29000) {
  return "integration:\n  type: http_proxy\n  uri: '" + uri +
         "'\n  timeoutInMillis: " + std::to_string(timeout_ms) + "\n";
}

}  // namespace

TEST_CASE("http_proxy integration: forwards the request and returns the upstream response") {
  FakeUpstream upstream([](const UpstreamRequest& req, int n) {
    Action a = echo(req, n);
    a.response.result(http::status::created);
    a.response.set(http::field::server, "fake");
    return a;
  });
  std::string base = "http://127.0.0.1:" + std::to_string(upstream.port());
  Proxy proxy(gh::core::ApiProtocol::kRest, yaml_for(base + "/v1/{proxy}?src=gw"));
  asio::io_context ioc;
  auto ctx = proxy.context();
  auto result = proxy.invoke(ioc, ctx);
  auto* response = std::get_if<gh::core::Response>(&result);
  REQUIRE(response);
  CHECK(response->status == 201);
  CHECK(response->body == "woof");
  CHECK(response->headers.get("Server") == "fake");  // as received; the pipeline remaps later
  CHECK(ctx.integration_status == 201);

  UpstreamRequest got = upstream.last_request();
  CHECK(got.method_string() == "POST");
  CHECK(got.target() == "/v1/dogs/rex?src=gw&color=brown");
  CHECK(got[http::field::host] == "127.0.0.1:" + std::to_string(upstream.port()));
  CHECK(got["X-Amzn-Apigateway-Api-Id"] == "api123");
  CHECK(got["X-Forwarded-For"] == "198.51.100.4");
  CHECK(got["X-Forwarded-Port"] == "3000");
  CHECK(got[http::field::content_type] == "text/plain");
  CHECK(got.body() == "woof");
}

TEST_CASE("http_proxy integration: failures become AWS gateway errors") {
  asio::io_context ioc;
  SUBCASE("timeout") {
    FakeUpstream upstream([](const UpstreamRequest&, int) {
      return Action{Action::kNoResponse, {}, {}};
    });
    Proxy proxy(gh::core::ApiProtocol::kRest,
                yaml_for("http://127.0.0.1:" + std::to_string(upstream.port()) + "/x", 100));
    auto ctx = proxy.context();
    auto result = proxy.invoke(ioc, ctx);
    auto* error = std::get_if<gh::core::GatewayError>(&result);
    REQUIRE(error);
    CHECK(error->kind == gh::core::ErrorKind::kIntegrationTimeout);
    CHECK(ctx.integration_error.rfind("timeout: ", 0) == 0);
    CHECK(ctx.integration_status == -1);
  }
  SUBCASE("connection refused") {
    Proxy proxy(gh::core::ApiProtocol::kHttp,
                yaml_for("http://127.0.0.1:" + std::to_string(closed_port()) + "/x"));
    auto ctx = proxy.context();
    auto result = proxy.invoke(ioc, ctx);
    auto* error = std::get_if<gh::core::GatewayError>(&result);
    REQUIRE(error);
    CHECK(error->kind == gh::core::ErrorKind::kIntegrationFailure);
    CHECK(ctx.integration_error.rfind("connect: ", 0) == 0);
    CHECK(ctx.integration_error.find("connect: ", 1) == std::string::npos);
  }
  SUBCASE("untrusted certificate") {
    TestCert cert = make_cert("IP:127.0.0.1");
    FakeUpstream upstream(echo, server_tls(cert));
    Proxy proxy(gh::core::ApiProtocol::kRest,
                yaml_for("https://127.0.0.1:" + std::to_string(upstream.port()) + "/x"));
    auto ctx = proxy.context();
    auto result = proxy.invoke(ioc, ctx);
    auto* error = std::get_if<gh::core::GatewayError>(&result);
    REQUIRE(error);
    CHECK(error->kind == gh::core::ErrorKind::kApiConfigurationError);
  }
}

// ------------------------------------------------------------------------ through the gateway

TEST_CASE("http_proxy through the gateway: pooled per worker, AWS-shaped answers") {
  FakeUpstream upstream;
  const std::string backend = "http://127.0.0.1:" + std::to_string(upstream.port());
  const std::uint16_t dead = closed_port();
  gh::testing::RunningServer s(
      "version: 1\n"
      "server:\n"
      "  listeners:\n"
      "    - {host: 127.0.0.1, port: 0, serves: apis}\n"
      "  watchConfig: false\n"
      "logging:\n"
      "  accessLog: {destination: \"off\"}\n"
      "upstreams:\n"
      "  backend: {url: '" +
      backend +
      "/v1', maxIdleConnections: 4}\n"
      "apis:\n"
      "  - id: front\n"
      "    protocol: HTTP\n"
      "    routes:\n"
      "      \"ANY /api/{proxy+}\":\n"
      "        integration: {type: http_proxy, upstream: backend, path: '/{proxy}'}\n"
      "  - id: legacy\n"
      "    protocol: REST\n"
      "    basePath: /rest\n"
      "    stages: {prod: {}}\n"
      "    routes:\n"
      "      \"GET /down\":\n"
      "        integration: {type: http_proxy, uri: 'http://127.0.0.1:" +
      std::to_string(dead) + "/x'}\n");

  for (int i = 0; i < 6; ++i) {
    std::string r = gh::testing::get(s.port(), "/api/items/" + std::to_string(i) + "?q=1");
    CHECK(r.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(r.find("\r\nX-Got-Target: /v1/items/" + std::to_string(i) + "?q=1\r\n") !=
          std::string::npos);
  }
  CHECK(upstream.requests() == 6);
  // Each worker thread keeps its own pool: at most one connection per worker (the fixture runs 2).
  CHECK(upstream.connections() <= 2);
  UpstreamRequest last = upstream.last_request();
  CHECK(last["Forwarded"] == "for=127.0.0.1;host=localhost;proto=http");
  CHECK(last["Via"] == "HTTP/1.1 AmazonAPIGateway");

  std::string down = gh::testing::get(s.port(), "/rest/prod/down");
  CHECK(down.starts_with("HTTP/1.1 504 "));
  CHECK(down.ends_with("\r\n\r\n{\"message\": \"Network error communicating with endpoint\"}"));
  CHECK(s.stop() == 0);
}
