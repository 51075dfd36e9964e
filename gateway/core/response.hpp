#pragma once
/// Response: what an integration, a middleware or the error renderer answers. Converted to
/// Beast once, in net/. The body is moved, never copied, on its way to the socket.

#include <string>

#include "gateway/core/header_map.hpp"

namespace gh::core {

struct Response {
  int status = 200;
  HeaderMap headers;
  std::string body;
};

}  // namespace gh::core
