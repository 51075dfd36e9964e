#include "gateway/sigv4/signing.hpp"

#include <cstdio>
#include <ctime>
#include <unordered_map>

#include "gateway/util/crypto.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/time_format.hpp"

namespace gh::sigv4 {

namespace {

bool digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

std::optional<std::chrono::system_clock::time_point> from_fields(int year, int month, int day,
                                                                 int hour, int minute, int second) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  return std::chrono::system_clock::time_point(
      std::chrono::seconds(util::utc_epoch_seconds(year, month, day, hour, minute, second)));
}

std::string payload_hash(const OutgoingRequest& request, const SigningParams& params) {
  return params.payload_hash.empty() ? util::sha256_hex(request.body) : params.payload_hash;
}

Signature finish(CanonicalRequest creq, const SigningParams& params, std::string_view date_time) {
  Signature s;
  std::string date(date_time.substr(0, 8));
  std::string sc = scope(date, params.region, params.service);
  s.canonical_request = creq.text();
  s.string_to_sign = string_to_sign(date_time, sc, s.canonical_request);
  s.signature = signature(
      signing_key(params.credentials.secret_access_key, date, params.region, params.service),
      s.string_to_sign);
  return s;
}

}  // namespace

void append_scope(std::string& out, std::string_view date, std::string_view region,
                  std::string_view service) {
  out += date;
  out += '/';
  out += region;
  out += '/';
  out += service;
  out += "/aws4_request";
}

std::string scope(std::string_view date, std::string_view region, std::string_view service) {
  std::string out;
  append_scope(out, date, region, service);
  return out;
}

const SigningKey& cached_signing_key(std::string_view secret, std::string_view date,
                                     std::string_view region, std::string_view service) {
  // The last key this thread derived answers most requests without building the map key.
  struct Last {
    std::string secret, date, region, service;
    SigningKey key;
  };
  thread_local Last last;
  if (!last.key.raw.empty() && last.date == date && last.secret == secret &&
      last.region == region && last.service == service) {
    return last.key;
  }
  thread_local std::unordered_map<std::string, std::string> cache;
  std::string id;
  id.reserve(secret.size() + date.size() + region.size() + service.size() + 3);
  id.append(secret)
      .append(1, '\0')
      .append(date)
      .append(1, '\0')
      .append(region)
      .append(1, '\0')
      .append(service);
  std::string key;
  if (auto it = cache.find(id); it != cache.end()) {
    key = it->second;
  } else {
    if (cache.size() >= 256) cache.clear();  // bounded: a few credentials, a new day now and then
    key = signing_key(secret, date, region, service);
    cache.emplace(std::move(id), key);
  }
  util::HmacSha256Key hmac(key);
  last = Last{std::string(secret), std::string(date), std::string(region), std::string(service),
              SigningKey{std::move(key), hmac}};
  return last.key;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  std::string key = "AWS4";
  key += secret;
  std::string k = util::hmac_sha256(key, date);
  k = util::hmac_sha256(k, region);
  k = util::hmac_sha256(k, service);
  return util::hmac_sha256(k, "aws4_request");
}

void append_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  out += kAlgorithm;
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  std::size_t at = out.size();
  out.resize(at + 2 * util::kSha256Bytes);
  util::sha256_hex_into(canonical_request, out.data() + at);
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out;
  append_string_to_sign(out, amz_date, scope, canonical_request);
  return out;
}

std::string signature(std::string_view signing_key, std::string_view string_to_sign) {
  return util::hex_lower(util::hmac_sha256(signing_key, string_to_sign));
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z' || !digits(s.substr(0, 8)) ||
      !digits(s.substr(9, 6))) {
    return std::nullopt;
  }
  return from_fields(number(s.substr(0, 4)), number(s.substr(4, 2)), number(s.substr(6, 2)),
                     number(s.substr(9, 2)), number(s.substr(11, 2)), number(s.substr(13, 2)));
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view s) {
  // "Sun, 30 Aug 2015 12:36:00 GMT"
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (s.size() != 29 || s.substr(3, 2) != ", " || s.substr(25) != " GMT") return std::nullopt;
  std::string_view day = s.substr(5, 2), mon = s.substr(8, 3), year = s.substr(12, 4);
  std::string_view hh = s.substr(17, 2), mm = s.substr(20, 2), ss = s.substr(23, 2);
  if (!digits(day) || !digits(year) || !digits(hh) || !digits(mm) || !digits(ss) || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':') {
    return std::nullopt;
  }
  std::size_t m = kMonths.find(mon);
  if (m == std::string_view::npos || m % 3 != 0) return std::nullopt;
  return from_fields(number(year), static_cast<int>(m / 3) + 1, number(day), number(hh), number(mm),
                     number(ss));
}

Signature sign_headers(const OutgoingRequest& request, const SigningParams& params) {
  std::string date_time = amz_date(params.time);
  std::vector<Header> headers = request.headers;
  std::vector<Header> added{{"X-Amz-Date", date_time}};
  if (params.content_sha256_header) {
    added.push_back({"X-Amz-Content-Sha256", payload_hash(request, params)});
  }
  if (!params.credentials.session_token.empty()) {
    added.push_back({"X-Amz-Security-Token", params.credentials.session_token});
  }
  headers.insert(headers.end(), added.begin(), added.end());
  std::vector<std::string> names = signed_header_names(headers);

  CanonicalRequest creq;
  creq.method = request.method;
  creq.uri = canonical_uri(request.path, params.uri_mode);
  creq.query = canonical_query(request.query);
  creq.headers = canonical_headers(headers, names);
  creq.signed_headers = join_signed_headers(names);
  creq.payload_hash = payload_hash(request, params);
  Signature s = finish(std::move(creq), params, date_time);
  s.headers = std::move(added);
  s.headers.push_back({"Authorization",
                       std::string(kAlgorithm) + " Credential=" + params.credentials.access_key_id +
                           "/" + scope(date_time.substr(0, 8), params.region, params.service) +
                           ", SignedHeaders=" + join_signed_headers(names) +
                           ", Signature=" + s.signature});
  return s;
}

Signature presign(const OutgoingRequest& request, const SigningParams& params,
                  std::chrono::seconds expires) {
  std::string date_time = amz_date(params.time);
  std::vector<std::string> names = signed_header_names(request.headers);
  std::string credential = params.credentials.access_key_id + "/" +
                           scope(date_time.substr(0, 8), params.region, params.service);
  std::string query = request.query;
  auto add = [&query](std::string_view name, std::string_view value) {
    if (!query.empty()) query += '&';
    query += name;
    query += '=';
    query += uri_encode(value, false);
  };
  add("X-Amz-Algorithm", kAlgorithm);
  add("X-Amz-Credential", credential);
  add("X-Amz-Date", date_time);
  add("X-Amz-Expires", std::to_string(expires.count()));
  add("X-Amz-SignedHeaders", join_signed_headers(names));
  if (!params.credentials.session_token.empty()) {
    add("X-Amz-Security-Token", params.credentials.session_token);
  }

  CanonicalRequest creq;
  creq.method = request.method;
  creq.uri = canonical_uri(request.path, params.uri_mode);
  creq.query = canonical_query(query);
  creq.headers = canonical_headers(request.headers, names);
  creq.signed_headers = join_signed_headers(names);
  creq.payload_hash = payload_hash(request, params);
  Signature s = finish(std::move(creq), params, date_time);
  add("X-Amz-Signature", s.signature);
  s.query = std::move(query);
  return s;
}

}  // namespace gh::sigv4
