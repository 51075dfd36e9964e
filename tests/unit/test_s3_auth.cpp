// The S3 API's IAM check (plugins/s3/s3_auth.hpp) through the sigv4 plugin's authorizer, against
// the S3 API reference's SigV4 examples ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk": GET object with Range, PUT object, GET bucket
// lifecycle, list objects; "Authenticating Requests: Using Query Parameters": the presigned
// GET; "… Multiple Chunks": the chunked PUT's seed signature), S3's answers for each failure,
// and the operation → IAM action/resource table.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/iam/credential_store.hpp"
#include "gateway/sigv4/signing.hpp"
#include "plugins/s3/aws_chunked.hpp"
#include "plugins/s3/s3_auth.hpp"
#include "plugins/sigv4/service_authorizer.hpp"

namespace s3 = gh::plugins::s3;
using namespace std::chrono_literals;

namespace {

constexpr const char* kKey = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kHost = "examplebucket.s3.amazonaws.com";
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::shared_ptr<const gh::iam::CredentialStore> make_store() {
  gh::config::Diagnostics diags;
  auto root = gh::config::load_yaml_text(std::string(R"(
iam:
  enforce: true
  credentials:
    - accessKeyId: AKIAIOSFODNN7EXAMPLE
      secretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
      arn: arn:aws:iam::123456789012:user/alice
      policies:
        - Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Action: "s3:*", Resource: "*"}
            - {Effect: Deny, Action: "s3:DeleteObject", Resource: "arn:aws:s3:::examplebucket/keep/*"}
)"),
                                         "iam.yaml", diags);
  REQUIRE(root);
  auto st = gh::iam::CredentialStore::parse(root->child("iam"), root->child("functions"), diags);
  INFO(diags.format());
  REQUIRE_FALSE(diags.has_errors());
  return st;
}

std::shared_ptr<const gh::iam::CredentialStore> store() {
  static auto s = make_store();
  return s;
}

/// One authorizer per region for the whole run: a verified identity points at its reference
/// to the store (core::Identity::signer_owner), which must outlive the contexts checked here.
std::shared_ptr<const gh::core::ServiceAuthorizer> authorizer(const char* region = "us-east-1") {
  static std::map<std::string, std::shared_ptr<const gh::core::ServiceAuthorizer>> kept;
  auto& a = kept[region];
  if (!a) a = gh::plugins::sigv4::make_service_authorizer(store(), region);
  return a;
}

std::chrono::system_clock::time_point example_time() {
  return *gh::sigv4::parse_amz_date("20130524T000000Z");
}

std::string auth_header(const std::string& signed_headers, const std::string& signature) {
  return std::string("AWS4-HMAC-SHA256 Credential=") + kKey +
         "/20130524/us-east-1/s3/aws4_request,SignedHeaders=" + signed_headers +
         ",Signature=" + signature;
}

gh::core::RequestContext request(std::string method, std::string target,
                                 std::vector<std::pair<std::string, std::string>> headers,
                                 std::string body = {}) {
  gh::core::RequestContext ctx;
  ctx.request.method = std::move(method);
  ctx.request.set_target(std::move(target));
  for (auto& [n, v] : headers) ctx.request.headers.add(n, v);
  ctx.request.body = std::move(body);
  return ctx;
}

const s3::S3Access kGet{"s3:GetObject", "arn:aws:s3:::examplebucket/test.txt"};

s3::S3AuthOutcome check(gh::core::RequestContext& ctx, const s3::S3Access& access = kGet,
                        std::chrono::system_clock::time_point now = example_time(),
                        const char* region = "us-east-1") {
  return s3::authorize_s3(ctx, *authorizer(region), access, now);
}

std::string code(const s3::S3AuthOutcome& o) { return o.error ? o.error->code : "OK"; }

std::string detail(const s3::S3ErrorReply& e, std::string_view name) {
  for (const auto& [n, v] : e.details) {
    if (n == name) return v;
  }
  return "<none>";
}

