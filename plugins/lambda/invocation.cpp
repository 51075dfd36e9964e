#include "plugins/lambda/invocation.hpp"

#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"

namespace gh::plugins::lambda {

std::string runtime_trace_id(std::string_view incoming_header) {
  std::string root;
  if (incoming_header.rfind("Root=", 0) == 0) {
    root.assign(incoming_header.substr(0, incoming_header.find(';')));
  } else {
    root = util::trace_id();
  }
  unsigned char parent[8];
  util::random_bytes(parent, sizeof parent);
  return root + ";Parent=" +
         util::hex_lower(std::string_view(reinterpret_cast<const char*>(parent), sizeof parent)) +
         ";Sampled=0";
}

}  // namespace gh::plugins::lambda
