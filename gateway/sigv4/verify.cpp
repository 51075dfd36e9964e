#include "gateway/sigv4/verify.hpp"

#include <array>
#include <boost/container/small_vector.hpp>
#include <optional>

#include "gateway/util/ascii.hpp"
#include "gateway/util/crypto.hpp"
#include "gateway/util/encoding.hpp"

namespace gh::sigv4 {

namespace {

using Failure = Verdict::Failure;
using Detail = Verdict::Detail;
using Clock = std::chrono::system_clock;

Verdict fail(Failure f, Detail d, std::string message) {
  Verdict v;
  v.failure = f;
  v.detail = d;
  v.message = std::move(message);
  return v;
}

Verdict fail(Failure f, std::string message) {
  return fail(f, f == Failure::kIncompleteSignature ? Detail::kMalformed : Detail::kNone,
              std::move(message));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// The headers a signature check reads (the first of each name), found in one pass.
struct SigningHeaders {
  const std::string_view* authorization = nullptr;
  const std::string_view* amz_date = nullptr;
  const std::string_view* date = nullptr;
  const std::string_view* security_token = nullptr;
  const std::string_view* content_sha256 = nullptr;

  explicit SigningHeaders(std::span<const HeaderView> headers) {
    auto take = [](const std::string_view*& slot, const HeaderView& h, std::string_view name) {
      if (!slot && util::iequals_ascii(h.name, name)) slot = &h.value;
    };
    for (const HeaderView& h : headers) {
      switch (h.name.size()) {  // the names' lengths tell them apart, but for the two of 20
        case 4:
          take(date, h, "Date");
          break;
        case 10:
          take(amz_date, h, "X-Amz-Date");
          break;
        case 13:
          take(authorization, h, "Authorization");
          break;
        case 20:
          take(security_token, h, "X-Amz-Security-Token");
          take(content_sha256, h, "X-Amz-Content-Sha256");
          break;
        default:
          break;
      }
    }
  }
};

/// The decoded value of query parameter `name` (first occurrence), if present.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(start, amp - start);
    std::size_t eq = pair.find('=');
    if (util::percent_decode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string()
                                          : util::percent_decode(pair.substr(eq + 1));
    }
    start = amp + 1;
  }
  return std::nullopt;
}

/// Splits `s` on `sep` into `parts` (at most N kept); returns how many pieces there were.
template <std::size_t N>
std::size_t split_into(std::string_view s, char sep, std::array<std::string_view, N>& parts) {
  std::size_t count = 0, start = 0;
  for (;;) {
    std::size_t pos = s.find(sep, start);
    if (count < N)
      parts[count] = s.substr(start, pos == std::string_view::npos ? pos : pos - start);
    ++count;
    if (pos == std::string_view::npos) return count;
    start = pos + 1;
  }
}

/// What a signature claims, from either form.
/// Views into the request's headers, or into `owned` (values that had to be decoded or
/// derived): a Claim stays where it was made, so the views stay valid.
struct Claim {
  Claim() = default;
  Claim(const Claim&) = delete;
  Claim& operator=(const Claim&) = delete;

  std::string_view credential;      // AKID/date/region/service/aws4_request
  std::string_view signed_headers;  // "host;x-amz-date"
  std::string_view signature;
  std::string_view date_time;  // X-Amz-Date (or from Date)
  Clock::time_point time;
  std::optional<std::chrono::seconds> expires;  // presigned only
  std::string_view session_token;
  bool presigned = false;
  std::string owned[5];

