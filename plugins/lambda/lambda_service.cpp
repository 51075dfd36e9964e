#include "plugins/lambda/lambda_service.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <future>

#include "plugins/lambda/code_watcher.hpp"
#include "plugins/lambda/function_pool.hpp"
#include "plugins/lambda/runtime_files.hpp"

namespace gh::plugins::lambda {

namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

/// Where a cross-thread invocation's answer lands. The caller's coroutine waits on its own
/// timer; the Lambda thread stores the result and posts a wake-up to the caller's executor. The
/// timer lives in the caller's frame and is touched only on the caller's executor, and only
/// while the caller still waits.
struct Waiter {
  std::mutex mutex;
  std::optional<InvokeResult> result;
  bool caller_gone = false;
  asio::steady_timer* timer = nullptr;
  asio::any_io_executor caller;
};

}  // namespace

LambdaService::LambdaService() = default;

LambdaService::~LambdaService() { stop(); }

void LambdaService::ensure_thread() {
  std::call_once(started_, [this] {
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      try {
        io_.run();
      } catch (const std::exception& e) {
        spdlog::critical("lambda service thread failed: {}", e.what());
      }
    });
    asio::post(io_, [this] {
      watcher_ = std::make_unique<CodeWatcher>(io_.get_executor(), [this](const std::string& name) {
        auto it = pools_.find(name);
        if (it != pools_.end()) it->second->recycle("code changed under " + it->second->spec().code_dir);
      });
      tick();
    });
  });
}

// Every 100 ms: memorySize checks (a runaway allocation is caught within a tick, as AWS's
// cgroup would stop it) and idle reaping.
void LambdaService::tick() {
  ticker_.expires_after(std::chrono::milliseconds(100));
  ticker_.async_wait([this](error_code ec) {
    if (ec || stopped_) return;
    auto now = Clock::now();
    for (auto& [name, pool] : pools_) {
      pool->check_memory();
      pool->reap_idle(now);
    }
    for (auto& pool : retired_) pool->check_memory();
    std::erase_if(retired_, [](const auto& p) { return p->live_instances() == 0; });
    tick();
  });
}

void LambdaService::apply(const FunctionTable& functions, std::string endpoint_url) {
  {
    std::lock_guard lock(names_mutex_);
    names_.clear();
    for (const auto& [name, spec] : functions.functions) names_.insert(name);
  }
  if (functions.functions.empty() && !thread_.joinable()) return;
  ensure_thread();
  asio::post(io_, [this, table = functions, url = std::move(endpoint_url)]() mutable {
    apply_on_thread(std::move(table), std::move(url));
  });
}

