// The aws-chunked decoder (plugins/s3/aws_chunked.hpp) against AWS's published chunked-upload
// example (S3 API reference, "Signature Calculations for the Authorization Header: Transferring
// Payload in Multiple Chunks (Chunked Upload)": 66560 bytes of 'a' in 64 KB + 1 KB chunks, seed
// signature 4f232c…, Content-Length 66824), against a body as the AWS SDKs send it unsigned with
// a CRC32 trailer, and against malformed bodies: each gives S3's error, byte-by-byte feeding
// gives the same result as one feed.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "gateway/sigv4/signing.hpp"
#include "gateway/util/crypto.hpp"
#include "plugins/s3/aws_chunked.hpp"
#include "plugins/s3/checksums.hpp"

namespace s3 = gh::plugins::s3;

namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kSeed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr const char* kSig1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
constexpr const char* kSig2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
constexpr const char* kSigFinal =
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

s3::ChunkSigning example_signing() {
  s3::ChunkSigning s;
  s.signing_key = gh::sigv4::signing_key(kSecret, "20130524", "us-east-1", "s3");
  s.amz_date = "20130524T000000Z";
  s.scope = "20130524/us-east-1/s3/aws4_request";
  s.seed_signature = kSeed;
  return s;
}

std::string example_body() {
  return std::string("10000;chunk-signature=") + kSig1 + "\r\n" + std::string(65536, 'a') + "\r\n" +
         "400;chunk-signature=" + kSig2 + "\r\n" + std::string(1024, 'a') + "\r\n" +
         "0;chunk-signature=" + kSigFinal + "\r\n\r\n";
}

s3::ChunkedOptions signed_options() {
  s3::ChunkedOptions o;
  o.mode = s3::PayloadMode::kStreamingSigned;
  o.decoded_length = 66560;
  o.signing = example_signing();
  return o;
}

struct Outcome {
  std::optional<s3::S3ErrorReply> error;
  std::string payload;
  std::vector<std::pair<std::string, std::string>> trailers;
};

/// Feeds `body` in pieces of `step` bytes (0: all at once), then finishes.
Outcome run(const std::string& body, const s3::ChunkedOptions& options, std::size_t step = 0) {
  Outcome out;
  s3::AwsChunkedDecoder decoder(options);
  if (step == 0) step = body.size() + 1;
  for (std::size_t pos = 0; pos < body.size() && !out.error; pos += step) {
    out.error = decoder.feed(std::string_view(body).substr(pos, step), out.payload);
  }
  if (!out.error) out.error = decoder.finish();
  out.trailers = decoder.trailers();
  return out;
}

std::string code_of(const Outcome& o) { return o.error ? o.error->code : std::string("OK"); }

/// A signed body with trailers, built with the chunk and trailer string-to-sign forms of the S3
/// API reference (sigv4-streaming, sigv4-streaming-trailers).
std::string sign_chunk(const s3::ChunkSigning& s, const std::string& previous,
                       std::string_view data) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amz_date + "\n" + s.scope + "\n" + previous +
                    "\n" + std::string(gh::sigv4::kEmptyPayloadHash) + "\n" +
                    gh::util::sha256_hex(data);
  return gh::sigv4::signature(s.signing_key, sts);
}

}  // namespace

TEST_CASE("AWS's chunked upload example: 66560 bytes, three chunk signatures, all verified") {
  std::string body = example_body();
  CHECK(body.size() == 66824);  // the example's Content-Length
  Outcome whole = run(body, signed_options());
  CHECK(code_of(whole) == "OK");
  CHECK(whole.payload == std::string(66560, 'a'));
  CHECK(whole.trailers.empty());

  SUBCASE("byte by byte and in odd pieces: the same") {
    for (std::size_t step : {1u, 7u, 4096u, 65537u}) {
      Outcome piecewise = run(body, signed_options(), step);
      CHECK(code_of(piecewise) == "OK");
      CHECK(piecewise.payload == whole.payload);
    }
  }
  SUBCASE("the decoder's chunk signatures are AWS's published ones") {
    s3::ChunkSigning s = example_signing();
    CHECK(sign_chunk(s, kSeed, std::string(65536, 'a')) == kSig1);
    CHECK(sign_chunk(s, kSig1, std::string(1024, 'a')) == kSig2);
    CHECK(sign_chunk(s, kSig2, "") == kSigFinal);
  }
  SUBCASE("without a signing context (IAM not enforced) signatures are parsed, not checked") {
    s3::ChunkedOptions o = signed_options();
    o.signing.reset();
    std::string tampered = body;
    tampered[30] = tampered[30] == '0' ? '1' : '0';  // inside the first chunk-signature
    Outcome r = run(tampered, o);
    CHECK(code_of(r) == "OK");
    CHECK(r.payload.size() == 66560);
  }
}

