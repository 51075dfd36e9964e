#pragma once
/// Request: one HTTP request as the gateway sees it, independent of Beast. net/ builds it once
/// per request at the edge; plugins and tests only ever see this type.

#include <cstdint>
#include <string>

#include "gateway/core/header_map.hpp"

namespace gh::core {

/// Where a request came from and how it arrived.
struct ConnectionInfo {
  std::string source_ip;  // $context.identity.sourceIp
  std::uint16_t source_port = 0;
  std::uint16_t local_port = 0;
  bool secure = false;  // arrived over TLS (aws:SecureTransport, X-Forwarded-Proto)
};

struct Request {
  std::string method;  // as sent (HTTP methods are case-sensitive; AWS only knows upper case)
  std::string target;  // raw request-target, e.g. "/dev/pets/1?a=1"
  std::string path;    // raw (still percent-encoded) path part of target, starts with '/'
  std::string query;   // raw query string without '?' ("" when none)
  HeaderMap headers;
  std::string body;
  /// The body is not (yet) in `body`: a service API takes it as it arrives (BodySink,
  /// ServiceApi::stream_body). Checks that would hash `body` must not (SigV4 trusts a stated
  /// payload hash then; the service compares it once the body has arrived).
  bool body_pending = false;
  unsigned version = 11;  // 10 = HTTP/1.0, 11 = HTTP/1.1
  ConnectionInfo connection;

  /// Splits `target` into `path` and `query` (a '#fragment' is dropped, as AWS does).
  void set_target(std::string raw_target);
};

}  // namespace gh::core
