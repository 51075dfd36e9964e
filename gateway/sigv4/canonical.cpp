#include "gateway/sigv4/canonical.hpp"

#include <algorithm>

#include "gateway/util/ascii.hpp"
#include "gateway/util/encoding.hpp"

namespace gh::sigv4 {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

using util::ascii_lower;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// botocore's remove_dot_segments (botocore/utils.py), which also drops empty segments, so
// repeated slashes collapse: "//example//" -> "/example/", "/a/b/../.." -> "/".
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(start, slash - start);
    if (segment == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!segment.empty() && segment != ".") {
      out.push_back(segment);
    }
    start = slash + 1;
  }
  std::string result = "/";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result.append(out[i]);
  }
  if (!out.empty() && !path.empty() && path.back() == '/') result += '/';
  return result;
}

}  // namespace

std::string uri_encode(std::string_view bytes, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

namespace {

/// True when `path` is already what canonical_uri() would make of it: it starts with '/', and
/// has only unreserved characters in segments that are neither empty nor "." nor ".." (for S3,
/// any unreserved path). Most paths are, and skip the decoding, splitting and encoding.
bool canonical_as_is(std::string_view path, UriMode mode) {
  if (path.empty() || path.front() != '/') return false;
  std::size_t segment = 1;  // start of the current segment
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      std::string_view seg = path.substr(segment, i - segment);
      if (mode != UriMode::kS3 &&
          (seg == "." || seg == ".." || (seg.empty() && i != path.size()))) {
        return false;
      }
      segment = i + 1;
    } else if (!unreserved(static_cast<unsigned char>(path[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void append_canonical_uri(std::string& out, std::string_view path, UriMode mode) {
  if (canonical_as_is(path, mode)) {
    out += path;
  } else {
    out += canonical_uri(path, mode);
  }
}

std::string canonical_uri(std::string_view path, UriMode mode) {
  // S3 signs the key encoded once: the wire form (already encoded) decoded and encoded again
  // in SigV4's own spelling (space as %20, '+' as %2B, upper-case hex).
  if (mode == UriMode::kS3) {
    return path.empty() ? std::string("/") : uri_encode(util::percent_decode(path), true);
  }
  return uri_encode(normalize_path(path), /*keep_slash=*/true);
}

std::string canonical_query(std::string_view raw_query,
                            std::initializer_list<std::string_view> exclude) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start <= raw_query.size() && !raw_query.empty()) {
    std::size_t amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view pair = raw_query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string name = util::percent_decode(pair.substr(0, eq));
    if (std::find(exclude.begin(), exclude.end(), name) != exclude.end()) continue;
    std::string value =
        eq == std::string_view::npos ? std::string() : util::percent_decode(pair.substr(eq + 1));
    params.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

void append_trimmed(std::string& out, std::string_view value) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  // Most values (a host, a date, a hash) have no whitespace at all: copied whole.
  if (std::none_of(value.begin(), value.end(), space)) {
    out.append(value);
    return;
  }
  bool started = false, pending_space = false;
  for (char c : value) {
    if (space(c)) {
      pending_space = started;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    started = true;
    out += c;
  }
}

std::string trim_all(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  append_trimmed(out, value);
  return out;
}

std::vector<HeaderView> views(const std::vector<Header>& headers) {
  std::vector<HeaderView> out;
  out.reserve(headers.size());
  for (const Header& h : headers) out.push_back({h.name, h.value});
  return out;
}

void append_canonical_headers(std::string& out, std::span<const HeaderView> headers,
                              std::span<const std::string_view> signed_names,
                              std::vector<std::string>* missing) {
  for (std::string_view name : signed_names) {
    bool found = false;
    out += name;
    out += ':';
    for (const HeaderView& h : headers) {
      // Names compare case-insensitively (signed names are lower-case): no copy per header.
      if (h.name.size() != name.size() ||
          !std::equal(h.name.begin(), h.name.end(), name.begin(),
                      [](char a, char b) { return ascii_lower(a) == b; })) {
        continue;
      }
      if (found) out += ',';
      append_trimmed(out, h.value);
      found = true;
    }
    if (!found && missing) missing->emplace_back(name);
    out += '\n';
  }
}

std::string canonical_headers(std::span<const HeaderView> headers,
                              const std::vector<std::string>& signed_names,
                              std::vector<std::string>* missing) {
  std::vector<std::string_view> names(signed_names.begin(), signed_names.end());
  std::string out;
  out.reserve(256);
  append_canonical_headers(out, headers, names, missing);
  return out;
}

std::string canonical_headers(const std::vector<Header>& headers,
                              const std::vector<std::string>& signed_names,
                              std::vector<std::string>* missing) {
  return canonical_headers(views(headers), signed_names, missing);
}

std::string CanonicalRequest::text() const {
  std::string out;
  out.reserve(method.size() + uri.size() + query.size() + headers.size() + signed_headers.size() +
              payload_hash.size() + 6);
  out += method;
  out += '\n';
  out += uri;
  out += '\n';
  out += query;
  out += '\n';
  out += headers;
  out += '\n';
  out += signed_headers;
  out += '\n';
  out += payload_hash;
  return out;
}

std::vector<std::string> signed_header_names(const std::vector<Header>& headers) {
  std::vector<std::string> names;
  for (const Header& h : headers) names.push_back(lower(h.name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string join_signed_headers(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ';';
    out += n;
  }
  return out;
}

}  // namespace gh::sigv4
