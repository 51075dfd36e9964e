// SigV4 against AWS's own known-answer vectors (tests/fixtures/sigv4, copied from
// awslabs/aws-c-auth: both the current aws-signing-test-suite/v4 layout and the older
// aws-sig-v4-test-suite). The signer must produce the canonical request, string to sign and
// signature byte for byte; the verifier must accept every signed request and reject it after any
// single-byte change; and each failure answers with AWS's message.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/sigv4/canonical.hpp"
#include "gateway/sigv4/signing.hpp"
#include "gateway/sigv4/verify.hpp"
#include "gateway/util/crypto.hpp"
#include "gateway/util/encoding.hpp"

namespace sv = gh::sigv4;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

fs::path fixtures() {
  return fs::path(__FILE__).parent_path().parent_path() / "fixtures" / "sigv4";
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A request as the vector files write it: "METHOD target HTTP/1.1", "Name:value" lines
// (continuation lines start with whitespace and belong to the previous value), an empty
// line, the body.
struct Parsed {
  std::string method, path, query, body;
  std::vector<sv::Header> headers;
};

Parsed parse_request(const std::string& text) {
  Parsed p;
  std::size_t eol = text.find('\n');
  std::string line = text.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  p.method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t q = target.find('?');
  p.path = target.substr(0, q);
  if (q != std::string::npos) p.query = target.substr(q + 1);
  std::size_t pos = eol == std::string::npos ? text.size() : eol + 1;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string l = text.substr(pos, end - pos);
    pos = end + 1;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.empty()) {
      if (pos < text.size()) p.body = text.substr(pos);
      break;
    }
    if ((l[0] == ' ' || l[0] == '\t') && !p.headers.empty()) {
      p.headers.back().value += "\n" + l;
      continue;
    }
    std::size_t colon = l.find(':');
    std::string value = colon == std::string::npos ? std::string() : l.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));  // optional whitespace, as HTTP parsers drop it
    p.headers.push_back({l.substr(0, colon), value});
  }
  return p;
}

struct Context {
  sv::Credentials credentials;
  std::string region, service;
  std::chrono::system_clock::time_point time;
  bool normalize = true;
  bool omit_session_token = false;
  bool sign_body = false;
  std::chrono::seconds expires{3600};
};

Context read_context(const fs::path& dir) {
  auto json = boost::json::parse(read(dir / "context.json")).as_object();
  Context c;
  const auto& creds = json.at("credentials").as_object();
  c.credentials.access_key_id = creds.at("access_key_id").as_string().c_str();
  c.credentials.secret_access_key = creds.at("secret_access_key").as_string().c_str();
  if (auto* t = creds.if_contains("token")) c.credentials.session_token = t->as_string().c_str();
  c.region = json.at("region").as_string().c_str();
  c.service = json.at("service").as_string().c_str();
  std::string ts = json.at("timestamp").as_string().c_str();  // 2015-08-30T12:36:00Z
  std::string basic = ts.substr(0, 4) + ts.substr(5, 2) + ts.substr(8, 2) + "T" + ts.substr(11, 2) +
                      ts.substr(14, 2) + ts.substr(17, 2) + "Z";
  c.time = *sv::parse_amz_date(basic);
  if (auto* n = json.if_contains("normalize")) c.normalize = n->as_bool();
  if (auto* o = json.if_contains("omit_session_token")) c.omit_session_token = o->as_bool();
  if (auto* b = json.if_contains("sign_body")) c.sign_body = b->as_bool();
  if (auto* e = json.if_contains("expiration_in_seconds")) {
    c.expires = std::chrono::seconds(e->as_int64());
  }
  return c;
}