void LambdaService::apply_on_thread(FunctionTable functions, std::string endpoint_url) {
  if (stopped_) return;
  if (node_bootstrap_.empty()) {
    try {
      std::string dir = runtimes_dir();
      node_bootstrap_ = dir + "/node/bootstrap.mjs";
      python_bootstrap_ = dir + "/python/bootstrap.py";
    } catch (const std::exception& e) {
      spdlog::error("lambda: cannot write the runtime bootstraps: {}", e.what());
    }
  }
  PoolEnv env{io_.get_executor(), node_bootstrap_, python_bootstrap_, endpoint_url};
  for (auto it = pools_.begin(); it != pools_.end();) {
    if (!functions.functions.count(it->first)) {
      spdlog::info("lambda {}: removed from the config; stopping its instances", it->first);
      watcher_->unwatch(it->first);
      it->second->retire();
      retired_.push_back(std::move(it->second));
      it = pools_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [name, spec] : functions.functions) {
    auto it = pools_.find(name);
    if (it == pools_.end()) {
      auto pool = std::make_unique<FunctionPool>(env, spec);
      pool->ensure_min_instances();
      pools_.emplace(name, std::move(pool));
    } else if (it->second->env().endpoint_url != endpoint_url) {
      // Rare (the services listener moved): start over with the new environment.
      it->second->retire();
      retired_.push_back(std::move(it->second));
      it->second = std::make_unique<FunctionPool>(env, spec);
      it->second->ensure_min_instances();
    } else {
      it->second->update(spec);
    }
    if (spec->watch) {
      watcher_->watch(name, spec->code_dir);
    } else {
      watcher_->unwatch(name);
    }
  }
}

void LambdaService::submit(const std::string& function, InvokeRequest request,
                           InvokeCallback done) {
  auto invocation = std::make_shared<Invocation>();
  invocation->request = std::move(request);
  invocation->done = std::move(done);
  auto it = pools_.find(function);
  if (stopped_ || it == pools_.end()) {
    invocation->finish({InvokeResult::Status::kNoSuchFunction, {}, {}, {}, {}});
    return;
  }
  it->second->submit(std::move(invocation));
}

asio::awaitable<InvokeResult> LambdaService::invoke(std::string function, InvokeRequest request,
                                                    Clock::time_point deadline) {
  auto executor = co_await asio::this_coro::executor;
  if (!has_function(function)) {
    co_return InvokeResult{InvokeResult::Status::kNoSuchFunction, {}, {}, {}, {}};
  }
  ensure_thread();
  asio::steady_timer timer(executor, deadline);
  auto waiter = std::make_shared<Waiter>();
  waiter->timer = &timer;
  waiter->caller = executor;
  asio::post(io_, [this, function = std::move(function), request = std::move(request),
                   waiter]() mutable {
    submit(function, std::move(request), [waiter](InvokeResult result) {
      {
        std::lock_guard lock(waiter->mutex);
        if (waiter->caller_gone) return;
        waiter->result = std::move(result);
      }
      asio::post(waiter->caller, [waiter] {
        // On the caller's executor, where the timer lives; the caller may have left already.
        std::lock_guard lock(waiter->mutex);
        if (!waiter->caller_gone) waiter->timer->expires_at(Clock::time_point::min());
      });
    });
  });
  error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  std::lock_guard lock(waiter->mutex);
  waiter->caller_gone = true;
  waiter->timer = nullptr;
  if (waiter->result) co_return std::move(*waiter->result);
  co_return InvokeResult{InvokeResult::Status::kTimedOutWaiting, {}, {}, {}, {}};
}

void LambdaService::invoke_async(std::string function, InvokeRequest request) {
  ensure_thread();
  asio::post(io_, [this, function = std::move(function), request = std::move(request)]() mutable {
    std::string id = request.request_id;
    submit(function, std::move(request), [function, id](InvokeResult result) {
      if (result.status == InvokeResult::Status::kThrottled) {
        spdlog::warn("lambda {}: asynchronous invocation {} dropped: throttled", function, id);
      } else if (!result.function_error.empty()) {
        spdlog::warn("lambda {}: asynchronous invocation {} failed: {}", function, id,
                     result.payload);
      }
    });
  });
}

bool LambdaService::has_function(const std::string& function) const {
  std::lock_guard lock(names_mutex_);
  return names_.count(function) > 0;
}

void LambdaService::stop() {
  if (!thread_.joinable()) return;
  std::promise<void> done;
  asio::post(io_, [this, &done] {
    stopped_ = true;
    ticker_.cancel();
    for (auto& [name, pool] : pools_) pool->kill_all();
    for (auto& pool : retired_) pool->kill_all();
    if (watcher_) watcher_->close();
    done.set_value();
  });
  done.get_future().wait();
  // Give the killed children a moment to be reaped by their watchers, then stop for good.
  auto until = Clock::now() + std::chrono::milliseconds(500);
  while (Clock::now() < until) {
    std::promise<std::size_t> live;
    asio::post(io_, [this, &live] {
      std::size_t n = 0;
      for (auto& [name, pool] : pools_) n += pool->live_instances();
      for (auto& pool : retired_) n += pool->live_instances();
      live.set_value(n);
    });
    if (live.get_future().get() == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  io_.stop();
  thread_.join();
  // Pools (and their instances) are destroyed here, on this thread, after the loop stopped;
  // their destructors only close descriptors and SIGKILL what might still run.
  pools_.clear();
  retired_.clear();
  watcher_.reset();
}

}  // namespace gh::plugins::lambda
