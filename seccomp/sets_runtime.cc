// The runtime set: what hardgofer's own C++20 / glibc 2.36 / libstdc++ process
// needs once confined. Measured with `strace -f` on seccomp_runtime_probe
// (threads, mutexes, condition variables, large and small new/delete,
// realloc, exceptions, sleeps, clocks, signals; README "Measuring the runtime
// set"), then checked by running that probe under a program compiled from
// this set alone, with /proc and /sys visible and hidden.
//
// Argument restrictions follow glibc's exact calls. Two glibc habits shape
// them: the syscall macros leave unused argument registers holding garbage
// (so a rule never constrains an argument glibc does not pass — unlike runsc's
// futex rules, written for Go, which require arg4 == 0), and int arguments are
// sign-extended to 64 bits (AT_FDCWD arrives as 0xffffffffffffff9c; the rule
// compares only the low 32 bits, which is all the kernel reads).
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include <cerrno>
#include <string>

#include "seccomp/sets.h"

namespace hg::seccomp {
namespace {

// glibc 2.36 create_thread(): CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM
// | CLONE_SIGHAND | CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID |
// CLONE_CHILD_CLEARTID, exit_signal 0.
constexpr uint64_t kGlibcThreadFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM |
                                       CLONE_SIGHAND | CLONE_THREAD | CLONE_SETTLS |
                                       CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
// glibc's SIGSETXID = kernel SIGRTMIN + 1.
constexpr uint64_t kSigSetXid = 33;
constexpr int kStderr = 2;

Reason R(std::string what, std::string why) {
  return Reason{std::move(what), std::move(why), std::string(kRuntimeSet)};
}

}  // namespace

ErrorOr<RuleSet> RuntimeSet(Arch arch) {
  if (arch != Arch::kX86_64) {
    return Error(ErrorCode::kUnsupportedArch,
                 "the runtime set has not been measured on " + std::string(ArchName(arch)) +
                     "; run seccomp_runtime_probe under strace there first (seccomp/README.md)");
  }
  RuleSet s{std::string(kRuntimeSet)};

  // --- memory ---------------------------------------------------------------
  s.AllowAny("brk", R("brk", "glibc malloc grows and trims the main arena with sbrk"));
  s.Allow("mmap",
          {ArgCond::Eq(2, PROT_READ | PROT_WRITE), ArgCond::Eq(3, MAP_PRIVATE | MAP_ANONYMOUS)},
          R("mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS)",
            "glibc malloc serves blocks >= M_MMAP_THRESHOLD (128 KiB+) from their own mapping: "
            "new/delete of large buffers"));
  s.Allow("mmap",
          {ArgCond::Eq(2, PROT_NONE), ArgCond::Eq(3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK)},
          R("mmap(PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK)",
            "pthread_create maps a thread stack with its guard page, then mprotects the rest"));
  s.Allow("mmap",
          {ArgCond::Eq(2, PROT_NONE), ArgCond::Eq(3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)},
          R("mmap(PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE)",
            "glibc malloc reserves a 64 MiB heap for each thread arena (new_heap)"));
  s.Allow("mmap",
          {ArgCond::Eq(2, PROT_NONE), ArgCond::Eq(3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)},
          R("mmap(PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED)",
            "glibc malloc shrink_heap returns a thread arena's tail this way when overcommit is "
            "strict"));
  s.Allow("mprotect", {ArgCond::Eq(2, PROT_READ | PROT_WRITE)},
          R("mprotect(PROT_READ|PROT_WRITE)",
            "glibc malloc commits thread-arena heap pages (grow_heap); pthread_create makes the "
            "stack below the guard page usable"));
  s.AllowAny("munmap", R("munmap",
                         "free() of mmapped blocks, thread stacks beyond glibc's stack "
                         "cache, trimming of reserved arena space"));
  s.Allow("madvise", {ArgCond::Eq(2, MADV_DONTNEED)},
          R("madvise(MADV_DONTNEED)",
            "glibc releases an exited thread's stack pages and trims thread arenas"));
  s.Allow("mremap", {ArgCond::Eq(3, MREMAP_MAYMOVE)},
          R("mremap(MREMAP_MAYMOVE)", "glibc realloc() of a block that lives in its own mapping"));
  // glibc reads two files lazily, after confinement: malloc's
  // check_may_shrink_heap (/proc/sys/vm/overcommit_memory) and get_nprocs
  // (/sys/devices/system/cpu/online, then /proc/stat) when a process has more
  // than 8 arenas. In the confined gofer both opens fail with ENOENT and glibc
  // falls back (madvise; sched_getaffinity).
  s.Allow("openat",
          {ArgCond::MaskedEq(0, 0xFFFFFFFF, static_cast<uint32_t>(AT_FDCWD)),
           ArgCond::Eq(2, O_RDONLY | O_CLOEXEC)},
          R("openat(AT_FDCWD, path, O_RDONLY|O_CLOEXEC)",
            "glibc malloc reads /proc/sys/vm/overcommit_memory and get_nprocs reads "
            "/sys/devices/system/cpu/online and /proc/stat"));
  s.AllowAny("read", R("read", "glibc reads the files it opened above"));
  s.AllowAny("close", R("close", "glibc closes the files it opened above"));
  s.Allow("sched_getaffinity", {ArgCond::Eq(0, 0)},
          R("sched_getaffinity(0, ...)",
            "glibc get_nprocs falls back to the affinity mask when /sys and /proc are not "
            "visible; malloc sizes its arena limit with it once more than 8 arenas exist"));

  // --- threads --------------------------------------------------------------
  s.FailWith("clone3", ENOSYS,
             R("clone3 fails with ENOSYS",
               "clone3 takes its flags in memory, which seccomp cannot read; refusing it makes "
               "glibc's __clone_internal fall back to clone(2), whose flags are checked"));
  s.Allow("clone", {ArgCond::Eq(0, kGlibcThreadFlags)},
          R("clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SYSVSEM|CLONE_SIGHAND|CLONE_THREAD|"
            "CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, ...)",
            "std::thread -> pthread_create creates a thread; no other clone (no fork, no new "
            "namespaces)"));
  s.AllowAny("set_robust_list", R("set_robust_list",
                                  "every new glibc thread registers its "
                                  "robust-futex list"));
  s.Allow(
      "rseq", {ArgCond::Eq(2, 0)},
      R("rseq(..., flags 0)", "glibc 2.35+ registers restartable sequences for each new thread"));
  s.AllowAny("exit", R("exit", "a thread returns from its start routine"));
  s.AllowAny("exit_group", R("exit_group", "the process exits"));

  // --- futex ----------------------------------------------------------------
  s.Allow("futex", {ArgCond::Eq(1, FUTEX_WAIT | FUTEX_PRIVATE_FLAG)},
          R("futex(FUTEX_WAIT_PRIVATE)", "std::mutex (pthread_mutex_lock) blocks"));
  s.Allow("futex", {ArgCond::Eq(1, FUTEX_WAKE | FUTEX_PRIVATE_FLAG)},
          R("futex(FUTEX_WAKE_PRIVATE)",
            "std::mutex unlock and std::condition_variable notify wake waiters"));
  s.Allow("futex", {ArgCond::Eq(1, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)},
          R("futex(FUTEX_WAIT_BITSET_PRIVATE)",
            "condition_variable::wait_for/wait_until on steady_clock (CLOCK_MONOTONIC)"));
  s.Allow("futex", {ArgCond::Eq(1, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)},
          R("futex(FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME)",
            "condition_variable::wait (pthread_cond_wait) and waits on system_clock"));
  s.Allow("futex", {ArgCond::Eq(1, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME)},
          R("futex(FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME)",
            "std::thread::join waits on the thread's tid word, which the kernel clears and wakes "
            "(a shared futex)"));

  // --- signals --------------------------------------------------------------
  s.AllowAny("rt_sigprocmask", R("rt_sigprocmask",
                                 "pthread_create blocks signals around clone; "
                                 "thread exit; abort() unblocks SIGABRT"));
  s.Allow("rt_sigaction", {ArgCond::Eq(0, kSigSetXid)},
          R("rt_sigaction(SIGSETXID)",
            "glibc installs its set*id broadcast handler at the first pthread_create"));
  s.AllowAny("rt_sigreturn", R("rt_sigreturn",
                               "return from a signal handler (SIGUSR1 counter "
                               "dump, SIGTERM drain, glibc's SIGSETXID)"));
  s.AllowAny("restart_syscall",
             R("restart_syscall", "the kernel resumes an interrupted sleep after a stop/continue"));
  s.AllowAny("getpid", R("getpid", "raise(), abort() and pthread_kill compute tgkill's tgid"));
  s.AllowAny("gettid", R("gettid", "raise() and abort() signal the calling thread"));
  s.Allow("tgkill", {ArgCond::Eq(0, ArgValue::Of(Placeholder::kSelfPid))},
          R("tgkill(own pid, ...)",
            "raise(), abort() and pthread_kill signal threads of this process only"));

  // --- time -----------------------------------------------------------------
  s.AllowAny("clock_gettime",
             R("clock_gettime", "std::chrono clocks when the vDSO cannot serve them"));
  s.Allow("clock_nanosleep", {ArgCond::Eq(0, CLOCK_REALTIME), ArgCond::Eq(1, 0)},
          R("clock_nanosleep(CLOCK_REALTIME, 0, ...)",
            "std::this_thread::sleep_for -> nanosleep(), which glibc 2.36 implements this way"));
  s.AllowAny("sched_yield", R("sched_yield", "std::this_thread::yield"));

  // --- hardgofer's own server and file paths -------------------------------
  // Found by running the confined gofer under each example policy
  // (tests/e2e): every LisaFS connection needs these, whatever the mounts.
  s.Allow("fcntl", {ArgCond::Eq(1, F_DUPFD_CLOEXEC), ArgCond::Eq(2, 0)},
          R("fcntl(fd, F_DUPFD_CLOEXEC, 0)",
            "duplicate a handle close-on-exec: the FDs Mount/OpenAt donate, channel FDs"));
  s.AllowAny("ftruncate", R("ftruncate",
                            "size the memfd behind each flipcall channel's packet windows "
                            "(seccomp cannot tell it from a file fd)"));
  s.Allow("statx",
          {ArgCond::NonNegFd(0), ArgCond::Eq(2, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)},
          R("statx(dirfd >= 0, name, AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT)",
            "path_walk stats a name beneath a directory handle without following it "
            "(WalkStat, Getdents64 mount-point entries)"));
  s.Allow("poll", {ArgCond::Eq(1, 1), ArgCond::Eq(2, 0)},
          R("poll(fds, 1, 0)",
            "fsgofer checks /proc/self/mountinfo for a mount-table change (POLLPRI) before "
            "trusting its cached mount points"));
  s.Allow("prctl", {ArgCond::Eq(0, PR_SET_NAME)},
          R("prctl(PR_SET_NAME)", "pthread_setname_np names each serving thread hg-*"));

  // --- diagnostics ----------------------------------------------------------
  s.Allow("write", {ArgCond::Eq(0, kStderr)},
          R("write(2, ...)", "log lines and std::terminate messages go to stderr"));
  s.Allow("writev", {ArgCond::Eq(0, kStderr)},
          R("writev(2, ...)",
            "glibc's fatal-error messages (heap corruption, stack smashing) before abort()"));
  return s;
}

}  // namespace hg::seccomp
