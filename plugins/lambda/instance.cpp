#include "plugins/lambda/instance.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "gateway/core/error_response.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"
#include "gateway/util/time_format.hpp"
#include "plugins/lambda/invocation_log.hpp"
#include "plugins/lambda/runtime_env.hpp"

namespace gh::plugins::lambda {

namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kPrefix = "/2018-06-01/runtime/";
// RIE: the largest response a runtime may post (6 MiB + 100 bytes of envelope).
constexpr std::size_t kMaxResponseBytes = 6291556;

// RIE's bodies end with a newline (rapi/rendering).
core::Response accepted() { return core::json_response(202, "{\"status\":\"OK\"}\n"); }

// Runtime API error bodies as the Runtime Interface Emulator renders them
// (rapi/rendering: {"errorMessage":…,"errorType":…}). docs/aws-notes-lambda.md §1.
core::Response runtime_error(int status, std::string_view type, std::string_view message) {
  std::string body = "{\"errorMessage\":";
  body += util::json_quote(message);
  body += ",\"errorType\":";
  body += util::json_quote(type);
  body += "}\n";
  return core::json_response(status, std::move(body));
}

core::Response invalid_request_id() {
  return runtime_error(400, "InvalidRequestID", "Invalid request ID");
}

core::Response invalid_transition(std::string_view from, std::string_view to) {
  return runtime_error(403, "InvalidStateTransition",
                       "State transition from " + std::string(from) + " to " + std::string(to) +
                           " failed for runtime. Error: State transition is not allowed");
}

// RIE's router (go-chi): an unknown path is Go's plain "404 page not found", a known path with
// the wrong method a 405 with no body (aws-notes-lambda.md §1.2).
core::Response not_found() {
  core::Response r;
  r.status = 404;
  r.headers.add("Content-Type", "text/plain; charset=utf-8");
  r.body = "404 page not found\n";
  return r;
}

core::Response method_not_allowed() {
  core::Response r;
  r.status = 405;
  return r;
}

core::Response too_large() {
  return runtime_error(413, "RequestEntityTooLarge",
                       "Exceeded maximum allowed payload size (6291556 bytes).");
}

}  // namespace

Instance::Instance(FunctionPool& pool, std::uint64_t number, std::uint64_t generation)
    : pool_(pool),
      number_(number),
      generation_(generation),
      wake_(pool.env().executor),
      timeout_(pool.env().executor) {}

Instance::~Instance() {
  if (process_.pid > 0 && state_ != State::kDead) kill_group(process_.pid, SIGKILL);
  if (process_.out_fd >= 0 && !pipes_[0]) ::close(process_.out_fd);
  if (process_.err_fd >= 0 && !pipes_[1]) ::close(process_.err_fd);
  if (process_.pidfd >= 0 && !pidfd_) ::close(process_.pidfd);
}

std::optional<std::string> Instance::start() {
  const FunctionSpec& spec = pool_.spec();
  std::weak_ptr<Instance> weak = weak_from_this();
  net::LoopbackServer::Options options;
  options.max_body_bytes = kMaxResponseBytes;
  options.too_large =
      [weak](core::Request& request,
             const net::LoopbackServer::Flush& flush) -> asio::awaitable<core::Response> {
    auto self = weak.lock();
    if (!self) co_return runtime_error(500, "InternalServerError", "Internal Server Error");
    co_return co_await self->handle(request, /*body_too_large=*/true, flush);
  };
  try {
    server_ = net::LoopbackServer::start(
        pool_.env().executor,
        [weak](core::Request& request,
               const net::LoopbackServer::Flush& flush) -> asio::awaitable<core::Response> {
          auto self = weak.lock();
          if (!self) co_return runtime_error(500, "InternalServerError", "Internal Server Error");
          co_return co_await self->handle(request, /*body_too_large=*/false, flush);
        },
        std::move(options));
  } catch (const std::exception& e) {
    return std::string("cannot open the Runtime API endpoint: ") + e.what();
  }

  log_stream_ = log_stream_name();
  RuntimeLaunch launch = runtime_launch(spec, pool_.env(), server_->port(), log_stream_,
                                        pool_.spec().min_instances > 0);
  if (!launch.error.empty()) {
    server_->close();
    return launch.error;
  }
  spawned_at_ = Clock::now();
  auto spawned = spawn(launch.spawn);
  if (auto* error = std::get_if<std::string>(&spawned)) {
    server_->close();
    return "cannot start " + launch.spawn.program + ": " + *error;
  }
  process_ = std::get<Spawned>(spawned);
  pidfd_.emplace(pool_.env().executor, process_.pidfd);
  pipes_[0].emplace(pool_.env().executor, process_.out_fd);
  pipes_[1].emplace(pool_.env().executor, process_.err_fd);
  spdlog::debug("lambda {}: instance {} started (pid {}, runtime API 127.0.0.1:{})", spec.name,
                number_, process_.pid, server_->port());
  watch_exit();
  watch_pipe(0);
  watch_pipe(1);
  arm_init_deadline();
  return std::nullopt;
}

