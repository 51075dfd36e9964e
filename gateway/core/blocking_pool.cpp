#include "gateway/core/blocking_pool.hpp"

#include <algorithm>
#include <thread>

#include "gateway/core/services.hpp"

namespace gh::core {

std::size_t BlockingPool::default_threads() {
  return std::max<std::size_t>(8, 4 * std::max(1u, std::thread::hardware_concurrency()));
}

BlockingPool& blocking_pool(Services& services) {
  bool created = false;
  BlockingPool& pool = services.get_or_create<BlockingPool>([&] {
    created = true;
    return new BlockingPool();
  });
  if (created) services.on_shutdown([&pool] { pool.join(); });
  return pool;
}

}  // namespace gh::core