std::vector<fs::path> v4_cases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fixtures() / "aws-signing-test-suite" / "v4")) {
    if (e.is_directory()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The older layout: <case>/<case>.{req,creq,sts,authz,sreq}, also one level down
// (normalize-path/, post-sts-token/).
std::vector<fs::path> old_cases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(fixtures() / "aws-sig-v4-test-suite")) {
    if (e.is_regular_file() && e.path().extension() == ".req") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

sv::Verdict verify_text(const std::string& signed_request, const Context& c,
                        sv::UriMode mode = sv::UriMode::kNormalizedDoubleEncoded,
                        std::chrono::system_clock::time_point now = {}) {
  Parsed p = parse_request(signed_request);
  auto header_views = sv::views(p.headers);
  sv::ReceivedRequest r{p.method, p.path, p.query, header_views, p.body};
  sv::VerifyOptions o;
  o.region = c.region;
  o.service = c.service;
  o.uri_mode = mode;
  o.now = now == std::chrono::system_clock::time_point{} ? c.time : now;
  sv::Credentials creds = c.credentials;
  return sv::verify(r, o, [&](std::string_view id) -> const sv::Credentials* {
    return id == creds.access_key_id ? &creds : nullptr;
  });
}

// What a request's signature covers: its canonical request for the given signed headers.
std::string signed_content(const std::string& request, const std::string& signed_list,
                           sv::UriMode mode) {
  Parsed p = parse_request(request);
  std::vector<std::string> names;
  for (std::size_t s = 0, e; s <= signed_list.size(); s = e + 1) {
    e = signed_list.find(';', s);
    if (e == std::string::npos) e = signed_list.size();
    names.push_back(signed_list.substr(s, e - s));
  }
  return sv::canonical_uri(p.path, mode) + "\n" +
         sv::canonical_query(p.query, {"X-Amz-Signature"}) + "\n" +
         sv::canonical_headers(p.headers, names) + "\n" + p.method + "\n" + p.body;
}

// The byte ranges that carry the signature itself: the Authorization and X-Amz-Security-Token
// header lines, and the query of a presigned request.
std::vector<std::pair<std::size_t, std::size_t>> auth_ranges(const std::string& text) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t first_eol = text.find('\n');
  std::size_t q = text.find('?');
  if (q < first_eol && text.find("X-Amz-Signature=") < first_eol) {
    out.emplace_back(q, text.rfind(' ', first_eol));
  }
  for (std::size_t pos = first_eol + 1; pos < text.size();) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    for (std::string_view name : {"Authorization:", "X-Amz-Security-Token:"}) {
      if (text.compare(pos, name.size(), name) == 0) out.emplace_back(pos, eol);
    }
    pos = eol + 1;
  }
  return out;
}

// Every single-byte change that alters what is signed, or the signature itself, must be
// rejected. Not counted: the HTTP version and line breaks (framing), and changes that leave the
// canonical request as it was (a path segment that ".." removes, a header nobody signed).
void check_mutations(const std::string& signed_request, const Context& c, sv::UriMode mode) {
  std::size_t version = signed_request.find(" HTTP/1.1");
  std::string signed_list = "host";
  for (std::string_view marker : {"SignedHeaders=", "X-Amz-SignedHeaders="}) {
    std::size_t at = signed_request.find(marker);
    if (at == std::string::npos) continue;
    at += marker.size();
    signed_list = gh::util::percent_decode(
        signed_request.substr(at, signed_request.find_first_of(",& \n", at) - at));
    break;
  }
  const std::string original = signed_content(signed_request, signed_list, mode);
  const auto ranges = auth_ranges(signed_request);
  int accepted = 0, tried = 0;
  for (std::size_t i = 0; i < signed_request.size(); ++i) {
    if ((i >= version && i < version + 9) || signed_request[i] == '\n') continue;
    std::string m = signed_request;
    m[i] = m[i] == '#' ? '!' : '#';
    bool in_auth = false;
    for (auto [b, e] : ranges) in_auth = in_auth || (i >= b && i < e);
    if (!in_auth && signed_content(m, signed_list, mode) == original) continue;
    ++tried;
    if (verify_text(m, c, mode).ok()) {
      ++accepted;
      INFO("accepted after changing byte " << i << ": " << m);
      CHECK(false);
    }
  }
  CHECK(tried > 100);
  CHECK(accepted == 0);
}

