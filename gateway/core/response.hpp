#pragma once
/// Response: what an integration, a middleware or the error renderer answers. Converted to
/// Beast once, in net/. The body is moved, never copied, on its way to the socket.

#include <memory>
#include <string>

#include "gateway/core/body_stream.hpp"

#include "gateway/core/header_map.hpp"

namespace gh::core {

struct Response {
  int status = 200;
  HeaderMap headers;
  std::string body;
  /// Service APIs only (the services listener): a body sent in pieces instead of `body`, which
  /// then stays empty (S3 GetObject of an object of any size). Its size() is the Content-Length.
  std::shared_ptr<BodySource> body_source;
};

}  // namespace gh::core