// AWS gives init 10 s, and retries a timed-out init inside the first invocation under the
// function's timeout; here init simply gets the longer of the two. A runtime that hangs in init
// (or after posting /init/error) is killed then, and the pool answers its waiting invocation.
void Instance::arm_init_deadline() {
  auto limit = std::max<Clock::duration>(std::chrono::seconds(10), pool_.spec().timeout);
  timeout_.expires_after(limit);
  std::weak_ptr<Instance> weak = weak_from_this();
  timeout_.async_wait([weak, limit](error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    if (self->state_ != State::kStarting && self->state_ != State::kInitError) return;
    self->emit_line("INIT_REPORT Init Duration: " + millis_text(Clock::now() - self->spawned_at_) +
                    " ms\tPhase: init\tStatus: timeout");
    spdlog::warn("lambda {}: instance {} did not finish init within {} s; killing it",
                 self->pool_.spec().name, self->number_,
                 std::chrono::duration_cast<std::chrono::seconds>(limit).count());
    self->stop("init timed out");
  });
}

void Instance::assign(std::shared_ptr<Invocation> invocation) {
  current_ = std::move(invocation);
  current_id_ = current_->request.request_id;
  current_->started = Clock::now();
  // Fixed once per invocation: a /next that re-sends the event sends the same headers (RIE).
  deadline_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                     (std::chrono::system_clock::now() + pool_.spec().timeout).time_since_epoch())
                     .count();
  state_ = State::kBusy;
  if (framing_wanted()) emit_line("START RequestId: " + current_id_ + " Version: $LATEST");
  // The timeout covers the whole invocation: until the runtime asks for the next one.
  timeout_.expires_after(pool_.spec().timeout);
  std::weak_ptr<Instance> weak = weak_from_this();
  std::string id = current_id_;
  timeout_.async_wait([weak, id](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || !self->current_ || self->current_id_ != id) return;
    self->on_timeout();
  });
  wake_.cancel();
}

void Instance::stop(std::string_view why) {
  if (state_ == State::kDead || process_.pid <= 0) return;
  if (stop_reason_.empty()) stop_reason_ = std::string(why);
  stopping_ = true;
  kill_group(process_.pid, SIGKILL);
}

void Instance::check_memory() {
  if (state_ != State::kBusy && state_ != State::kResponded) return;
  if (process_.pid <= 0 || out_of_memory_) return;
  long limit_kb = static_cast<long>(pool_.spec().memory_mb) * 1024;
  long used_kb = resident_kb(process_.pid);
  if (used_kb <= limit_kb) return;
  out_of_memory_ = true;
  spdlog::warn("lambda {}: instance {} uses {} MB, over its memorySize of {} MB; killing it",
               pool_.spec().name, number_, used_kb / 1024, pool_.spec().memory_mb);
  kill_group(process_.pid, SIGKILL);
}

