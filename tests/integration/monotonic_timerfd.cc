// Preloaded before libfaketime in the clock-jump test, so that a CLOCK_MONOTONIC timerfd
// keeps the kernel's meaning while the calendar clock is faked.
//
// libfaketime rewrites every absolute timerfd deadline (TFD_TIMER_ABSTIME) as if it were on
// the calendar clock, monotonic ones too (libfaketime issues 378 and 431). boost::asio arms
// such a deadline (1 ns, "now") whenever a timer is already due, so with the calendar a day
// back the coordinator's timers waited a day and the test failed about one loaded run in
// ten: a fault of the tool, not of the coordinator. Deadlines on the calendar clock
// (CLOCK_REALTIME timerfds) still go through libfaketime, so a lease wrongly kept on the
// calendar would still be caught.
#include <dlfcn.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <atomic>
#include <ctime>

namespace {

constexpr int kMaxFd = 1 << 16;
std::atomic<bool> monotonic_fd[kMaxFd];  // by descriptor: created on a clock that must not jump

bool IsMonotonic(int fd) { return fd >= 0 && fd < kMaxFd && monotonic_fd[fd].load(); }

}  // namespace

extern "C" int timerfd_create(int clockid, int flags) {
  const int fd = static_cast<int>(syscall(SYS_timerfd_create, clockid, flags));
  if (fd >= 0 && fd < kMaxFd) {
    monotonic_fd[fd] = clockid == CLOCK_MONOTONIC || clockid == CLOCK_BOOTTIME;
  }
  return fd;
}

extern "C" int timerfd_settime(int fd, int flags, const itimerspec* next, itimerspec* previous) {
  if (IsMonotonic(fd)) {
    return static_cast<int>(syscall(SYS_timerfd_settime, fd, flags, next, previous));
  }
  using SetTime = int (*)(int, int, const itimerspec*, itimerspec*);
  static const auto faked = reinterpret_cast<SetTime>(dlsym(RTLD_NEXT, "timerfd_settime"));
  return faked(fd, flags, next, previous);
}
