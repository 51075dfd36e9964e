// Request bodies that arrive with their head are taken in the same pass as the head
// (net/fast_head.hpp); bodies still arriving, chunked ones and those over a limit are Beast's.
// Both must reach the service APIs byte for byte, framed exactly, and a body a sink refuses
// must end the connection as it does when Beast feeds the sink.
#include <doctest/doctest.h>

#include <openssl/evp.h>

#include <filesystem>
#include <string>
#include <thread>

#include "gateway/util/encoding.hpp"
#include "tests/component/server_fixture.hpp"

using gh::testing::Client;
using gh::testing::RunningServer;

namespace {

std::string body_of(const std::string& response) {
  return response.substr(response.find("\r\n\r\n") + 4);
}

std::string post_dynamodb(const std::string& operation, const std::string& body,
                          const std::string& extra = "") {
  return "POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: DynamoDB_20120810." + operation +
         "\r\nContent-Type: application/x-amz-json-1.0\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string md5_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_md5(), nullptr);
  return gh::util::hex_lower(std::string_view(reinterpret_cast<const char*>(md), n));
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("gatehouse-bodies-" + std::to_string(::getpid()) + "-" +
             std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

std::string config(const std::string& data_dir) {
  return gh::testing::kLoopbackConfig + R"(dynamodb: {inMemory: true}
s3: {dataDir: ")" +
         data_dir + R"(", fsync: false}
apis:
  - id: shop
    routes:
      "ANY /{proxy+}":
        integration: {type: mock, body: 'any $request.path.proxy'}
)";
}

const std::string kCreateTable =
    R"({"TableName":"pets","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],)"
    R"("AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],)"
    R"("BillingMode":"PAY_PER_REQUEST"})";

}  // namespace

TEST_CASE("bodies that came with their heads reach the service APIs intact, in order") {
  TempDir dir;
  RunningServer s(config(dir.str()));
  Client c(s.port(1));
  // Three requests with bodies in one write, the second announcing Expect: 100-continue (it
  // gets its 100 first, as when its body is read after the head), then one whose body comes
  // in a second write (Beast reads it).
  const std::string put = post_dynamodb(
      "PutItem", R"({"TableName":"pets","Item":{"id":{"S":"1"},"name":{"S":"caf\u00e9 \r\n"}}})",
      "Expect: 100-continue\r\n");
  const std::string get =
      post_dynamodb("GetItem", R"({"TableName":"pets","Key":{"id":{"S":"1"}}})");
  c.send(post_dynamodb("CreateTable", kCreateTable) + put + get.substr(0, get.size() - 5));
  CHECK(c.read_response().starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(c.read_response().starts_with("HTTP/1.1 100 Continue\r\n"));
  CHECK(c.read_response().starts_with("HTTP/1.1 200 OK\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.send(get.substr(get.size() - 5) + get);
  const std::string first = c.read_response();
  CHECK(first.starts_with("HTTP/1.1 200 OK\r\n"));
  const std::string second = c.read_response();
  CHECK(body_of(second) == body_of(first));
  CHECK(body_of(first).find(R"("id":{"S":"1"})") != std::string::npos);
  // (Stored as normalised JSON: the escaped é comes back as its UTF-8 bytes.)
  CHECK(body_of(first).find("caf\xc3\xa9 \\r\\n") != std::string::npos);
}

TEST_CASE("an S3 upload whose body came with its head goes through the upload stream") {
  TempDir dir;
  RunningServer s(config(dir.str()));
  Client c(s.port(1));
  const std::string object("a\0b\r\n\r\nGET / HTTP/1.1\r\n\xff", 23);
  c.send(
      "PUT /photos HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"
      "PUT /photos/k1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/x-test\r\n"
      "Content-Length: " +
      std::to_string(object.size()) + "\r\n\r\n" + object +
      "GET /photos/k1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
  CHECK(c.read_response().starts_with("HTTP/1.1 200 OK\r\n"));
  const std::string put = c.read_response();
  CHECK(put.starts_with("HTTP/1.1 200 OK\r\n"));
  // The ETag is the MD5 of exactly the object's bytes.
  CHECK(put.find("ETag: \"" + md5_hex(object) + "\"\r\n") != std::string::npos);
  const std::string got = c.read_response();
  CHECK(got.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(body_of(got) == object);
  CHECK(got.find("Content-Type: image/x-test\r\n") != std::string::npos);
  CHECK(got.find("ETag: \"" + md5_hex(object) + "\"\r\n") != std::string::npos);
}

TEST_CASE("an upload refused before its body is answered and its connection closed") {
  TempDir dir;
  RunningServer s(config(dir.str()));
  Client c(s.port(1));
  // No such bucket: the upload stream refuses the request at its head; the body (all of it,
  // in the same write, so the head is parsed in one pass) is never taken as a request, and
  // the connection ends after the answer.
  c.send(
      "PUT /missing/k HTTP/1.1\r\nHost: localhost\r\nContent-Length: 36\r\n\r\n"
      "GET /missing/k HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string refused = c.read_response();
  CHECK(refused.starts_with("HTTP/1.1 404 Not Found\r\n"));
  CHECK(body_of(refused).find("<Code>NoSuchBucket</Code>") != std::string::npos);
  CHECK(c.closed_by_peer());
}
