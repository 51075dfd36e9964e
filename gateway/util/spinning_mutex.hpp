#pragma once
/// A mutex for short critical sections contended by the worker threads: glibc's adaptive mutex
/// spins briefly before sleeping, so a lock held for a few microseconds (an SQLite point read)
/// is handed over without a futex sleep and wake-up on each side. Meets Lockable, so
/// std::lock_guard and std::unique_lock work with it.

#include <pthread.h>

namespace gh::util {

class SpinningMutex {
 public:
  SpinningMutex() {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&m_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~SpinningMutex() { pthread_mutex_destroy(&m_); }
  SpinningMutex(const SpinningMutex&) = delete;
  SpinningMutex& operator=(const SpinningMutex&) = delete;

  void lock() { pthread_mutex_lock(&m_); }
  bool try_lock() { return pthread_mutex_trylock(&m_) == 0; }
  void unlock() { pthread_mutex_unlock(&m_); }

 private:
  pthread_mutex_t m_;
};

}  // namespace gh::util