std::string trim_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("SigV4 crypto primitives") {
  CHECK(gh::util::sha256_hex("") == sv::kEmptyPayloadHash);
  // RFC 4231 test case 2.
  CHECK(gh::util::hmac_sha256("Jefe", "what do ya want for nothing?") ==
        std::string("\x5b\xdc\xc1\x46\xbf\x60\x75\x4e\x6a\x04\x24\x26\x08\x95\x75\xc7\x5a\x00\x3f"
                    "\x08\x9d\x27\x39\x83\x9d\xec\x58\xb9\x64\xec\x38\x43",
                    32));
  unsigned char raw[32];
  gh::util::hmac_sha256_into("Jefe", "what do ya want for nothing?", raw);
  CHECK(std::string(reinterpret_cast<const char*>(raw), 32) ==
        gh::util::hmac_sha256("Jefe", "what do ya want for nothing?"));
  // RFC 4231 test case 6: a key longer than the block is hashed first.
  char hex[64];
  gh::util::hmac_sha256_into(std::string(131, '\xaa'),
                             "Test Using Larger Than Block-Size Key - Hash Key First", raw);
  gh::util::hex_lower_into(std::string_view(reinterpret_cast<const char*>(raw), 32), hex);
  CHECK(std::string_view(hex, 64) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  gh::util::Sha256Stream stream;
  stream.update("ab");
  stream.update("c");
  CHECK(stream.finish_hex() == gh::util::sha256_hex("abc"));
  CHECK(gh::util::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(gh::util::constant_time_equals("abc", "abc"));
  CHECK_FALSE(gh::util::constant_time_equals("abc", "abd"));
  CHECK_FALSE(gh::util::constant_time_equals("abc", "abcd"));
  CHECK(gh::util::constant_time_equals("", ""));
  // Compared eight bytes at a time, then the rest: a difference anywhere counts.
  const std::string sig(64, 'a');
  CHECK(gh::util::constant_time_equals(sig, sig));
  for (std::size_t len : {7u, 8u, 9u, 17u, 64u}) {
    std::string a = sig.substr(0, len);
    for (std::size_t i = 0; i < len; ++i) {
      std::string b = a;
      b[i] ^= 0x01;
      CAPTURE(len);
      CAPTURE(i);
      CHECK_FALSE(gh::util::constant_time_equals(a, b));
    }
  }
}

TEST_CASE("SigV4 canonical pieces") {
  CHECK(sv::uri_encode("a b/ሴ~", true) == "a%20b/%E1%88%B4~");
  CHECK(sv::uri_encode("a+b/c", false) == "a%2Bb%2Fc");
  CHECK(sv::canonical_uri("", sv::UriMode::kNormalizedDoubleEncoded) == "/");
  CHECK(sv::canonical_uri("/prod/a%20b", sv::UriMode::kNormalizedDoubleEncoded) == "/prod/a%2520b");
  CHECK(sv::canonical_uri("/prod/%40connections/abc%3D", sv::UriMode::kNormalizedDoubleEncoded) ==
        "/prod/%2540connections/abc%253D");
  CHECK(sv::canonical_uri("//a/./b/../c//", sv::UriMode::kNormalizedDoubleEncoded) == "/a/c/");
  CHECK(sv::canonical_uri("//a/./b/../c//", sv::UriMode::kS3) == "//a/./b/../c//");
  CHECK(sv::canonical_uri("/my%20key+1", sv::UriMode::kS3) == "/my%20key%2B1");
  // append_canonical_uri copies a path that is already canonical and agrees with
  // canonical_uri on every other.
  for (auto mode : {sv::UriMode::kNormalizedDoubleEncoded, sv::UriMode::kS3}) {
    for (const char* path :
         {"", "/", "/a", "/a/", "/a/b.c/~d_e-f", "//a", "/a//b", "/a/./b", "/a/../b", "/a/.",
          "/a/..", "/.a/..b/", "/a%20b", "/a b", "/a+b", "a/b", "/ሴ"}) {
      CAPTURE(std::string(path));
      std::string out = "x";
      sv::append_canonical_uri(out, path, mode);
      CHECK(out == "x" + sv::canonical_uri(path, mode));
    }
  }
  CHECK(sv::canonical_query("b=2&a=1&a=0&c") == "a=0&a=1&b=2&c=");
  CHECK(sv::canonical_query("c+d=%7e&e=f%20g") == "c%2Bd=~&e=f%20g");
  CHECK(sv::canonical_query("a=1&X-Amz-Signature=ab", {"X-Amz-Signature"}) == "a=1");
  CHECK(sv::trim_all("  a   b \t c\n  d  ") == "a b c d");
  std::vector<sv::Header> h{{"My-Header", " v1 "}, {"host", "x"}, {"my-header", "v2"}};
  std::vector<std::string> missing;
  CHECK(sv::canonical_headers(h, {"host", "my-header", "x-amz-date"}, &missing) ==
        "host:x\nmy-header:v1,v2\nx-amz-date:\n");
  CHECK(missing == std::vector<std::string>{"x-amz-date"});
  CHECK(sv::amz_date(*sv::parse_amz_date("20150830T123600Z")) == "20150830T123600Z");
  CHECK_FALSE(sv::parse_amz_date("2015-08-30T12:36:00Z"));
  CHECK(sv::parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT") ==
        sv::parse_amz_date("20150830T123600Z"));
}

TEST_CASE("SigV4 signer and verifier: aws-signing-test-suite v4, header and query forms") {
  auto cases = v4_cases();
  CHECK(cases.size() == 38);
  for (const fs::path& dir : cases) {
    CAPTURE(dir.filename().string());
    Context c = read_context(dir);
    Parsed p = parse_request(read(dir / "request.txt"));
    sv::OutgoingRequest out{p.method, p.path, p.query, p.headers, p.body};
    sv::SigningParams params;
    params.credentials = c.credentials;
    if (c.omit_session_token) params.credentials.session_token.clear();
    params.region = c.region;
    params.service = c.service;
    params.time = c.time;
    params.uri_mode = c.normalize ? sv::UriMode::kNormalizedDoubleEncoded : sv::UriMode::kS3;

    sv::SigningParams header_params = params;
    header_params.content_sha256_header = c.sign_body;
    sv::Signature h = sv::sign_headers(out, header_params);
    CHECK(h.canonical_request == read(dir / "header-canonical-request.txt"));
    CHECK(h.string_to_sign == read(dir / "header-string-to-sign.txt"));
    CHECK(h.signature == trim_newline(read(dir / "header-signature.txt")));

    sv::Signature q = sv::presign(out, params, c.expires);
    CHECK(q.canonical_request == read(dir / "query-canonical-request.txt"));
    CHECK(q.string_to_sign == read(dir / "query-string-to-sign.txt"));
    CHECK(q.signature == trim_newline(read(dir / "query-signature.txt")));

    // The verifier accepts AWS's signed requests as written in the vector files (with
    // omit_session_token, the token is added after signing, unsigned).
    const Context& verify_ctx = c;
    for (const char* file : {"header-signed-request.txt", "query-signed-request.txt"}) {
      CAPTURE(file);
      std::string signed_request = read(dir / file);
      sv::Verdict v = verify_text(signed_request, verify_ctx, params.uri_mode);
      INFO(v.message);
      CHECK(v.ok());
      CHECK(v.presigned == (std::string(file) == "query-signed-request.txt"));
    }
  }
}

TEST_CASE("SigV4 verifier: every single-byte change is rejected") {
  for (const fs::path& dir : v4_cases()) {
    CAPTURE(dir.filename().string());
    Context c = read_context(dir);
    auto mode = c.normalize ? sv::UriMode::kNormalizedDoubleEncoded : sv::UriMode::kS3;
    check_mutations(read(dir / "header-signed-request.txt"), c, mode);
    check_mutations(read(dir / "query-signed-request.txt"), c, mode);
  }
}

TEST_CASE("SigV4: the older aws-sig-v4-test-suite (canonical request, string to sign, header)") {
  auto cases = old_cases();
  CHECK(cases.size() == 33);
  Context c;
  c.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  c.region = "us-east-1";
  c.service = "service";
  c.time = *sv::parse_amz_date("20150830T123600Z");
  std::vector<std::string> inconsistent;
  for (const fs::path& req : cases) {
    CAPTURE(req.string());
    auto file = [&](const char* ext) { return read(fs::path(req).replace_extension(ext)); };
    std::string creq_file = file(".creq");
    // SignedHeaders as the canonical request lists them (its next-to-last line).
    std::string head = creq_file.substr(0, creq_file.rfind('\n'));
    std::string signed_list = head.substr(head.rfind('\n') + 1);
    std::vector<std::string> names;
    for (std::size_t s = 0, e; s <= signed_list.size(); s = e + 1) {
      e = signed_list.find(';', s);
      if (e == std::string::npos) e = signed_list.size();
      names.push_back(signed_list.substr(s, e - s));
    }
    Parsed p = parse_request(file(".req"));
    Parsed signed_req = parse_request(file(".sreq"));
    bool has_token = false;
    for (const auto& h : p.headers) has_token = has_token || h.name == "X-Amz-Security-Token";
    for (const auto& h : signed_req.headers) {  // what the signer added to the request
      if (h.name == "X-Amz-Security-Token" && !has_token) p.headers.push_back(h);
    }
    sv::CanonicalRequest creq;
    creq.method = p.method;
    creq.uri = sv::canonical_uri(p.path, sv::UriMode::kNormalizedDoubleEncoded);
    creq.query = sv::canonical_query(p.query);
    creq.headers = sv::canonical_headers(p.headers, names);
    creq.signed_headers = signed_list;
    creq.payload_hash = gh::util::sha256_hex(p.body);
    CHECK(creq.text() == creq_file);
    // This older suite (dropped from aws-c-auth) has cases whose files disagree with each other
    // (.sts not the hash of .creq, .sreq not carrying .authz): only the canonical request is
    // checked there, the whole chain everywhere else.
    std::string sts_file = file(".sts");
    std::string authz = trim_newline(file(".authz"));
    std::string sreq = file(".sreq");
    std::string key =
        sv::signing_key(c.credentials.secret_access_key, "20150830", "us-east-1", "service");
    bool consistent =
        sts_file.substr(sts_file.rfind('\n') + 1) == gh::util::sha256_hex(creq_file) &&
        sv::signature(key, sts_file) == authz.substr(authz.size() - 64) &&
        sreq.find(authz) != std::string::npos;
    if (!consistent) {
      inconsistent.push_back(req.stem().string());
      continue;
    }
    std::string sts = sv::string_to_sign(
        "20150830T123600Z", sv::scope("20150830", "us-east-1", "service"), creq.text());
    CHECK(sts == sts_file);
    CHECK(authz.substr(authz.size() - 64) == sv::signature(key, sts));
    Context with_token = c;
    for (const auto& h : signed_req.headers) {
      if (h.name == "X-Amz-Security-Token") with_token.credentials.session_token = h.value;
    }
    sv::Verdict v = verify_text(sreq, with_token);
    INFO(v.message);
    CHECK(v.ok());
  }
  // Known: get-vanilla-with-session-token, post-x-www-form-urlencoded(-parameters).
  CHECK(inconsistent.size() == 3);
  for (const auto& name : inconsistent) MESSAGE("inconsistent older vector: " << name);
}

TEST_CASE("SigV4 verifier: AWS's answers for each failure") {
  Context c;
  c.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  c.region = "us-east-1";
  c.service = "service";
  c.time = *sv::parse_amz_date("20150830T123600Z");
  const std::string signed_request =
      read(fixtures() / "aws-signing-test-suite/v4/get-vanilla/header-signed-request.txt");
  using F = sv::Verdict::Failure;

  SUBCASE("no signature at all") {
    auto v = verify_text("GET / HTTP/1.1\nHost:example.amazonaws.com\n\n", c);
    CHECK(v.failure == F::kMissingAuthenticationToken);
    CHECK(v.message == "Missing Authentication Token");
  }
  SUBCASE("a bearer token") {
    auto v = verify_text("GET / HTTP/1.1\nHost:h\nAuthorization:Bearer abc\n\n", c);
    CHECK(v.failure == F::kIncompleteSignature);
    CHECK(v.message ==
          "'abc' not a valid key=value pair (missing equal-sign) in Authorization header: "
          "'Bearer abc'.");
  }
  SUBCASE("missing components") {
    auto v = verify_text("GET / HTTP/1.1\nHost:h\nAuthorization:AWS4-HMAC-SHA256 a=b\n\n", c);
    CHECK(v.failure == F::kIncompleteSignature);
    CHECK(v.message ==
          "Authorization header requires 'Credential' parameter. Authorization header requires "
          "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
          "Authorization=AWS4-HMAC-SHA256 a=b");
  }
  SUBCASE("wrong service and region") {
    Context other = c;
    other.service = "execute-api";
    auto v = verify_text(signed_request, other);
    CHECK(v.failure == F::kInvalidSignature);
    CHECK(v.message == "Credential should be scoped to correct service: 'execute-api'. ");
    other = c;
    other.region = "eu-west-1";
    v = verify_text(signed_request, other);
    CHECK(v.message == "Credential should be scoped to a valid region, not 'us-east-1'. ");
  }
  SUBCASE("clock skew") {
    auto v =
        verify_text(signed_request, c, sv::UriMode::kNormalizedDoubleEncoded, c.time + 5min + 1s);
    CHECK(v.failure == F::kInvalidSignature);
    CHECK(v.message ==
          "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
          "(20150830T124101Z - 5 min.)");
    v = verify_text(signed_request, c, sv::UriMode::kNormalizedDoubleEncoded, c.time - 5min - 1s);
    CHECK(v.message ==
          "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z "
          "(20150830T123059Z + 5 min.)");
    CHECK(
        verify_text(signed_request, c, sv::UriMode::kNormalizedDoubleEncoded, c.time + 5min).ok());
  }
  SUBCASE("unknown key and session tokens") {
    Context other = c;
    other.credentials.access_key_id = "AKIDOTHER";
    auto v = verify_text(signed_request, other);
    CHECK(v.failure == F::kUnrecognizedClient);
    CHECK(v.message == "The security token included in the request is invalid.");
    other = c;
    other.credentials.session_token = "needed";
    CHECK(verify_text(signed_request, other).failure == F::kUnrecognizedClient);
  }
  SUBCASE("a mismatch shows the canonical request and the string to sign") {
    std::string tampered = signed_request;
    tampered.replace(tampered.find("GET /"), 5, "GET /x");
    auto v = verify_text(tampered, c);
    CHECK(v.failure == F::kInvalidSignature);
    CHECK(v.message ==
          "The request signature we calculated does not match the signature you provided. Check "
          "your AWS Secret Access Key and signing method. Consult the service documentation for "
          "details.\n\nThe Canonical String for this request should have been\n'GET\n/x\n\n"
          "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n\n"
          "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20150830T123600Z\n"
          "20150830/us-east-1/service/aws4_request\n" +
              gh::util::sha256_hex(
                  "GET\n/x\n\nhost:example.amazonaws.com\nx-amz-date:"
                  "20150830T123600Z\n\nhost;x-amz-date\n"
                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") +
              "'\n");
  }
  SUBCASE("presigned requests expire") {
    std::string presigned =
        read(fixtures() / "aws-signing-test-suite/v4/get-vanilla/query-signed-request.txt");
    CHECK(verify_text(presigned, c, sv::UriMode::kNormalizedDoubleEncoded, c.time + 3600s).ok());
    auto v = verify_text(presigned, c, sv::UriMode::kNormalizedDoubleEncoded, c.time + 3601s);
    CHECK(v.failure == F::kInvalidSignature);
    CHECK(v.message.rfind("Signature expired: 20150830T123600Z is now earlier than ", 0) == 0);
  }
}
