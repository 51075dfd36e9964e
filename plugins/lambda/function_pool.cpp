#include "plugins/lambda/function_pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "gateway/util/encoding.hpp"
#include "plugins/lambda/instance.hpp"

namespace gh::plugins::lambda {

using Clock = std::chrono::steady_clock;

// How long an instance that has just answered is expected to take to ask for the next
// invocation (a runtime does so at once). Within it, a new invocation waits for that warm
// instance rather than starting another: sequential requests stay on one instance.
constexpr auto kNextGrace = std::chrono::milliseconds(50);

// Errors Lambda itself reports for an invocation put errorType first (aws-notes-lambda.md §2).
std::string function_error_payload(std::string_view type, std::string_view message) {
  return "{\"errorType\":" + util::json_quote(type) +
         ",\"errorMessage\":" + util::json_quote(message) + "}";
}

void Invocation::finish(InvokeResult result) {
  if (finished) return;
  finished = true;
  if (done) {
    auto callback = std::move(done);
    done = nullptr;
    callback(std::move(result));
  }
}

FunctionPool::FunctionPool(const PoolEnv& env, std::shared_ptr<const FunctionSpec> spec)
    : env_(env), spec_(std::move(spec)), repump_(env_.executor) {}

FunctionPool::~FunctionPool() { kill_all(); }

std::size_t FunctionPool::live_instances() const {
  return static_cast<std::size_t>(
      std::count_if(instances_.begin(), instances_.end(),
                    [](const auto& i) { return i->state() != Instance::State::kDead; }));
}

void FunctionPool::submit(std::shared_ptr<Invocation> invocation) {
  if (retired_) {
    invocation->finish({InvokeResult::Status::kNoSuchFunction, {}, {}, {}, {}});
    return;
  }
  // An invocation may wait only if an instance will be free for it: a ready one, one starting,
  // or room to start one; past that the queue is bounded by maxQueueLength.
  std::size_t ready = 0;
  auto now = Clock::now();
  for (const auto& i : instances_) {
    if (i->generation() != generation_) continue;
    if (i->state() == Instance::State::kReady ||
        (i->state() == Instance::State::kResponded && will_take_work(*i, now))) {
      ++ready;
    }
  }
  bool can_start = live_instances() < spec_->max_instances;
  if (ready == 0 && !can_start && queue_.size() >= spec_->max_queue) {
    spdlog::warn("lambda {}: throttled ({} instances busy, {} queued)", spec_->name,
                 live_instances(), queue_.size());
    invocation->finish({InvokeResult::Status::kThrottled, {}, {}, {}, {}});
    return;
  }
  queue_.push_back(std::move(invocation));
  pump();
}

std::shared_ptr<Invocation> FunctionPool::pop_next() {
  auto inv = std::move(queue_.front());
  queue_.pop_front();
  return inv;
}

void FunctionPool::pump() {
  // Hand queued work to instances already waiting in /next.
  for (auto& instance : instances_) {
    if (queue_.empty()) break;
    if (instance->state() == Instance::State::kReady && instance->generation() == generation_) {
      instance->assign(pop_next());
    }
  }
  if (queue_.empty()) return;
  // Start as many instances as there are invocations no starting or just-answered instance
  // will take.
  auto now = Clock::now();
  std::size_t coming = 0;
  std::optional<Clock::time_point> recheck;
  for (const auto& i : instances_) {
    if (i->generation() != generation_ || !will_take_work(*i, now)) continue;
    ++coming;
    if (i->state() == Instance::State::kResponded) {
      auto due = i->responded_at() + kNextGrace;
      if (!recheck || due < *recheck) recheck = due;
    }
  }
  while (coming < queue_.size() && live_instances() < spec_->max_instances) {
    std::size_t before = instances_.size();
    spawn_instance();
    if (instances_.size() == before) return;  // could not start: the queue was answered
    ++coming;
  }
  if (recheck && !queue_.empty()) {
    // A just-answered instance that does not come back in time no longer holds the queue up.
    repump_.expires_at(*recheck);
    repump_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
      if (!ec && alive.lock() && !retired_) pump();
    });
  }
}

bool FunctionPool::will_take_work(const Instance& instance, Clock::time_point now) const {
  switch (instance.state()) {
    case Instance::State::kStarting:
    case Instance::State::kInitError:  // holds the invocation until it exits (then fails it)
      return true;
    case Instance::State::kResponded:
      return now - instance.responded_at() < kNextGrace;
    default:
      return false;
  }
}

