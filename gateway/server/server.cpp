#include "gateway/server/server.hpp"

#include <csignal>

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <csignal>
#include <stdexcept>

#include "gateway/server/config_watcher.hpp"

namespace gh::server {

namespace asio = boost::asio;

namespace {

// Whether a reload leaves what only a restart changes as it is. `threads_fixed`: --threads was
// given, so server.threads does not matter.
bool same_listeners(const config::ServerConfig& a, const config::ServerConfig& b,
                    bool threads_fixed) {
  if (a.listeners.size() != b.listeners.size()) return false;
  if (!threads_fixed && a.threads != b.threads) return false;
  for (std::size_t i = 0; i < a.listeners.size(); ++i) {
    const auto& x = a.listeners[i];
    const auto& y = b.listeners[i];
    if (x.host != y.host || x.port != y.port || x.role != y.role ||
        x.tls.has_value() != y.tls.has_value()) {
      return false;
    }
    if (x.tls && (x.tls->cert_file != y.tls->cert_file || x.tls->key_file != y.tls->key_file)) {
      return false;
    }
  }
  return true;
}

const char* role_name(config::ListenerRole role) {
  switch (role) {
    case config::ListenerRole::kApis:
      return "APIs";
    case config::ListenerRole::kServices:
      return "services";
    case config::ListenerRole::kAdmin:
      return "admin";
  }
  return "?";
}

}  // namespace

unsigned worker_threads(std::optional<unsigned> requested, unsigned configured) {
  unsigned n = requested.value_or(configured);
  if (n > 0) return n;
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

Server::Server(Options options, const core::PluginRegistry& plugins)
    : options_(std::move(options)), plugins_(plugins) {}

Server::~Server() {
  for (auto& w : workers_) w->stop();
  control_.stop();
  for (auto& t : threads_running_) {
    if (t.joinable()) t.join();
  }
  services_.shutdown();
}

Compiled Server::compile_first() {
  // Metrics need the thread count, which comes from the config: load, size, then compile.
  config::Diagnostics diags;
  auto config = config::load_config_partial(options_.config_path, plugins_.plugin_keys(), diags);
  threads_ = worker_threads(options_.threads, config ? config->server.threads : 0u);
  metrics_ = std::make_unique<pipeline::Metrics>(threads_ + 1);
  return compile_loaded(std::move(config), std::move(diags), plugins_, services_, metrics_.get());
}

void Server::install(std::shared_ptr<const pipeline::Snapshot> snapshot) {
  const auto& logging = snapshot->config().logging;
  std::shared_ptr<pipeline::AccessLog> log;
  auto current = gateway_->installed();
  if (current && current->access_log->destination() == logging.access_log.destination) {
    log = current->access_log;
  } else {
    log = pipeline::AccessLog::open(logging.access_log.destination);  // may throw
  }
  registry_->set_max(snapshot->config().server.limits.max_connections);
  gateway_->install({std::move(snapshot), std::move(log)});
}

void Server::start(std::shared_ptr<const pipeline::Snapshot> snapshot) {
  // A client that closes mid-answer must cost an EPIPE, not the process: Asio's sends pass
  // MSG_NOSIGNAL, but sendfile(2) (streamed file bodies) has no such flag. The CLI does the
  // same; this covers servers started without it (the component tests).
  std::signal(SIGPIPE, SIG_IGN);
  if (!metrics_) {
    threads_ = worker_threads(options_.threads, snapshot->config().server.threads);
    metrics_ = std::make_unique<pipeline::Metrics>(threads_ + 1);
  }
  gateway_ = std::make_unique<pipeline::Gateway>(services_, *metrics_);
  registry_ =
      std::make_unique<net::ConnectionRegistry>(snapshot->config().server.limits.max_connections);
  install(snapshot);

  std::vector<asio::io_context*> workers;
  for (unsigned i = 0; i < threads_; ++i) {
    workers_.push_back(std::make_unique<asio::io_context>(1));
    workers.push_back(workers_.back().get());
  }
  for (const auto& l : snapshot->config().server.listeners) {
    net::SessionEnv env;
    env.gateway = gateway_.get();
    env.registry = registry_.get();
    env.role = l.role;
    if (l.tls) env.tls = net::make_server_tls_context(*l.tls);
    auto listener = std::make_unique<net::Listener>(l, workers, env);
    listener->start();
    spdlog::info("listening on {}://{}:{} ({})", l.tls ? "https" : "http", l.host, listener->port(),
                 role_name(l.role));
    listeners_.push_back(std::move(listener));
  }

  for (unsigned i = 0; i < threads_; ++i) {
    threads_running_.emplace_back([this, i] {
      pipeline::set_worker_index(i + 1);
      auto guard = asio::make_work_guard(*workers_[i]);
      for (;;) {
        try {
          workers_[i]->run();
          break;
        } catch (const std::exception& e) {
          // A handler escaped its coroutine's own handling: log and keep the thread serving.
          spdlog::error("worker {}: unhandled exception: {}", i + 1, e.what());
        }
      }
    });
  }

  if (options_.handle_signals) {
    signals_.emplace(control_, SIGINT, SIGTERM);
    signals_->async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      spdlog::info("received {}; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      begin_shutdown();
      // A second signal while draining stops at once.
      signals_->async_wait([this](boost::system::error_code ec2, int) {
        if (!ec2) finish_shutdown();
      });
    });
    hup_.emplace(control_, SIGHUP);
    arm_hup();
  }
  if (!options_.config_path.empty() && snapshot->config().server.watch_config) {
    watcher_ =
        std::make_unique<ConfigWatcher>(control_, options_.config_path, [this] { reload(); });
    watcher_->start();
  }
}

std::vector<std::uint16_t> Server::ports() const {
  std::vector<std::uint16_t> out;
  for (const auto& l : listeners_) out.push_back(l->port());
  return out;
}

void Server::request_reload() {
  asio::post(control_, [this] { reload(); });
}

void Server::reload() {
  if (shutting_down_) return;
  if (options_.config_path.empty()) return;
  Compiled next = compile_file(options_.config_path, plugins_, services_, metrics_.get());
  if (!next.snapshot) {
    ++failed_reloads_;
    spdlog::error("reload of {} failed; the running config stays:\n{}", options_.config_path,
                  next.diagnostics.format());
  } else {
    for (const auto& d : next.diagnostics.all()) spdlog::warn("{}", d.format());
    auto current = gateway_->installed();
    if (!same_listeners(current->snapshot->config().server, next.snapshot->config().server,
                        options_.threads.has_value())) {
      spdlog::warn("listener or thread changes take effect after a restart");
    }
    try {
      install(next.snapshot);
      if (options_.apply_logging) options_.apply_logging(next.snapshot->config().logging);
      ++reloads_;
      spdlog::info("reloaded {}: {} API(s)", options_.config_path, next.snapshot->apis().size());
    } catch (const std::exception& e) {
      ++failed_reloads_;
      spdlog::error("reload of {} failed; the running config stays: {}", options_.config_path,
                    e.what());
    }
  }
  if (watcher_) watcher_->mark_current();
}

void Server::arm_hup() {
  hup_->async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    spdlog::info("received SIGHUP; reloading {}", options_.config_path);
    reload();
    arm_hup();
  });
}

