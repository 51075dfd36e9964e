#include "plugins/lambda/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gh::plugins::lambda {

namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::variant<Spawned, std::string> spawn(const SpawnSpec& spec) {
  // Everything the child needs is prepared before fork(): between fork and exec only
  // async-signal-safe calls are allowed (the gateway is multi-threaded).
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return errno_text("pipe");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(out[0]);
    ::close(out[1]);
    errno = e;
    return errno_text("pipe");
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {out[0], out[1], err[0], err[1]}) ::close(fd);
    errno = e;
    return errno_text("fork");
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the gateway died before prctl took effect
    // The gateway ignores SIGPIPE and its threads may block signals; a Lambda runtime
    // expects the defaults.
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (spec.data_limit_bytes > 0) {
      struct rlimit limit {};
      limit.rlim_cur = limit.rlim_max = spec.data_limit_bytes;
      ::setrlimit(RLIMIT_DATA, &limit);
    }
    if (::chdir(spec.cwd.c_str()) != 0) ::_exit(126);
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    ::execve(spec.program.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  Spawned s;
  s.pid = pid;
  s.out_fd = out[0];
  s.err_fd = err[0];
  ::fcntl(s.out_fd, F_SETFL, ::fcntl(s.out_fd, F_GETFL) | O_NONBLOCK);
  ::fcntl(s.err_fd, F_SETFL, ::fcntl(s.err_fd, F_GETFL) | O_NONBLOCK);
  s.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (s.pidfd < 0) {
    std::string error = errno_text("pidfd_open");
    ::kill(pid, SIGKILL);
    reap(pid);
    close_fd(s.out_fd);
    close_fd(s.err_fd);
    return error;
  }
  ::fcntl(s.pidfd, F_SETFD, FD_CLOEXEC);
  return s;
}

ExitStatus reap(pid_t pid) {
  ExitStatus status;
  int wstatus = 0;
  struct rusage usage {};
  pid_t r;
  do {
    r = ::wait4(pid, &wstatus, 0, &usage);
  } while (r < 0 && errno == EINTR);
  if (r != pid) return status;
  status.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(wstatus)) {
    status.exited = true;
    status.code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    status.code = WTERMSIG(wstatus);
  }
  return status;
}

std::string ExitStatus::describe() const {
  if (exited) return "exit status " + std::to_string(code);
  // Go's os.ProcessState wording, which AWS's Runtime.ExitError messages use.
  switch (code) {
    case SIGKILL:
      return "signal: killed";
    case SIGABRT:
      return "signal: aborted";
    case SIGSEGV:
      return "signal: segmentation fault";
    case SIGTERM:
      return "signal: terminated";
    case SIGTRAP:
      return "signal: trace/breakpoint trap";
    case SIGBUS:
      return "signal: bus error";
    case SIGILL:
      return "signal: illegal instruction";
    case SIGINT:
      return "signal: interrupt";
    default:
      return "signal: " + std::string(::strsignal(code));
  }
}

std::string exit_message(const ExitStatus& status) {
  if (status.exited && status.code == 0) return "Runtime exited without providing a reason";
  return "Runtime exited with error: " + status.describe();
}

void kill_group(pid_t pid, int signal) noexcept {
  if (pid <= 0) return;
  if (::kill(-pid, signal) != 0) ::kill(pid, signal);
}

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = ::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::stringstream ss(dirs);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

long resident_kb(pid_t pid) {
  char path[40];
  std::snprintf(path, sizeof path, "/proc/%d/statm", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  long size = 0, resident = 0;
  if (std::sscanf(buf, "%ld %ld", &size, &resident) != 2) return 0;
  static const long page_kb = ::sysconf(_SC_PAGESIZE) / 1024;
  return resident * page_kb;
}

long peak_rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

}  // namespace gh::plugins::lambda