void FunctionPool::spawn_instance() {
  auto instance = std::make_shared<Instance>(*this, next_instance_number_++, generation_);
  instances_.push_back(instance);
  if (auto error = instance->start()) {
    instances_.pop_back();
    spdlog::error("lambda {}: cannot start an instance: {}", spec_->name, *error);
    // Every waiting invocation would fail the same way: answer them all now.
    std::string type = error->rfind("Runtime.InvalidEntrypoint", 0) == 0
                           ? "Runtime.InvalidEntrypoint"
                           : "Runtime.ExitError";
    while (!queue_.empty()) {
      auto inv = pop_next();
      std::string payload = function_error_payload(
          type, "RequestId: " + inv->request.request_id + " Error: " + *error);
      inv->finish({InvokeResult::Status::kOk, std::move(payload), "Unhandled", type, {}});
    }
  }
}

void FunctionPool::on_ready(Instance& instance) {
  // A /next already on its way when the instance was stopped (timed out, reaped): it is dying.
  if (instance.state() == Instance::State::kDead) return;
  if (instance.generation() != generation_ || retired_) {
    instance.stop(retired_ ? "function removed" : "code or config changed");
    return;
  }
  if (!queue_.empty()) instance.assign(pop_next());
}

void FunctionPool::on_exit(Instance& instance, bool during_init,
                           const std::optional<std::string>& posted,
                           const std::string& exit_message) {
  auto self_ref = std::find_if(instances_.begin(), instances_.end(),
                               [&](const auto& i) { return i.get() == &instance; });
  std::shared_ptr<Instance> keep;
  if (self_ref != instances_.end()) {
    keep = *self_ref;
    instances_.erase(self_ref);
  }
  if (during_init && !queue_.empty() && instance.generation() == generation_) {
    // The instance a queued invocation was waiting for never came up. AWS fails the invocation
    // that caused the cold start; failing the oldest one also keeps a broken function from
    // restarting forever.
    auto inv = pop_next();
    std::string payload;
    std::string type = "Runtime.ExitError";
    if (posted && !posted->empty()) {
      payload = *posted;
      type = "Runtime.InitError";
    } else {
      payload = function_error_payload(
          "Runtime.ExitError", "RequestId: " + inv->request.request_id + " Error: " + exit_message);
    }
    inv->finish({InvokeResult::Status::kOk, std::move(payload), "Unhandled", type, {}});
  }
  if (!retired_) {
    pump();
    ensure_min_instances();
  }
}

void FunctionPool::update(std::shared_ptr<const FunctionSpec> spec) {
  bool changed = spec->fingerprint() != spec_->fingerprint();
  spec_ = std::move(spec);
  retired_ = false;
  if (changed) recycle("configuration changed");
  pump();
  ensure_min_instances();
}

void FunctionPool::recycle(std::string_view why) {
  ++generation_;
  std::size_t n = 0;
  for (auto& instance : std::vector<std::shared_ptr<Instance>>(instances_)) {
    if (instance->state() == Instance::State::kDead) continue;
    ++n;
    // Idle and starting instances stop now; a busy one finishes its invocation on the code it
    // started with and is stopped when it asks for the next one.
    if (instance->state() != Instance::State::kBusy) instance->stop(why);
  }
  if (n > 0) spdlog::info("lambda {}: {}; recycling {} instance(s)", spec_->name, why, n);
  pump();
  ensure_min_instances();
}

void FunctionPool::retire() {
  retired_ = true;
  while (!queue_.empty()) {
    pop_next()->finish({InvokeResult::Status::kNoSuchFunction, {}, {}, {}, {}});
  }
  for (auto& instance : std::vector<std::shared_ptr<Instance>>(instances_)) {
    if (instance->state() != Instance::State::kBusy) instance->stop("function removed");
  }
}

void FunctionPool::ensure_min_instances() {
  if (retired_) return;
  std::size_t current = 0;
  for (const auto& i : instances_) {
    if (i->state() != Instance::State::kDead && i->generation() == generation_) ++current;
  }
  while (current < spec_->min_instances && live_instances() < spec_->max_instances) {
    std::size_t before = instances_.size();
    spawn_instance();
    if (instances_.size() == before) break;
    ++current;
  }
}

void FunctionPool::reap_idle(Clock::time_point now) {
  std::size_t keep = spec_->min_instances;
  std::size_t current = 0;
  for (const auto& i : instances_) {
    if (i->state() != Instance::State::kDead && i->generation() == generation_) ++current;
  }
  for (auto& instance : std::vector<std::shared_ptr<Instance>>(instances_)) {
    if (current <= keep) break;
    if (instance->state() == Instance::State::kReady &&
        now - instance->idle_since() >= spec_->idle_timeout) {
      instance->stop("idle");
      --current;
    }
  }
}

void FunctionPool::check_memory() {
  for (auto& instance : instances_) instance->check_memory();
}

void FunctionPool::kill_all() {
  for (auto& instance : instances_) instance->stop("shutting down");
}

}  // namespace gh::plugins::lambda