void Server::request_shutdown() {
  asio::post(control_, [this] { begin_shutdown(); });
}

void Server::begin_shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  if (watcher_) watcher_->stop();
  gateway_->set_draining(true);
  for (auto& l : listeners_) l->stop();
  auto drain = gateway_->installed()->snapshot->config().server.limits.drain_timeout;
  spdlog::info("draining {} connection(s) (up to {} ms)", registry_->size(), drain.count());
  drain_timer_.emplace(control_);
  drain_timer_->expires_after(drain);
  drain_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    spdlog::warn("drain timeout: closing {} connection(s)", registry_->size());
    registry_->close_all();
    // Give the closes a moment to run on their threads, then stop regardless.
    drain_timer_->expires_after(std::chrono::milliseconds(200));
    drain_timer_->async_wait([this](boost::system::error_code) { finish_shutdown(); });
  });
  registry_->begin_shutdown([this] { asio::post(control_, [this] { finish_shutdown(); }); });
}

void Server::finish_shutdown() {
  if (drain_timer_) drain_timer_->cancel();
  if (signals_) signals_->cancel();
  if (hup_) hup_->cancel();
  if (watcher_) watcher_->stop();
  control_.stop();
}

int Server::run() {
  auto guard = asio::make_work_guard(control_);
  control_.run();
  for (auto& w : workers_) w->stop();
  for (auto& t : threads_running_) {
    if (t.joinable()) t.join();
  }
  threads_running_.clear();
  services_.shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace gh::server