  std::string_view own(int slot, std::string value) {
    owned[slot] = std::move(value);
    return owned[slot];
  }
};

// "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…". The messages are AWS's
// (IncompleteSignatureException): aws/chalice#828, serverless#3205.
std::optional<Verdict> parse_authorization(std::string_view value, const SigningHeaders& headers,
                                           Claim& claim) {
  std::string_view rest = value;
  std::size_t space = rest.find(' ');
  std::string_view params =
      space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  bool have_credential = false, have_signature = false, have_signed = false;
  for (std::size_t start = 0; start <= params.size();) {
    std::size_t comma = params.find(',', start);
    if (comma == std::string_view::npos) comma = params.size();
    std::string_view token = trim(params.substr(start, comma - start));
    start = comma + 1;
    if (token.empty()) continue;
    std::size_t eq = token.find('=');
    if (eq == std::string_view::npos) {
      return fail(
          Failure::kIncompleteSignature,
          "'" + std::string(token) +
              "' not a valid key=value pair (missing equal-sign) in Authorization header: '" +
              std::string(value) + "'.");
    }
    std::string_view key = token.substr(0, eq), val = token.substr(eq + 1);
    if (key == "Credential") {
      claim.credential = val;
      have_credential = true;
    } else if (key == "SignedHeaders") {
      claim.signed_headers = val;
      have_signed = true;
    } else if (key == "Signature") {
      claim.signature = val;
      have_signature = true;
    }
  }
  const std::string_view* amz = headers.amz_date;
  const std::string_view* date = headers.date;
  bool algorithm_ok = rest.substr(0, space) == kAlgorithm;
  std::string missing;
  if (!have_credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!have_signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!have_signed) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!amz && !date) {
    missing +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty() || !algorithm_ok) {
    if (missing.empty()) missing = "Unsupported Authorization Type ";  // INFERRED wording
    return fail(Failure::kIncompleteSignature, missing + "Authorization=" + std::string(value));
  }
  if (amz) {
    auto t = parse_amz_date(trim(*amz));
    if (!t) {
      return fail(Failure::kIncompleteSignature,
                  "Date must be in ISO-8601 'basic format'. Got '" + std::string(*amz) +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601");
    }
    claim.time = *t;
    claim.date_time = trim(*amz);
  } else {
    auto t = parse_http_date(trim(*date));
    if (!t) {
      return fail(Failure::kIncompleteSignature,
                  "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                  "header. Authorization=" +
                      std::string(value));
    }
    claim.time = *t;
    claim.date_time = claim.own(0, amz_date(*t));
  }
  if (headers.security_token) claim.session_token = *headers.security_token;
  return std::nullopt;
}

std::optional<Verdict> parse_presigned(std::string_view query, Claim& claim) {
  auto algorithm = query_param(query, "X-Amz-Algorithm");
  auto credential = query_param(query, "X-Amz-Credential");
  auto signature = query_param(query, "X-Amz-Signature");
  auto signed_headers = query_param(query, "X-Amz-SignedHeaders");
  auto date = query_param(query, "X-Amz-Date");
  auto expires = query_param(query, "X-Amz-Expires");
  std::string missing;
  if (!credential) missing += "AWS query-string parameters must include 'X-Amz-Credential'. ";
  if (!signature) missing += "AWS query-string parameters must include 'X-Amz-Signature'. ";
  if (!signed_headers)
    missing += "AWS query-string parameters must include 'X-Amz-SignedHeaders'. ";
  if (!date) missing += "AWS query-string parameters must include 'X-Amz-Date'. ";
  if (!missing.empty() || *algorithm != kAlgorithm) {
    if (missing.empty()) missing = "X-Amz-Algorithm only supports 'AWS4-HMAC-SHA256'. ";
    return fail(Failure::kIncompleteSignature, missing + "Re-examine the query-string parameters.");
  }
  auto t = parse_amz_date(*date);
  if (!t) {
    return fail(Failure::kIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '" +
                                                   *date +
                                                   "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  claim.credential = claim.own(0, std::move(*credential));
  claim.signature = claim.own(1, std::move(*signature));
  claim.signed_headers = claim.own(2, std::move(*signed_headers));
  claim.date_time = claim.own(3, std::move(*date));
  claim.time = *t;
  if (expires) {
    bool numeric = !expires->empty() && expires->size() <= 7 &&
                   expires->find_first_not_of("0123456789") == std::string::npos;
    long seconds = numeric ? std::stol(*expires) : -1;
    if (seconds < 1 || seconds > 604800) {
      return fail(Failure::kIncompleteSignature, Detail::kBadExpires,
                  "X-Amz-Expires must be a number of seconds between 1 and 604800 (7 days). "
                  "Re-examine the query-string parameters.");  // INFERRED wording
    }
    claim.expires = std::chrono::seconds(seconds);
  }
  if (auto token = query_param(query, "X-Amz-Security-Token")) {
    claim.session_token = claim.own(4, std::move(*token));
  }
  return std::nullopt;
}

std::string minutes_text(std::chrono::seconds s) {
  return std::to_string(s.count() / 60) + " min.";
}

}  // namespace

std::optional<std::string> incomplete_authorization(std::string_view value,
                                                    std::span<const HeaderView> headers) {
  Claim claim;
  if (auto error = parse_authorization(value, SigningHeaders(headers), claim)) {
    return error->message;
  }
  return std::nullopt;
}

namespace {

/// A success. Its own function so that check() returns it as a prvalue, built in place in the
/// caller's Verdict: a Verdict (nine strings) costs ~300 instructions to move.
Verdict verified(const Credentials* credentials, bool presigned, bool keep_details,
                 const std::string& canonical, const std::string& sts, const SigningKey& key) {
  Verdict ok;
  ok.credentials = credentials;
  ok.presigned = presigned;
  if (keep_details) {
    ok.canonical_request = canonical;
    ok.string_to_sign = sts;
    ok.signing_key = key.raw;
  }
  return ok;
}

Verdict check(const ReceivedRequest& request, const VerifyOptions& options,
              const CredentialLookup& lookup, Claim& claim) {
  bool presigned = false;
  SigningHeaders signing_headers(request.headers);
  if (const std::string_view* authorization = signing_headers.authorization) {
    if (auto error = parse_authorization(*authorization, signing_headers, claim)) return *error;
  } else if (query_param(request.query, "X-Amz-Algorithm")) {
    presigned = claim.presigned = true;
    if (auto error = parse_presigned(request.query, claim)) return *error;
  } else {
    return fail(Failure::kMissingAuthenticationToken, "Missing Authentication Token");
  }

  // Credential=AKID/yyyymmdd/region/service/aws4_request
  std::array<std::string_view, 5> parts;
  std::size_t part_count = split_into(claim.credential, '/', parts);
  if (part_count != 5 || parts[0].empty()) {
    return fail(Failure::kIncompleteSignature,
                "Credential should be scoped to a valid region, not '" +
                    (part_count > 2 ? std::string(parts[2]) : std::string()) + "'. ");  // INFERRED
  }
  std::string_view access_key = parts[0];
  if (parts[4] != "aws4_request") {
    return fail(Failure::kInvalidSignature, Detail::kWrongScope,
                "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                    std::string(parts[4]) + "'. ");
  }
  if (parts[3] != options.service) {
    return fail(
        Failure::kInvalidSignature, Detail::kWrongScope,
        "Credential should be scoped to correct service: '" + std::string(options.service) + "'. ");
  }
  if (parts[2] != options.region) {
    return fail(
        Failure::kInvalidSignature, Detail::kWrongScope,
        "Credential should be scoped to a valid region, not '" + std::string(parts[2]) + "'. ");
  }
  std::string_view date = claim.date_time.substr(0, 8);
  if (parts[1] != date) {
    return fail(Failure::kInvalidSignature, Detail::kWrongScope,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                "from HTTP: '" +
                    std::string(parts[1]) + "' != '" + std::string(date) + "', from '" +
                    std::string(claim.date_time) + "'.");
  }

  // Time: ±max_skew for a signed header; X-Amz-Date .. X-Amz-Date + X-Amz-Expires presigned.
  auto now = options.now;
  if (presigned && claim.expires) {
    if (now > claim.time + *claim.expires) {
      return fail(Failure::kInvalidSignature, Detail::kExpired,
                  "Signature expired: " + std::string(claim.date_time) + " is now earlier than " +
                      amz_date(now - *claim.expires) + " (" + amz_date(now) + " - " +
                      std::to_string(claim.expires->count()) + " sec.)");  // INFERRED
    }
  } else if (claim.time < now - options.max_skew) {
    return fail(Failure::kInvalidSignature, Detail::kExpired,
                "Signature expired: " + std::string(claim.date_time) + " is now earlier than " +
                    amz_date(now - options.max_skew) + " (" + amz_date(now) + " - " +
                    minutes_text(options.max_skew) + ")");
  }
  if (claim.time > now + options.max_skew) {
    return fail(Failure::kInvalidSignature, Detail::kNotYetValid,
                "Signature not yet current: " + std::string(claim.date_time) +
                    " is still later than " + amz_date(now + options.max_skew) + " (" +
                    amz_date(now) + " + " + minutes_text(options.max_skew) + ")");
  }

  const Credentials* credentials = lookup ? lookup(access_key) : nullptr;
  if (!credentials ||
      !util::constant_time_equals(credentials->session_token, claim.session_token)) {
    return fail(Failure::kUnrecognizedClient,
                credentials ? Detail::kBadSessionToken : Detail::kUnknownAccessKey,
                "The security token included in the request is invalid.");
  }

  boost::container::small_vector<std::string_view, 16> names;
  bool host_signed = false;
  for (std::size_t start = 0;;) {
    std::size_t semi = claim.signed_headers.find(';', start);
    std::string_view name =
        claim.signed_headers.substr(start, semi == std::string_view::npos ? semi : semi - start);
    names.push_back(name);
    host_signed = host_signed || name == "host";
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  if (!host_signed) {
    return fail(Failure::kInvalidSignature, Detail::kHostNotSigned,
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }

  // The payload hash: the body's. A client may state it in X-Amz-Content-Sha256 (botocore puts
  // that value in the canonical request); a stated hash must then be the body's, or the body
  // would not be covered by the signature (S3 answers XAmzContentSHA256Mismatch; the same check
  // and wording here for every service — UNVERIFIED for execute-api). UNSIGNED-PAYLOAD and the
  // STREAMING-* forms are signed as stated: the body is then not covered, by the client's
  // choice (S3 decodes and checks streaming chunks itself).
  // S3 presigned URLs sign UNSIGNED-PAYLOAD whatever the body (options); the body is hashed
  // only when its hash is signed.
  char body_hex[2 * util::kSha256Bytes];
  auto body_hash = [&request, &body_hex]() -> std::string_view {
    if (request.body.empty()) return kEmptyPayloadHash;
    util::sha256_hex_into(request.body, body_hex);
    return std::string_view(body_hex, sizeof body_hex);
  };
  std::string_view payload_hash;
  const std::string_view* stated = signing_headers.content_sha256;
  if (presigned && options.presigned_unsigned_payload) {
    payload_hash = "UNSIGNED-PAYLOAD";
  } else if (stated) {
    std::string_view value = trim(*stated);
    if (value == "UNSIGNED-PAYLOAD" || value.rfind("STREAMING-", 0) == 0 || request.body_pending) {
      // A body still to come (streamed to a service after this check) is signed as stated; the
      // service compares the stated hash with the body's once it has arrived.
      payload_hash = value;
    } else if (payload_hash = body_hash(); value != payload_hash) {
      return fail(Failure::kInvalidSignature, Detail::kPayloadHashMismatch,
                  "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
  } else {
    payload_hash = body_hash();
  }

  // The canonical request and the string to sign are built in buffers this thread keeps, and
  // hashed without copies: verifying allocates nothing on success unless asked to keep them.
  auto build_canonical = [&](std::string& out, std::string_view canonical_query_text) {
    out.clear();
    out += request.method;
    out += '\n';
    append_canonical_uri(out, request.path, options.uri_mode);
    out += '\n';
    out += canonical_query_text;
    out += '\n';
    append_canonical_headers(out, request.headers, names);
    out += '\n';
    out += claim.signed_headers;
    out += '\n';
    out += payload_hash;
  };
  // The scope is the credential after the access key: its four parts were checked above to be
  // date/region/service/aws4_request, so that text is the one the signer used.
  std::string_view scope_text = claim.credential.substr(access_key.size() + 1);
  auto build_string_to_sign = [&](std::string& out, std::string_view canonical) {
    out.clear();
    append_string_to_sign(out, claim.date_time, scope_text, canonical);
  };
  auto signature_matches = [&claim](const SigningKey& key, std::string_view sts) {
    unsigned char raw[util::kSha256Bytes];
    key.hmac.mac(sts, raw);
    char hex[2 * util::kSha256Bytes];
    util::hex_lower_into(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw), hex);
    return util::constant_time_equals(std::string_view(hex, sizeof hex), claim.signature);
  };

  thread_local std::string canonical, sts;
  std::string query_text = request.query.empty()
                               ? std::string()
                               : (presigned ? canonical_query(request.query, {"X-Amz-Signature"})
                                            : canonical_query(request.query));
  build_canonical(canonical, query_text);
  build_string_to_sign(sts, canonical);
  const SigningKey& key =
      cached_signing_key(credentials->secret_access_key, date, options.region, options.service);
  bool matches = signature_matches(key, sts);
  if (!matches && presigned && !claim.session_token.empty()) {
    // A session token may be appended to a presigned URL after signing (aws-c-auth's
    // post-sts-header-after vector): it is then not part of the canonical query.
    std::string alt_canonical, alt_sts;
    build_canonical(alt_canonical,
                    canonical_query(request.query, {"X-Amz-Signature", "X-Amz-Security-Token"}));
    build_string_to_sign(alt_sts, alt_canonical);
    if (signature_matches(key, alt_sts)) {
      matches = true;
      canonical = std::move(alt_canonical);
      sts = std::move(alt_sts);
    }
  }
  if (!matches) {
    Verdict mismatch =
        fail(Failure::kInvalidSignature, Detail::kSignatureMismatch,
             "The request signature we calculated does not match the signature you provided. "
             "Check your AWS Secret Access Key and signing method. Consult the service "
             "documentation for details.\n\nThe Canonical String for this request should have "
             "been\n'" +
                 canonical + "'\n\nThe String-to-Sign should have been\n'" + sts + "'\n");
    mismatch.presigned = presigned;
    mismatch.canonical_request = canonical;
    mismatch.string_to_sign = sts;
    return mismatch;
  }
  return verified(credentials, presigned, options.keep_details, canonical, sts, key);
}

}  // namespace

Verdict verify(const ReceivedRequest& request, const VerifyOptions& options,
               const CredentialLookup& lookup) {
  Claim claim;
  Verdict verdict = check(request, options, lookup, claim);
  verdict.time = claim.time;
  verdict.expires = claim.expires;
  verdict.presigned = claim.presigned;
  if (verdict.ok() && !options.keep_details) return verdict;
  std::string_view credential = claim.credential;
  std::size_t slash = credential.find('/');
  verdict.access_key_id = std::string(credential.substr(0, slash));
  if (slash != std::string_view::npos) verdict.scope = std::string(credential.substr(slash + 1));
  verdict.amz_date = std::string(claim.date_time);
  verdict.signature = std::string(claim.signature);
  return verdict;
}

}  // namespace gh::sigv4
