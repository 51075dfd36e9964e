#pragma once
/// Starting and stopping the child processes that run Lambda instances. Each child gets its own
/// process group (so a function's subprocesses die with it), dies when the gateway's Lambda
/// thread dies (PR_SET_PDEATHSIG), has its data segment capped at the function's memorySize
/// (RLIMIT_DATA: counts what a process writes to, not the address space V8 reserves), its
/// stdout/stderr on pipes, and a pidfd the event loop waits on for its exit.
///
/// spawn() forks: call it from the Lambda service's thread only (that thread's death is what
/// PR_SET_PDEATHSIG watches). It never blocks for long: the child execs immediately.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace gh::plugins::lambda {

struct SpawnSpec {
  std::string program;            // absolute path (resolve with find_program)
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> env;   // "NAME=value", the whole environment
  std::string cwd;
  std::uint64_t data_limit_bytes = 0;  // 0 = no limit
};

struct Spawned {
  pid_t pid = -1;
  int pidfd = -1;   // readable once the child exited
  int out_fd = -1;  // child's stdout (non-blocking, close-on-exec)
  int err_fd = -1;  // child's stderr
};

/// Starts the child. Returns an error text (errno-based) when it could not.
std::variant<Spawned, std::string> spawn(const SpawnSpec& spec);

/// How a child ended, from waitid() on its pidfd; reaps it.
struct ExitStatus {
  bool exited = false;   // normal exit (code valid)
  int code = 0;          // exit code, or the signal number when !exited
  long max_rss_kb = 0;   // peak resident set size over the child's life
  /// AWS's wording: "exit status 3", "signal: killed", "signal: aborted" …
  std::string describe() const;
};
ExitStatus reap(pid_t pid);
/// AWS's Runtime.ExitError text: "Runtime exited with error: exit status 3", or "Runtime exited
/// without providing a reason" for exit code 0.
std::string exit_message(const ExitStatus& status);

/// Sends `signal` to the child's whole process group.
void kill_group(pid_t pid, int signal) noexcept;

/// `name` looked up on PATH (as execvp would), or itself when it contains a '/'. "" if absent.
std::string find_program(const std::string& name);

/// Current resident memory high-water mark of a live process (VmHWM), in kB; 0 if unknown.
long peak_rss_kb(pid_t pid);
/// Current resident memory of a live process (/proc/<pid>/statm), in kB; 0 if unknown.
long resident_kb(pid_t pid);

}  // namespace gh::plugins::lambda
