#include "gateway/pipeline/response_headers.hpp"

namespace gh::pipeline {

bool is_hop_by_hop(std::string_view name) noexcept {
  // Connection, Keep-Alive, Proxy-Connection, Proxy-Authenticate, TE, Trailer,
  // Transfer-Encoding, Upgrade, Content-Length: by length first, so a field compares with at
  // most two names (every response's fields pass through here).
  using core::iequals;
  switch (name.size()) {
    case 2:
      return iequals(name, "TE");
    case 7:
      return iequals(name, "Trailer") || iequals(name, "Upgrade");
    case 10:
      return iequals(name, "Connection") || iequals(name, "Keep-Alive");
    case 14:
      return iequals(name, "Content-Length");
    case 16:
      return iequals(name, "Proxy-Connection");
    case 17:
      return iequals(name, "Transfer-Encoding");
    case 18:
      return iequals(name, "Proxy-Authenticate");
    default:
      return false;
  }
}

void normalize_integration_headers(core::ApiProtocol protocol, core::HeaderMap& headers) {
  // In place: the common case (nothing to drop or rename) allocates nothing.
  if (protocol == core::ApiProtocol::kRest) {
    headers.erase_if([](const core::HeaderField& f) {
      return core::iequals(f.name, "Transfer-Encoding") || core::iequals(f.name, "Keep-Alive") ||
             core::iequals(f.name, "Proxy-Connection");
    });
    for (auto& f : headers) {
      if (core::iequals(f.name, "Connection") || core::iequals(f.name, "Content-Length") ||
          core::iequals(f.name, "Date") || core::iequals(f.name, "Server") ||
          core::iequals(f.name, "x-amzn-RequestId")) {
        f.name.insert(0, "x-amzn-Remapped-");
      }
    }
  } else {
    headers.erase_if([](const core::HeaderField& f) {
      return is_hop_by_hop(f.name) || core::iequals(f.name, "Date");
    });
  }
}

}  // namespace gh::pipeline