// S3 API reference, sig-v4-header-based-auth, "Example: GET Object".
gh::core::RequestContext get_object(std::string signature =
                                        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6"
                                        "036bdb41") {
  return request(
      "GET", "/test.txt",
      {{"Host", kHost},
       {"Range", "bytes=0-9"},
       {"x-amz-content-sha256", kEmpty},
       {"x-amz-date", "20130524T000000Z"},
       {"Authorization", auth_header("host;range;x-amz-content-sha256;x-amz-date", signature)}});
}

// "Example: PUT Object": body "Welcome to Amazon S3.", the key test$file.text.
gh::core::RequestContext put_object(std::string body = "Welcome to Amazon S3.") {
  return request(
      "PUT", "/test$file.text",
      {{"Host", kHost},
       {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
       {"x-amz-date", "20130524T000000Z"},
       {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
       {"x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
       {"Authorization",
        auth_header("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")}},
      std::move(body));
}

constexpr const char* kPresigned =
    "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%"
    "2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-"
    "SignedHeaders=host&X-Amz-Signature="
    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

/// A request signed by Gatehouse's own signer with S3's rules (UNSIGNED-PAYLOAD by default).
gh::core::RequestContext signed_request(std::string method, std::string path,
                                        std::string payload_hash = "UNSIGNED-PAYLOAD") {
  gh::sigv4::OutgoingRequest out;
  out.method = method;
  out.path = path;
  out.headers = {{"Host", kHost}};
  gh::sigv4::SigningParams params;
  params.credentials = {kKey, kSecret, ""};
  params.region = "us-east-1";
  params.service = "s3";
  params.time = example_time();
  params.uri_mode = gh::sigv4::UriMode::kS3;
  params.payload_hash = std::move(payload_hash);
  params.content_sha256_header = true;
  gh::sigv4::Signature sig = gh::sigv4::sign_headers(out, params);
  std::vector<std::pair<std::string, std::string>> headers = {{"Host", kHost}};
  for (const auto& h : sig.headers) headers.emplace_back(h.name, h.value);
  return request(std::move(method), std::move(path), std::move(headers));
}

}  // namespace

TEST_CASE("a kept identity keeps its credential store alive (a reload may drop it)") {
  // core::Identity holds the signer's fields as views of the store. While the request runs the
  // snapshot holds the store and the identity only points at its reference; a WebSocket
  // connection keeps its $connect identity (Identity::kept()) after that config is gone.
  auto ctx = get_object();
  gh::core::Identity kept;
  {
    auto fresh = gh::plugins::sigv4::make_service_authorizer(make_store(), "us-east-1");
    auto o = s3::authorize_s3(ctx, *fresh, kGet, example_time());
    REQUIRE(code(o) == "OK");
    REQUIRE(ctx.identity.signer_owner != nullptr);
    CHECK(ctx.identity.signer == nullptr);  // no reference counted per request
    kept = ctx.identity.kept();
  }  // the authorizer, and with it the config's reference to the store, is gone
  ctx = gh::core::RequestContext();
  REQUIRE(kept.signer != nullptr);
  CHECK(kept.signer_owner == nullptr);  // it pointed into the authorizer
  CHECK(kept.signer.use_count() == 1);  // only the identity holds it now
  CHECK(kept.user_arn == "arn:aws:iam::123456789012:user/alice");
  CHECK(kept.access_key == kKey);
  CHECK(kept.account_id == "123456789012");
  gh::core::Identity copy = kept;  // a message event's context, from the connection's
  CHECK(copy.kept().signer.use_count() == 3);
}

TEST_CASE("AWS's S3 SigV4 examples verify with S3's rules") {
  SUBCASE("GET object with Range") {
    auto ctx = get_object();
    auto o = check(ctx);
    CHECK(code(o) == "OK");
    CHECK(o.payload == s3::PayloadMode::kHashed);
    CHECK_FALSE(o.chunk_signing);
    CHECK(ctx.identity.user_arn == "arn:aws:iam::123456789012:user/alice");
    CHECK(ctx.identity.access_key == kKey);
  }
  SUBCASE("PUT object: '$' in the key is encoded once, the body hashes to the stated value") {
    auto ctx = put_object();
    CHECK(code(check(ctx, {"s3:PutObject", "arn:aws:s3:::examplebucket/test$file.text"})) == "OK");
  }
  SUBCASE("GET bucket lifecycle") {
    auto ctx = request(
        "GET", "/?lifecycle",
        {{"Host", kHost},
         {"x-amz-date", "20130524T000000Z"},
         {"x-amz-content-sha256", kEmpty},
         {"Authorization",
          auth_header("host;x-amz-content-sha256;x-amz-date",
                      "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")}});
    CHECK(code(check(ctx, *s3::s3_access("GetBucketLifecycleConfiguration", "examplebucket",
                                         ""))) == "OK");
  }
  SUBCASE("list objects") {
    auto ctx = request(
        "GET", "/?max-keys=2&prefix=J",
        {{"Host", kHost},
         {"x-amz-date", "20130524T000000Z"},
         {"x-amz-content-sha256", kEmpty},
         {"Authorization",
          auth_header("host;x-amz-content-sha256;x-amz-date",
                      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")}});
    CHECK(code(check(ctx, *s3::s3_access("ListObjects", "examplebucket", ""))) == "OK");
  }
  SUBCASE("presigned GET (signs UNSIGNED-PAYLOAD), valid until X-Amz-Expires") {
    auto ctx = request("GET", kPresigned, {{"Host", kHost}});
    auto o = check(ctx, kGet, example_time() + 86400s);
    CHECK(code(o) == "OK");
    CHECK(o.payload == s3::PayloadMode::kUnsigned);
  }
  SUBCASE("Gatehouse's signer with S3's rules: the path is not normalised") {
    auto ctx = signed_request("GET", "/photos/a%20b/../c//d.txt");
    auto o = check(ctx, {"s3:GetObject", "arn:aws:s3:::examplebucket/photos/a b/../c//d.txt"});
    CHECK(code(o) == "OK");
    CHECK(o.payload == s3::PayloadMode::kUnsigned);
  }
}

TEST_CASE("AWS's chunked PUT: the seed signature verifies and every chunk signature with it") {
  std::string body = std::string("10000;chunk-signature=") +
                     "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" +
                     std::string(65536, 'a') + "\r\n400;chunk-signature=" +
                     "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
                     std::string(1024, 'a') + "\r\n0;chunk-signature=" +
                     "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n";
  auto ctx = request(
      "PUT", "/examplebucket/chunkObject.txt",
      {{"Host", "s3.amazonaws.com"},
       {"x-amz-date", "20130524T000000Z"},
       {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
       {"Authorization",
        auth_header("content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-"
                    "decoded-content-length;x-amz-storage-class",
                    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")},
       {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
       {"Content-Encoding", "aws-chunked"},
       {"x-amz-decoded-content-length", "66560"},
       {"Content-Length", "66824"}},
      body);
  auto o = check(ctx, {"s3:PutObject", "arn:aws:s3:::examplebucket/chunkObject.txt"});
  REQUIRE(code(o) == "OK");
  CHECK(o.payload == s3::PayloadMode::kStreamingSigned);
  REQUIRE(o.chunk_signing);
  CHECK(o.chunk_signing->seed_signature ==
        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  CHECK(o.chunk_signing->scope == "20130524/us-east-1/s3/aws4_request");
  CHECK(o.chunk_signing->amz_date == "20130524T000000Z");

  s3::ChunkedSetup setup = s3::chunked_options(ctx, o.chunk_signing);
  REQUIRE_FALSE(setup.error);
  CHECK(setup.options.decoded_length == std::optional<std::uint64_t>(66560));
  REQUIRE(setup.options.signing);
  std::string payload;
  CHECK_FALSE(s3::decode_aws_chunked(ctx.request.body, setup.options, payload));
  CHECK(payload == std::string(66560, 'a'));

  body[100] = 'b';
  CHECK(s3::decode_aws_chunked(body, setup.options, payload)->code == "SignatureDoesNotMatch");
}

TEST_CASE("S3's answers when the signature check fails") {
  SUBCASE("SignatureDoesNotMatch with StringToSign and CanonicalRequest") {
    auto ctx = get_object("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb42");
    auto o = check(ctx);
    REQUIRE(o.error);
    CHECK(o.error->code == "SignatureDoesNotMatch");
    CHECK(o.error->status == 403);
    CHECK(o.error->message ==
          "The request signature we calculated does not match the signature you provided. "
          "Check your key and signing method.");
    CHECK(detail(*o.error, "AWSAccessKeyId") == kKey);
    CHECK(detail(*o.error, "StringToSign") ==
          "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
          "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    CHECK(detail(*o.error, "CanonicalRequest") ==
          std::string("GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                      "x-amz-content-sha256:") +
              kEmpty +
              "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
              kEmpty);
    CHECK(detail(*o.error, "SignatureProvided").ends_with("bdb42"));
    CHECK(detail(*o.error, "StringToSignBytes").starts_with("41 57 53 34"));
  }
  SUBCASE("unknown access key: InvalidAccessKeyId") {
    auto ctx = get_object();
    std::string auth(ctx.request.headers.get("Authorization"));
    ctx.request.headers.set("Authorization", auth.replace(auth.find(kKey), 4, "AKIB"));
    auto o = check(ctx);
    REQUIRE(o.error);
    CHECK(o.error->code == "InvalidAccessKeyId");
    CHECK(o.error->status == 403);
    CHECK(detail(*o.error, "AWSAccessKeyId") == "AKIBIOSFODNN7EXAMPLE");
  }
  SUBCASE("clock skew: 15 minutes allowed, RequestTimeTooSkewed beyond") {
    auto ctx = get_object();
    CHECK(code(check(ctx, kGet, example_time() + 14min)) == "OK");
    auto o = check(ctx, kGet, example_time() + 16min);
    REQUIRE(o.error);
    CHECK(o.error->code == "RequestTimeTooSkewed");
    CHECK(o.error->status == 403);
    CHECK(detail(*o.error, "RequestTime") == "20130524T000000Z");
    CHECK(detail(*o.error, "ServerTime") == "2013-05-24T00:16:00Z");
    CHECK(detail(*o.error, "MaxAllowedSkewMilliseconds") == "900000");
    CHECK(code(check(ctx, kGet, example_time() - 16min)) == "RequestTimeTooSkewed");
  }
  SUBCASE("expired presigned URL: AccessDenied, Request has expired") {
    auto ctx = request("GET", kPresigned, {{"Host", kHost}});
    auto o = check(ctx, kGet, example_time() + 86401s);
    REQUIRE(o.error);
    CHECK(o.error->code == "AccessDenied");
    CHECK(o.error->status == 403);
    CHECK(o.error->message == "Request has expired");
    CHECK(detail(*o.error, "X-Amz-Expires") == "86400");
    CHECK(detail(*o.error, "Expires") == "2013-05-25T00:00:00Z");
    CHECK(detail(*o.error, "ServerTime") == "2013-05-25T00:00:01Z");
  }
  SUBCASE("X-Amz-Expires over 7 days: AuthorizationQueryParametersError") {
    std::string target = kPresigned;
    target.replace(target.find("86400"), 5, "604801");
    auto ctx = request("GET", target, {{"Host", kHost}});
    auto o = check(ctx);
    CHECK(code(o) == "AuthorizationQueryParametersError");
    CHECK(o.error->status == 400);
  }
  SUBCASE("presigned URL without X-Amz-Signature: AuthorizationQueryParametersError") {
    std::string target = kPresigned;
    target.resize(target.find("&X-Amz-Signature"));
    auto ctx = request("GET", target, {{"Host", kHost}});
    CHECK(code(check(ctx)) == "AuthorizationQueryParametersError");
  }
  SUBCASE("wrong region: AuthorizationHeaderMalformed naming the expected region") {
    auto ctx = get_object();
    auto o = check(ctx, kGet, example_time(), "eu-west-1");
    REQUIRE(o.error);
    CHECK(o.error->code == "AuthorizationHeaderMalformed");
    CHECK(o.error->status == 400);
    CHECK(o.error->message ==
          "The authorization header is malformed; the region 'us-east-1' is wrong; expecting "
          "'eu-west-1'");
    CHECK(detail(*o.error, "Region") == "eu-west-1");
  }
  SUBCASE("stated payload hash not the body's: XAmzContentSHA256Mismatch") {
    auto ctx = put_object("Welcome to Amazon S3!");
    auto o = check(ctx, {"s3:PutObject", "arn:aws:s3:::examplebucket/test$file.text"});
    CHECK(code(o) == "XAmzContentSHA256Mismatch");
    CHECK(o.error->status == 400);
  }
  SUBCASE("header auth without x-amz-content-sha256: InvalidRequest") {
    auto ctx = get_object();
    ctx.request.headers.erase("x-amz-content-sha256");
    auto o = check(ctx);
    CHECK(code(o) == "InvalidRequest");
    CHECK(o.error->message == "Missing required header for this request: x-amz-content-sha256");
  }
  SUBCASE("x-amz-content-sha256 sent but not signed: InvalidRequest") {
    auto ctx = get_object();
    std::string auth(ctx.request.headers.get("Authorization"));
    ctx.request.headers.set("Authorization",
                            auth.replace(auth.find(";x-amz-content-sha256"), 21, ""));
    auto o = check(ctx);
    CHECK(code(o) == "InvalidRequest");
    CHECK(o.error->message == "header 'x-amz-content-sha256' must be included in signature");
  }
  SUBCASE("an x-amz-content-sha256 that is neither a hash nor a known value: InvalidArgument") {
    auto ctx = get_object();
    ctx.request.headers.set("x-amz-content-sha256", "nonsense");
    CHECK(code(check(ctx)) == "InvalidArgument");
  }
  SUBCASE("not SigV4: InvalidArgument Unsupported Authorization Type") {
    auto ctx = get_object();
    ctx.request.headers.set("Authorization", "Bearer abc");
    auto o = check(ctx);
    CHECK(code(o) == "InvalidArgument");
    CHECK(o.error->message == "Unsupported Authorization Type");
  }
  SUBCASE("an incomplete SigV4 header: AuthorizationHeaderMalformed") {
    auto ctx = get_object();
    ctx.request.headers.set("Authorization", "AWS4-HMAC-SHA256 Credential=x");
    CHECK(code(check(ctx)) == "AuthorizationHeaderMalformed");
  }
  SUBCASE("anonymous: AccessDenied") {
    auto ctx = request("GET", "/test.txt", {{"Host", kHost}});
    auto o = check(ctx);
    CHECK(code(o) == "AccessDenied");
    CHECK(o.error->status == 403);
  }
}

TEST_CASE("a policy denial is AccessDenied naming the S3 action") {
  auto ctx = signed_request("DELETE", "/keep/a.txt");
  auto denied = check(ctx, *s3::s3_access("DeleteObject", "examplebucket", "keep/a.txt"));
  REQUIRE(denied.error);
  CHECK(denied.error->code == "AccessDenied");
  CHECK(denied.error->status == 403);
  CHECK(denied.error->message ==
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
        "s3:DeleteObject on resource: arn:aws:s3:::examplebucket/keep/a.txt with an explicit "
        "deny in an identity-based policy");
  auto other = signed_request("DELETE", "/other/a.txt");
  CHECK(code(check(other, *s3::s3_access("DeleteObject", "examplebucket", "other/a.txt"))) == "OK");
}

TEST_CASE("another ServiceAuthorizer's refusal is mapped by kind") {
  struct Refusing final : gh::core::ServiceAuthorizer {
    gh::core::ErrorKind kind;
    explicit Refusing(gh::core::ErrorKind k) : kind(k) {}
    std::optional<gh::core::GatewayError> check(
        gh::core::RequestContext&, const gh::core::ServiceAccess& access) const override {
      CHECK(access.service == "s3");
      return gh::core::GatewayError::of(kind, "no");
    }
  };
  auto ctx = get_object();
  using K = gh::core::ErrorKind;
  CHECK(code(s3::authorize_s3(ctx, Refusing(K::kAccessDenied), kGet)) == "AccessDenied");
  CHECK(code(s3::authorize_s3(ctx, Refusing(K::kInvalidSignature), kGet)) ==
        "SignatureDoesNotMatch");
  CHECK(code(s3::authorize_s3(ctx, Refusing(K::kUnrecognizedClient), kGet)) ==
        "InvalidAccessKeyId");
  CHECK(code(s3::authorize_s3(ctx, Refusing(K::kMissingAuthenticationToken), kGet)) ==
        "AccessDenied");
}

TEST_CASE("S3 operations map to IAM actions and resources as S3 names them") {
  auto a = [](std::string_view op, std::string_view bucket, std::string_view key) {
    auto access = s3::s3_access(op, bucket, key);
    REQUIRE(access);
    return access->action + " " + access->resource;
  };
  CHECK(a("GetObject", "b", "dir/k.txt") == "s3:GetObject arn:aws:s3:::b/dir/k.txt");
  CHECK(a("HeadObject", "b", "k") == "s3:GetObject arn:aws:s3:::b/k");
  CHECK(a("PutObject", "b", "k") == "s3:PutObject arn:aws:s3:::b/k");
  CHECK(a("UploadPart", "b", "k") == "s3:PutObject arn:aws:s3:::b/k");
  CHECK(a("CompleteMultipartUpload", "b", "k") == "s3:PutObject arn:aws:s3:::b/k");
  CHECK(a("AbortMultipartUpload", "b", "k") == "s3:AbortMultipartUpload arn:aws:s3:::b/k");
  CHECK(a("ListParts", "b", "k") == "s3:ListMultipartUploadParts arn:aws:s3:::b/k");
  CHECK(a("DeleteObject", "b", "k") == "s3:DeleteObject arn:aws:s3:::b/k");
  CHECK(a("ListObjectsV2", "b", "") == "s3:ListBucket arn:aws:s3:::b");
  CHECK(a("HeadBucket", "b", "") == "s3:ListBucket arn:aws:s3:::b");
  CHECK(a("CreateBucket", "b", "") == "s3:CreateBucket arn:aws:s3:::b");
  CHECK(a("DeleteBucket", "b", "") == "s3:DeleteBucket arn:aws:s3:::b");
  CHECK(a("ListMultipartUploads", "b", "") == "s3:ListBucketMultipartUploads arn:aws:s3:::b");
  CHECK(a("ListBuckets", "", "") == "s3:ListAllMyBuckets *");
  CHECK_FALSE(s3::s3_access("Frobnicate", "b", "k"));
  CHECK(s3::s3_arn("b") == "arn:aws:s3:::b");
}

TEST_CASE("chunked_options reads the streaming headers") {
  auto ctx = request("PUT", "/b/k",
                     {{"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
                      {"x-amz-trailer", "x-amz-checksum-crc32"},
                      {"x-amz-decoded-content-length", "11"}});
  s3::ChunkedSetup setup = s3::chunked_options(ctx);
  REQUIRE_FALSE(setup.error);
  CHECK(setup.options.mode == s3::PayloadMode::kStreamingUnsignedTrailer);
  CHECK(setup.options.declared_trailer == "x-amz-checksum-crc32");
  CHECK(setup.options.decoded_length == std::optional<std::uint64_t>(11));
  CHECK_FALSE(setup.options.signing);
  ctx.request.headers.set("x-amz-decoded-content-length", "12a");
  CHECK(s3::chunked_options(ctx).error);
  ctx.request.headers.set("x-amz-decoded-content-length", "99999999999999999999999");
  CHECK(s3::chunked_options(ctx).error);
}