TEST_CASE("a wrong chunk signature, or chunks in the wrong order, is SignatureDoesNotMatch") {
  std::string body = example_body();
  SUBCASE("second chunk signature altered") {
    std::size_t at = body.find(kSig2);
    body[at] = body[at] == '0' ? '1' : '0';
  }
  SUBCASE("a data byte altered") { body[200] = 'b'; }
  SUBCASE("final signature altered") {
    std::size_t at = body.find(kSigFinal);
    body[at + 63] = body[at + 63] == '9' ? '8' : '9';
  }
  SUBCASE("wrong seed") {
    s3::ChunkedOptions o = signed_options();
    o.signing->seed_signature[0] = '5';
    for (std::size_t step : {0u, 1u}) {
      Outcome r = run(body, o, step);
      CHECK(code_of(r) == "SignatureDoesNotMatch");
      CHECK(r.error->status == 403);
    }
    return;
  }
  for (std::size_t step : {0u, 1u}) {
    Outcome r = run(body, signed_options(), step);
    CHECK(code_of(r) == "SignatureDoesNotMatch");
    CHECK(r.error->status == 403);
  }
}

TEST_CASE("an SDK's unsigned body with a CRC32 trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER)") {
  // As @aws-sdk/client-s3 and botocore send PutObject over http with the default CRC32
  // checksum: hex size, CRLF, data, CRLF, "0", CRLF, the trailer line, CRLF, CRLF.
  std::string payload = "Hello from the AWS SDK!";
  s3::StreamingHasher h({true, false, false});
  h.update(payload);
  std::string crc = h.finish().crc32;
  std::string body = "17\r\n" + payload + "\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n";
  s3::ChunkedOptions o;
  o.mode = s3::PayloadMode::kStreamingUnsignedTrailer;
  o.decoded_length = payload.size();
  o.declared_trailer = "x-amz-checksum-crc32";
  for (std::size_t step : {0u, 1u, 5u}) {
    Outcome r = run(body, o, step);
    CHECK(code_of(r) == "OK");
    CHECK(r.payload == payload);
    REQUIRE(r.trailers.size() == 1);
    CHECK(r.trailers[0].first == "x-amz-checksum-crc32");
    CHECK(r.trailers[0].second == crc);
  }
  s3::AwsChunkedDecoder decoder(o);
  std::string out;
  CHECK_FALSE(decoder.feed(body, out));
  CHECK_FALSE(decoder.finish());
  CHECK(decoder.complete());
  CHECK(decoder.decoded_size() == payload.size());
  CHECK(decoder.trailer("X-Amz-Checksum-CRC32") == std::optional<std::string_view>(crc));
  CHECK_FALSE(decoder.trailer("x-amz-checksum-sha256"));

  SUBCASE("the declared trailer missing is IncompleteBody") {
    Outcome r = run("17\r\n" + payload + "\r\n0\r\n\r\n", o);
    CHECK(code_of(r) == "IncompleteBody");
  }
  SUBCASE("an empty object") {
    o.decoded_length = 0;
    o.declared_trailer.clear();
    Outcome r = run("0\r\n\r\n", o);
    CHECK(code_of(r) == "OK");
    CHECK(r.payload.empty());
  }
}

TEST_CASE("a signed body with a signed trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER)") {
  s3::ChunkSigning s = example_signing();
  std::string data(9000, 'z');
  std::string sig1 = sign_chunk(s, kSeed, data);
  std::string sig2 = sign_chunk(s, sig1, "");
  std::string trailer = "x-amz-checksum-crc32c:sOO8/Q==";
  std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + s.amz_date + "\n" + s.scope + "\n" + sig2 +
                    "\n" + gh::util::sha256_hex(trailer + "\n");
  std::string trailer_sig = gh::sigv4::signature(s.signing_key, sts);
  auto body = [&](const std::string& tsig) {
    return "2328;chunk-signature=" + sig1 + "\r\n" + data + "\r\n0;chunk-signature=" + sig2 +
           "\r\n" + trailer + "\r\nx-amz-trailer-signature:" + tsig + "\r\n\r\n";
  };
  s3::ChunkedOptions o;
  o.mode = s3::PayloadMode::kStreamingSignedTrailer;
  o.decoded_length = data.size();
  o.declared_trailer = "x-amz-checksum-crc32c";
  o.signing = s;
  for (std::size_t step : {0u, 1u}) {
    Outcome r = run(body(trailer_sig), o, step);
    CHECK(code_of(r) == "OK");
    CHECK(r.payload == data);
    REQUIRE(r.trailers.size() == 1);
    CHECK(r.trailers[0].second == "sOO8/Q==");
  }
  std::string bad = trailer_sig;
  bad[0] = bad[0] == 'a' ? 'b' : 'a';
  CHECK(code_of(run(body(bad), o)) == "SignatureDoesNotMatch");
}

