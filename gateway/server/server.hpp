#pragma once
/// Server: worker threads (one io_context each), listeners, signals, config reload and graceful
/// shutdown. The thread that calls run() becomes the control thread (signals, file watching,
/// reload, drain timer); requests never run on it, so a reload that compiles 10,000 routes
/// never stalls traffic.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/plugin_registry.hpp"
#include "gateway/core/services.hpp"
#include "gateway/net/connection_registry.hpp"
#include "gateway/net/listener.hpp"
#include "gateway/pipeline/gateway.hpp"
#include "gateway/pipeline/metrics.hpp"
#include "gateway/server/config_source.hpp"

namespace gh::server {

class ConfigWatcher;

/// The number of worker threads: `requested` (--threads) if given, else `configured`
/// (server.threads); 0 in either means one per core (at least 1).
unsigned worker_threads(std::optional<unsigned> requested, unsigned configured);

class Server {
 public:
  struct Options {
    std::string config_path;  // reloaded on SIGHUP / file change; empty: no reload source
    bool handle_signals = true;
    /// Worker threads; overrides server.threads when set. 0 (here or in the config): one per
    /// core.
    std::optional<unsigned> threads;
    /// Called on the control thread after each successful reload with the new config's
    /// `logging` (the CLI applies its level and format there, unless flags fixed them).
    std::function<void(const config::LoggingConfig&)> apply_logging;
  };

  Server(Options options, const core::PluginRegistry& plugins);
  ~Server();

  core::Services& services() noexcept { return services_; }
  pipeline::Metrics& metrics() noexcept { return *metrics_; }

  /// Installs the first config and binds every listener. Throws std::runtime_error with a clear
  /// message (address in use, TLS files). `snapshot` must have been compiled with services()
  /// and metrics() of this server (see compile_first()).
  void start(std::shared_ptr<const pipeline::Snapshot> snapshot);
  /// Compiles the config at options.config_path with this server's services and metrics.
  Compiled compile_first();

  /// Runs until shutdown completes. Returns the process exit code (0 after a clean drain).
  int run();

  /// Thread-safe requests (also from signal handling and tests).
  void request_shutdown();
  void request_reload();

  /// Bound ports, in listener order (after start()).
  std::vector<std::uint16_t> ports() const;
  /// Number of successful reloads so far (tests wait on it).
  std::uint64_t reloads() const noexcept { return reloads_.load(); }
  std::uint64_t failed_reloads() const noexcept { return failed_reloads_.load(); }
  /// Worker threads (after compile_first() or start()).
  unsigned threads() const noexcept { return threads_; }

 private:
  void reload();
  void arm_hup();
  void begin_shutdown();
  void finish_shutdown();
  void install(std::shared_ptr<const pipeline::Snapshot> snapshot);

  Options options_;
  const core::PluginRegistry& plugins_;
  unsigned threads_ = 1;
  core::Services services_;
  std::unique_ptr<pipeline::Metrics> metrics_;
  std::unique_ptr<pipeline::Gateway> gateway_;
  std::unique_ptr<net::ConnectionRegistry> registry_;

  boost::asio::io_context control_;
  std::vector<std::unique_ptr<boost::asio::io_context>> workers_;
  std::vector<std::thread> threads_running_;
  std::vector<std::unique_ptr<net::Listener>> listeners_;
  std::optional<boost::asio::signal_set> signals_;
  std::optional<boost::asio::signal_set> hup_;
  std::unique_ptr<ConfigWatcher> watcher_;
  std::optional<boost::asio::steady_timer> drain_timer_;
  bool shutting_down_ = false;  // control thread only
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<std::uint64_t> failed_reloads_{0};
};

}  // namespace gh::server
