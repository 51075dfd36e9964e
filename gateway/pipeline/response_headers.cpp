#include "gateway/pipeline/response_headers.hpp"

#include <array>

namespace gh::pipeline {

bool is_hop_by_hop(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 9> kHopByHop = {
      "Connection", "Keep-Alive",        "Proxy-Connection", "Proxy-Authenticate", "TE",
      "Trailer",    "Transfer-Encoding", "Upgrade",          "Content-Length"};
  for (auto h : kHopByHop) {
    if (core::iequals(h, name)) return true;
  }
  return false;
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