TEST_CASE("malformed bodies give S3's error and never crash, fed whole or byte by byte") {
  s3::ChunkedOptions unsigned_opts;
  unsigned_opts.mode = s3::PayloadMode::kStreamingUnsignedTrailer;
  unsigned_opts.decoded_length = 5;
  struct Case {
    const char* name;
    std::string body;
    s3::ChunkedOptions options;
    const char* code;
  };
  s3::ChunkedOptions no_length = unsigned_opts;
  no_length.decoded_length.reset();
  std::string good_prefix = std::string("10000;chunk-signature=") + kSig1 + "\r\n";
  const Case cases[] = {
      {"bad hex size", "5x\r\nhello\r\n0\r\n\r\n", unsigned_opts, "IncompleteBody"},
      {"empty size", "\r\nhello\r\n0\r\n\r\n", unsigned_opts, "IncompleteBody"},
      {"size too large", "fffffffffffffffff\r\n", unsigned_opts, "IncompleteBody"},
      {"size over 5 GiB", "140000001\r\n", unsigned_opts, "IncompleteBody"},
      {"missing CRLF after data", "5\r\nhelloX\r\n0\r\n\r\n", unsigned_opts, "IncompleteBody"},
      {"bare LF after size", "5\nhello\r\n0\r\n\r\n", unsigned_opts, "IncompleteBody"},
      {"CR without LF", "5\rhello\r\n0\r\n\r\n", unsigned_opts, "IncompleteBody"},
      {"oversized chunk header", std::string(5000, '1'), unsigned_opts, "IncompleteBody"},
      {"oversized trailer", "5\r\nhello\r\n0\r\nx-a:" + std::string(20000, 'v'), unsigned_opts,
       "IncompleteBody"},
      {"many trailer lines",
       "5\r\nhello\r\n0\r\n" +
           [] {
             std::string s;
             for (int i = 0; i < 3000; ++i) s += "x-n:v\r\n";
             return s;
           }(),
       unsigned_opts, "IncompleteBody"},
      {"trailer without colon", "5\r\nhello\r\n0\r\nnocolon\r\n\r\n", unsigned_opts,
       "IncompleteBody"},
      {"truncated in data", "5\r\nhel", unsigned_opts, "IncompleteBody"},
      {"truncated before final chunk", "5\r\nhello\r\n", unsigned_opts, "IncompleteBody"},
      {"truncated before final CRLF", "5\r\nhello\r\n0\r\n", unsigned_opts, "IncompleteBody"},
      {"empty body", "", unsigned_opts, "IncompleteBody"},
      {"bytes after the end", "5\r\nhello\r\n0\r\n\r\nextra", unsigned_opts, "IncompleteBody"},
      {"decoded length smaller", "5\r\nhello\r\n0\r\n\r\n",
       [&] {
         auto o = unsigned_opts;
         o.decoded_length = 4;
         return o;
       }(),
       "IncompleteBody"},
      {"decoded length larger", "5\r\nhello\r\n0\r\n\r\n",
       [&] {
         auto o = unsigned_opts;
         o.decoded_length = 6;
         return o;
       }(),
       "IncompleteBody"},
      {"small chunk before another", "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", unsigned_opts,
       "InvalidChunkSizeError"},
      {"signed: missing chunk-signature", "10000\r\n", signed_options(), "IncompleteBody"},
      {"signed: short chunk-signature", "10000;chunk-signature=abc\r\n", signed_options(),
       "IncompleteBody"},
      {"signed: other extension", "10000;foo=bar\r\n", signed_options(), "IncompleteBody"},
      {"signed: truncated", good_prefix + std::string(100, 'a'), signed_options(),
       "IncompleteBody"},
      {"signed: trailer where none is allowed",
       "0;chunk-signature=" + std::string(64, 'a') + "\r\nx-a:b\r\n\r\n", no_length,
       "IncompleteBody"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    s3::ChunkedOptions options = c.options;
    if (std::string_view(c.name).starts_with("signed: trailer")) {
      options.mode = s3::PayloadMode::kStreamingSigned;
    }
    Outcome whole = run(c.body, options);
    Outcome bytewise = run(c.body, options, 1);
    CHECK(code_of(whole) == c.code);
    CHECK(code_of(bytewise) == c.code);
    if (whole.error) CHECK(whole.error->message.size() > 0);
  }
}

TEST_CASE("InvalidChunkSizeError names the chunk and its size as S3 does; errors are sticky") {
  s3::ChunkedOptions o;
  o.mode = s3::PayloadMode::kStreamingUnsignedTrailer;
  Outcome r = run("3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", o);
  REQUIRE(r.error);
  CHECK(r.error->status == 403);
  CHECK(r.error->message == "Only the last chunk is allowed to have a size less than 8192 bytes");
  REQUIRE(r.error->details.size() == 2);
  CHECK(r.error->details[0] == std::pair<std::string, std::string>{"Chunk", "2"});
  CHECK(r.error->details[1] == std::pair<std::string, std::string>{"BadChunkSize", "3"});

  s3::AwsChunkedDecoder decoder(o);
  std::string out;
  CHECK(decoder.feed("zz\r\n", out));
  CHECK(decoder.feed("5\r\nhello\r\n0\r\n\r\n", out));
  CHECK(decoder.finish());
  CHECK(out.empty());
}

TEST_CASE("payload_mode classifies x-amz-content-sha256") {
  using M = s3::PayloadMode;
  CHECK(s3::payload_mode("UNSIGNED-PAYLOAD") == M::kUnsigned);
  CHECK(s3::payload_mode(" STREAMING-UNSIGNED-PAYLOAD-TRAILER ") == M::kStreamingUnsignedTrailer);
  CHECK(s3::payload_mode("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") == M::kStreamingSigned);
  CHECK(s3::payload_mode("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") ==
        M::kStreamingSignedTrailer);
  CHECK(s3::payload_mode(gh::sigv4::kEmptyPayloadHash) == M::kHashed);
  CHECK(s3::payload_mode("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD") == M::kInvalid);
  CHECK(s3::payload_mode("abc") == M::kInvalid);
  CHECK(s3::payload_mode("") == M::kInvalid);
  CHECK(s3::is_aws_chunked(M::kStreamingUnsignedTrailer));
  CHECK_FALSE(s3::is_aws_chunked(M::kUnsigned));
  CHECK(s3::has_trailer(M::kStreamingSignedTrailer));
  CHECK_FALSE(s3::has_trailer(M::kStreamingSigned));
  CHECK(s3::has_chunk_signatures(M::kStreamingSignedTrailer));
  CHECK_FALSE(s3::has_chunk_signatures(M::kStreamingUnsignedTrailer));
}

TEST_CASE("decode_aws_chunked decodes a whole buffered body") {
  std::string out;
  std::vector<std::pair<std::string, std::string>> trailers;
  CHECK_FALSE(s3::decode_aws_chunked(example_body(), signed_options(), out, &trailers));
  CHECK(out.size() == 66560);
  CHECK(trailers.empty());
}

TEST_CASE("random corruptions and splits never crash and never yield more than declared") {
  // Deterministic: a fixed seed, so a failure reproduces.
  std::mt19937 rng(20130524);
  s3::ChunkSigning s = example_signing();
  std::string data(9000, 'q');
  std::string sig1 = sign_chunk(s, kSeed, data);
  std::string sig2 = sign_chunk(s, sig1, "tail");
  std::string sig3 = sign_chunk(s, sig2, "");
  const std::string signed_body = "2328;chunk-signature=" + sig1 + "\r\n" + data +
                                  "\r\n4;chunk-signature=" + sig2 + "\r\ntail\r\n" +
                                  "0;chunk-signature=" + sig3 + "\r\n\r\n";
  const std::string unsigned_body =
      "2328\r\n" + data + "\r\n4\r\ntail\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
  s3::ChunkedOptions signed_opts;
  signed_opts.mode = s3::PayloadMode::kStreamingSigned;
  signed_opts.decoded_length = 9004;
  signed_opts.signing = s;
  s3::ChunkedOptions unsigned_opts;
  unsigned_opts.mode = s3::PayloadMode::kStreamingUnsignedTrailer;
  unsigned_opts.decoded_length = 9004;
  CHECK(code_of(run(signed_body, signed_opts)) == "OK");
  CHECK(code_of(run(unsigned_body, unsigned_opts)) == "OK");
  const char alphabet[] = "0123456789abcdefABCDEF;=:\r\n -xz";
  int rejected = 0;
  for (int i = 0; i < 400; ++i) {
    bool use_signed = i % 2 == 0;
    std::string body = use_signed ? signed_body : unsigned_body;
    const s3::ChunkedOptions& options = use_signed ? signed_opts : unsigned_opts;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = rng() % body.size();
      switch (rng() % 3) {
        case 0:
          body[at] = alphabet[rng() % (sizeof(alphabet) - 1)];
          break;
        case 1:
          body.erase(at, 1 + rng() % 8);
          break;
        default:
          body.insert(at, 1 + rng() % 8, alphabet[rng() % (sizeof(alphabet) - 1)]);
      }
      if (body.empty()) body = "x";
    }
    std::size_t step = 1 + rng() % 700;
    Outcome r = run(body, options, step);
    CHECK(r.payload.size() <= 9004);
    if (r.error) {
      ++rejected;
      CHECK_FALSE(r.error->code.empty());
    }
  }
  CHECK(rejected > 300);  // almost every corruption is caught (some edits only touch data)
}
