// The runtime set is complete for a C++/glibc process: seccomp_runtime_probe
// (threads, locks, condition variables, allocation, signals, sleeps) runs to
// completion under a program compiled from the runtime set alone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include <string>

#include "seccomp/placeholder.h"
#include "seccomp/sets.h"
#include "seccomp/test_util.h"

#if defined(__x86_64__)

namespace hg::seccomp {
namespace {

using testing::MustCompile;
using testing::TraceChild;
using testing::TraceResult;

// Execs the probe under `program` in a traced child. With `hide_host_views`,
// the child first gets its own mount namespace with empty tmpfs over /proc
// and /sys, as the confined gofer sees the world (glibc's lazy reads of
// /proc and /sys fail and it takes its fallbacks).
TraceResult RunProbe(const BpfProgram& program, bool hide_host_views) {
  return TraceChild([&] {
    if (hide_host_views) {
      if (unshare(CLONE_NEWNS) != 0) return 40;
      if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 41;
      for (const char* dir : {"/proc", "/sys"}) {
        if (mount("none", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k") != 0) {
          return 42;
        }
      }
    }
    ErrorOr<BpfProgram> filled = FillHoles(program, Bindings::ForThisProcess());
    if (!filled.ok()) return 43;
    const std::string bytes = filled->ToBytes();
    const int fd = memfd_create("probe-filter", 0);  // inherited by the probe
    if (fd < 0) return 44;
    if (write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) return 45;
    if (lseek(fd, 0, SEEK_SET) != 0) return 46;
    const std::string fd_arg = std::to_string(fd);
    execl(HG_SECCOMP_PROBE, "seccomp_runtime_probe", "--filter-fd", fd_arg.c_str(),
          static_cast<char*>(nullptr));
    return 47;
  });
}

TEST(RuntimeProbeTest, WorkloadRunsUnderTheRuntimeSetAlone) {
  const CompiledFilter f = MustCompile(RuntimeSet(Arch::kX86_64).value(), DenyExecMappings());
  TraceResult r = RunProbe(f.program, /*hide_host_views=*/false);
  EXPECT_TRUE(r.Exited(0)) << r.Describe();
}

TEST(RuntimeProbeTest, WorkloadRunsUnderTheRuntimeSetWithProcAndSysHidden) {
  const CompiledFilter f = MustCompile(RuntimeSet(Arch::kX86_64).value(), DenyExecMappings());
  TraceResult r = RunProbe(f.program, /*hide_host_views=*/true);
  EXPECT_TRUE(r.Exited(0)) << r.Describe();
}

TEST(RuntimeProbeTest, WorkloadRunsUnderTheFullPolicy) {
  RuleSet all = testing::StockRules(true);
  all.Merge(HostUdsCommonSet(Arch::kX86_64)).Merge(HostUdsOpenSet(Arch::kX86_64));
  const CompiledFilter f = MustCompile(all, DenyExecMappings());
  TraceResult r = RunProbe(f.program, /*hide_host_views=*/true);
  EXPECT_TRUE(r.Exited(0)) << r.Describe();
}

TEST(RuntimeProbeTest, RunscStockSetAloneKillsACxxProcess) {
  // runsc's set is written for the Go runtime: glibc's thread stacks
  // (MAP_STACK), arenas, brk and thread creation (clone3, then clone with
  // CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID) are not in it. This is why
  // hardgofer needs its own runtime set, and shows the probe exercises it.
  const CompiledFilter f = MustCompile(FsgoferSet(Arch::kX86_64), DenyExecMappings());
  TraceResult r = RunProbe(f.program, /*hide_host_views=*/false);
  EXPECT_TRUE(r.KilledBy(SIGSYS)) << r.Describe();
  std::optional<testing::ExitEvent> e = r.SigsysExit();
  ASSERT_TRUE(e.has_value()) << r.Describe();
  // It died in a syscall the runtime set provides.
  std::optional<std::string> name = SyscallName(Arch::kX86_64, static_cast<int>(e->nr));
  ASSERT_TRUE(name.has_value()) << r.Describe();
  EXPECT_NE(RuntimeSet(Arch::kX86_64).value().Find(*name), nullptr) << *name;
}

}  // namespace
}  // namespace hg::seccomp

#endif  // __x86_64__
