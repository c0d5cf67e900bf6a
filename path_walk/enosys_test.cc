// Kernel detection: a kernel (or a seccomp filter) without openat2 answers
// ENOSYS. In a forked child we hide openat2 behind a filter that returns
// exactly that, then check each resolver setting: kOpenat2 reports ENOSYS,
// kFallback never needed openat2, and kAuto switches over, including for a
// mount opened while openat2 still worked.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>

#include "path_walk/make_at.h"
#include "path_walk/mount_root.h"
#include "path_walk/open_at.h"
#include "path_walk/testing/child.h"
#include "path_walk/testing/temp_tree.h"
#include "path_walk/walk.h"

namespace hg::path_walk {
namespace {

using testing::Checker;
using testing::N;
using testing::Names;

// Makes openat2 fail with ENOSYS for this process (and only it: the caller
// is a forked child). No architecture check: openat2 has the same number on
// every architecture with the unified syscall table, and a test filter that
// also hides syscall 437 of another ABI hides nothing we use.
bool HideOpenat2() {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])),
                            filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

int Err(const Result<MountRoot>& r) { return r.ok() ? 0 : r.error().value(); }

TEST(Openat2MissingTest, ResolversBehaveAsDocumented) {
  if (!Openat2Available()) GTEST_SKIP() << "kernel lacks openat2(2): nothing to hide";
  testing::TempTree t;
  t.MkDir("root");
  t.MkDir("root/a");
  t.WriteFile("root/a/f", "x");
  std::string failures = testing::RunInChild([&](Checker& c) {
    auto early = OpenMountRoot(t.Path("root"), Options{});  // kAuto, openat2 still there
    if (!c.Check(early.ok(), "open early root")) return;
    if (!c.Check(HideOpenat2(), "install filter")) return;
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    errno = 0;
    c.Check(::syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how)) == -1 && errno == ENOSYS,
            "filter hides openat2");

    Options forced;
    forced.resolver = Resolver::kOpenat2;
    c.CheckErrno(Err(OpenMountRoot(t.Path("root"), forced)), ENOSYS, "kOpenat2 reports ENOSYS");

    Options fallback;
    fallback.resolver = Resolver::kFallback;
    auto fb = OpenMountRoot(t.Path("root"), fallback);
    if (c.Check(fb.ok(), "kFallback opens")) {
      auto w = Walk(fb->handle(), Names({"a", "f"}));
      c.Check(w.ok() && w->status == WalkStatus::kSuccess, "kFallback walks");
    }

    // The mount opened before: its first lookup meets ENOSYS and switches.
    auto w = Walk(early->handle(), Names({"a", "f"}));
    c.Check(w.ok() && w->status == WalkStatus::kSuccess, "kAuto mount switches to the fallback");
    c.Check(!Openat2Available(), "process now knows openat2 is missing");
    c.Check(EffectiveResolver(Resolver::kAuto) == Resolver::kFallback, "auto means fallback");
    if (w.ok() && w->status == WalkStatus::kSuccess) {
      auto created = CreateAt(w->steps[0].handle, N("g"), O_WRONLY, 0600);
      c.Check(created.ok(), "create after the switch");
    }
    auto fresh = OpenMountRoot(t.Path("root"), Options{});
    c.Check(fresh.ok(), "kAuto opens a new root without openat2");
  });
  EXPECT_EQ(failures, "");
  EXPECT_TRUE(Openat2Available()) << "the filter leaked out of the child";
}

}  // namespace
}  // namespace hg::path_walk