asio::awaitable<core::Response> Instance::handle(core::Request& request, bool body_too_large,
                                                 const net::LoopbackServer::Flush& flush) {
  std::string_view path = request.path;
  if (path.substr(0, kPrefix.size()) != kPrefix) co_return not_found();
  path.remove_prefix(kPrefix.size());
  bool get = request.method == "GET";
  bool post = request.method == "POST";
  if (path == "invocation/next") {
    if (!get) co_return method_not_allowed();
    co_return co_await next_invocation(flush);
  }
  if (path == "init/error") {
    if (!post) co_return method_not_allowed();
    if (body_too_large) co_return too_large();
    co_return init_error(request);
  }
  constexpr std::string_view kInvocation = "invocation/";
  if (path.substr(0, kInvocation.size()) == kInvocation) {
    path.remove_prefix(kInvocation.size());
    auto slash = path.find('/');
    if (slash != std::string_view::npos && slash > 0) {
      std::string_view id = path.substr(0, slash);
      std::string_view verb = path.substr(slash + 1);
      if (verb == "response" || verb == "error") {
        if (!post) co_return method_not_allowed();
        co_return answer(id, request, verb == "error", body_too_large);
      }
    }
  }
  co_return not_found();
}

asio::awaitable<core::Response> Instance::next_invocation(const net::LoopbackServer::Flush& flush) {
  auto self = shared_from_this();
  switch (state_) {
    case State::kStarting:
      init_duration_ = Clock::now() - spawned_at_;
      timeout_.cancel();  // the init deadline
      [[fallthrough]];
    case State::kResponded:
      end_invocation(false);  // RIE: an invocation ends when the runtime asks for the next
      state_ = State::kReady;
      idle_since_ = Clock::now();
      pool_.on_ready(*this);  // may assign at once
      // Started ahead of demand (minInstances, or its invocation went to another instance):
      // its init is not part of any invocation, so no REPORT carries Init Duration, as with
      // AWS's provisioned concurrency.
      if (state_ == State::kReady && !init_reported_) {
        init_reported_ = true;
        spdlog::info("lambda {}: instance {} warm (Init Duration: {} ms)", pool_.spec().name,
                     number_, millis_text(init_duration_.value_or(Clock::duration{})));
      }
      break;
    case State::kBusy:
      // Asked again without answering: RIE re-sends the invocation in progress
      // (aws-notes-lambda.md §1).
      break;
    case State::kReady:
      break;  // a second long-poll on another connection: both wait, the first gets the work
    case State::kInitError:
      co_return invalid_transition("InitError", "Ready");
    case State::kDead:
      co_return runtime_error(500, "InternalServerError", "Internal Server Error");
  }
  // About to wait for work: the runtime's answers held back go out first (its 202 for the
  // invocation it just answered, when it pipelined this request behind it).
  if (state_ == State::kReady) co_await flush();
  while (state_ == State::kReady) {
    wake_.expires_at(Clock::time_point::max());
    error_code ec;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (state_ != State::kBusy || !current_) {
    co_return runtime_error(500, "InternalServerError", "Internal Server Error");
  }
  const InvokeRequest& req = current_->request;
  core::Response r;
  r.status = 200;
  r.headers.add("Content-Type", "application/json");
  r.headers.add("Lambda-Runtime-Aws-Request-Id", req.request_id);
  r.headers.add("Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ms_));
  r.headers.add("Lambda-Runtime-Invoked-Function-Arn",
                req.invoked_arn.empty() ? pool_.spec().arn : req.invoked_arn);
  if (!req.trace_id.empty()) r.headers.add("Lambda-Runtime-Trace-Id", req.trace_id);
  if (!req.client_context.empty()) {
    r.headers.add("Lambda-Runtime-Client-Context", req.client_context);
  }
  if (!req.cognito_identity.empty()) {
    r.headers.add("Lambda-Runtime-Cognito-Identity", req.cognito_identity);
  }
  r.body = req.payload;
  co_return r;
}

// RIE checks the id first (400), then the state (403): aws-notes-lambda.md §1.2.
core::Response Instance::answer(std::string_view request_id, core::Request& request, bool is_error,
                                bool body_too_large) {
  if (current_id_.empty() || request_id != current_id_) return invalid_request_id();
  if (state_ != State::kBusy) {
    return invalid_transition("RuntimeResponseSentState",
                              is_error ? "InvocationErrorResponse" : "InvocationResponse");
  }
  if (body_too_large) {
    // This one error has errorMessage first on AWS (observed; aws-notes-lambda.md §2).
    respond({InvokeResult::Status::kOk,
             "{\"errorMessage\":\"Response payload size exceeded maximum allowed payload size "
             "(6291556 bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}",
             "Unhandled",
             "Function.ResponseSizeTooLarge",
             {}});
    return too_large();
  }
  InvokeResult result;
  result.payload = std::move(request.body);
  if (is_error) {
    result.function_error = "Unhandled";
    result.error_type = std::string(request.headers.get("Lambda-Runtime-Function-Error-Type"));
    if (result.error_type.empty()) result.error_type = "Unhandled";
  }
  respond(std::move(result));
  return accepted();
}

core::Response Instance::init_error(core::Request& request) {
  switch (state_) {
    case State::kStarting:
      break;
    case State::kInitError:
      return invalid_transition("InitError", "InitError");
    case State::kReady:
      return invalid_transition("Ready", "InitError");
    case State::kBusy:
      return invalid_transition("Running", "InitError");
    case State::kResponded:
      return invalid_transition("RuntimeResponseSentState", "InitError");
    case State::kDead:
      return runtime_error(500, "InternalServerError", "Internal Server Error");
  }
  state_ = State::kInitError;  // nothing is allowed after it; the runtime is expected to exit
  init_failure_ = std::move(request.body);
  std::string type(request.headers.get("Lambda-Runtime-Function-Error-Type"));
  spdlog::warn("lambda {}: init error{}{}", pool_.spec().name, type.empty() ? "" : " ", type);
  return accepted();
}

bool Instance::framing_wanted() const {
  return spdlog::default_logger_raw()->should_log(spdlog::level::info) ||
         (current_ && current_->request.tail_log);
}

void Instance::respond(InvokeResult result) {
  if (!current_ || state_ != State::kBusy) return;
  state_ = State::kResponded;
  responded_at_ = Clock::now();
  if (current_->request.tail_log) {
    held_ = std::move(result);  // the tail ends with REPORT: answered at end_invocation()
  } else {
    current_->finish(std::move(result));
  }
}

void Instance::end_invocation(bool timed_out) {
  if (!current_) return;
  timeout_.cancel();
  // START/END/REPORT nobody reads (level above info, no tail asked) are skipped, and with them
  // the pipe reads that order them and the /proc read for the memory figure; what the function
  // printed is still drained by the pipe watchers.
  if (framing_wanted()) {
    write_end_and_report(timed_out);
  } else {
    init_reported_ = true;
  }
  auto invocation = std::move(current_);
  current_.reset();
  current_id_.clear();  // from now on the id is stale: 400 InvalidRequestID
  if (held_) {
    invocation->finish(std::move(*held_));
    held_.reset();
  }
}

void Instance::write_end_and_report(bool timed_out) {
  auto elapsed = Clock::now() - current_->started;
  drain_pipe(0);
  drain_pipe(1);
  emit_line("END RequestId: " + current_id_);
  long peak_kb = exit_peak_rss_kb_ >= 0 ? exit_peak_rss_kb_
                 : process_.pid > 0     ? peak_rss_kb(process_.pid)
                                        : 0;
  std::optional<Clock::duration> init;
  if (!init_reported_) {
    init = init_duration_;
    init_reported_ = true;
  }
  std::optional<std::chrono::milliseconds> billed;
  if (timed_out)
    billed = std::chrono::duration_cast<std::chrono::milliseconds>(pool_.spec().timeout);
  emit_line(report_line(current_id_, elapsed, pool_.spec().memory_mb, peak_kb, init, billed));
  if (held_ && current_->request.tail_log) held_->log_tail = log_tail(current_->log);
}

void Instance::on_timeout() {
  double seconds = std::chrono::duration<double>(pool_.spec().timeout).count();
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", seconds);
  std::string message = "Task timed out after " + std::string(text) + " seconds";
  emit_line(util::iso8601_millis(std::chrono::system_clock::now()) + " " + current_id_ + " " +
            message);
  respond({InvokeResult::Status::kOk,
           function_error_payload("Sandbox.Timedout",
                                  "RequestId: " + current_id_ + " Error: " + message),
           "Unhandled",
           "Sandbox.Timedout",
           {}});
  end_invocation(true);
  stop("timed out");
}

void Instance::watch_exit() {
  std::weak_ptr<Instance> weak = weak_from_this();
  pidfd_->async_wait(asio::posix::stream_descriptor::wait_read, [weak](error_code ec) {
    auto self = weak.lock();
    if (!self || ec == asio::error::operation_aborted) return;
    self->on_exit();
  });
}

void Instance::on_exit() {
  ExitStatus status = reap(process_.pid);
  exit_peak_rss_kb_ = status.max_rss_kb;  // the REPORT of a crashed invocation still has it
  drain_pipe(0);
  drain_pipe(1);
  bool during_init = state_ == State::kStarting || state_ == State::kInitError;
  std::string described = status.describe();
  // RLIMIT_DATA makes allocations fail near memorySize; runtimes then abort. A peak resident
  // size at the limit is AWS's "Runtime.OutOfMemory" (the sandbox's cgroup killed it there), and
  // so is a SIGKILL the gateway did not send (a timeout is answered before the kill): the
  // kernel's OOM killer, or our Python runtime ending itself on MemoryError as AWS's would be.
  bool out_of_memory =
      out_of_memory_ ||
      (!status.exited &&
       (status.code == SIGKILL ||
        status.max_rss_kb >= static_cast<long>(pool_.spec().memory_mb) * 1024 * 9 / 10));
  if (state_ == State::kBusy && current_) {
    std::string type = out_of_memory ? "Runtime.OutOfMemory" : "Runtime.ExitError";
    std::string message = "RequestId: " + current_id_ + " Error: " + exit_message(status);
    emit_line(message);
    respond(
        {InvokeResult::Status::kOk, function_error_payload(type, message), "Unhandled", type, {}});
  }
  end_invocation(false);  // answered before it exited, or just now
  if (stop_reason_.empty()) {
    spdlog::log(during_init || status.code != 0 ? spdlog::level::warn : spdlog::level::info,
                "lambda {}: instance {} exited ({}){}", pool_.spec().name, number_, described,
                during_init ? " during init" : "");
  } else {
    spdlog::debug("lambda {}: instance {} stopped ({}: {})", pool_.spec().name, number_,
                  stop_reason_, described);
  }
  state_ = State::kDead;
  process_.pid = -1;
  timeout_.cancel();
  wake_.cancel();
  if (server_) server_->close();
  error_code ignored;
  for (auto& pipe : pipes_) {
    if (pipe) pipe->close(ignored);
  }
  pidfd_->close(ignored);
  auto self = shared_from_this();  // the pool drops its reference in on_exit
  pool_.on_exit(*this, during_init, init_failure_, exit_message(status));
}

void Instance::watch_pipe(int which) {
  std::weak_ptr<Instance> weak = weak_from_this();
  pipes_[which]->async_wait(asio::posix::stream_descriptor::wait_read,
                            [weak, which](error_code ec) {
                              auto self = weak.lock();
                              if (!self || ec || !self->pipes_[which]->is_open()) return;
                              self->drain_pipe(which);
                              if (self->pipes_[which]->is_open()) self->watch_pipe(which);
                            });
}

// Reads whatever the pipe holds right now, without blocking. Reads happen only here (never
// through an asynchronous read), so lines keep their order when an answer forces a drain.
void Instance::drain_pipe(int which) {
  auto& pipe = pipes_[which];
  if (!pipe || !pipe->is_open()) return;
  std::array<char, 8192> buf;
  for (;;) {
    ssize_t n = ::read(pipe->native_handle(), buf.data(), buf.size());
    if (n <= 0) {
      if (n == 0) {  // the process closed it: flush a last unterminated line
        if (!partial_[which].empty()) emit_line(std::exchange(partial_[which], {}));
        error_code ignored;
        pipe->close(ignored);
      }
      return;
    }
    std::string& partial = partial_[which];
    partial.append(buf.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(partial.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      emit_line(line);
    }
    partial.erase(0, start);
    // A runaway line without a newline is cut rather than held forever (CloudWatch caps
    // events at 256 KB).
    if (partial.size() > 256 * 1024) emit_line(std::exchange(partial, {}));
  }
}

void Instance::emit_line(std::string_view line) {
  const std::string& fn = pool_.spec().name;
  if (current_ || state_ == State::kBusy) {
    spdlog::info("[lambda {} {}] {}", fn, current_id_, line);
  } else {
    spdlog::info("[lambda {}] {}", fn, line);
  }
  if (current_ && current_->request.tail_log) append_log(current_->log, line);
}

}  // namespace gh::plugins::lambda
