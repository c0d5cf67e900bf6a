#include "gofer/transport/packet_window.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gofer/transport/frame.h"
#include "gofer/transport/transport_test_util.h"
#include "gtest/gtest.h"

namespace hg::transport {
namespace {

using testing::CountMappings;
using testing::IsCloexec;
using testing::SameFile;

int64_t FileSize(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 ? st.st_size : -1;
}

TEST(PacketWindowTest, MemfdIsSealedAgainstShrinkAndFurtherSealsFromTheStart) {
  Result<PacketWindowAllocator> a = PacketWindowAllocator::Create();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(::fcntl(a->fd(), F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_SEAL);
  EXPECT_TRUE(IsCloexec(a->fd()));

  // Growth still works under F_SEAL_SHRINK; that is why sealing at creation is fine.
  ASSERT_TRUE(a->Allocate(1).ok());
  ASSERT_TRUE(a->Allocate(PageSize()).ok());
  const int64_t size = FileSize(a->fd());
  EXPECT_EQ(size, static_cast<int64_t>(2 * PageSize()));

  // Nobody holding the memfd (the client gets a dup) can shrink it or add seals.
  Result<UniqueFd> dup = a->DupFd();
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(IsCloexec(dup->get()));
  EXPECT_TRUE(SameFile(dup->get(), a->fd()));
  EXPECT_EQ(::fcntl(dup->get(), F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_SEAL);
  EXPECT_EQ(::ftruncate(dup->get(), size - 1), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::ftruncate(dup->get(), 0), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::fcntl(dup->get(), F_ADD_SEALS, F_SEAL_GROW), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::fcntl(dup->get(), F_ADD_SEALS, F_SEAL_WRITE), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(FileSize(a->fd()), size);
  // The name gVisor uses, visible in /proc (debuggability, and what runsc expects).
  char path[64], target[256] = {};
  std::snprintf(path, sizeof(path), "/proc/self/fd/%d", a->fd());
  ASSERT_GT(::readlink(path, target, sizeof(target) - 1), 0);
  EXPECT_STREQ(target, "/memfd:flipcall_packet_windows (deleted)");
}

TEST(PacketWindowTest, WindowsAreBackToBackAndTheFileDoublesAsItGrows) {
  ASSERT_EQ(PageSize(), 4096u) << "the expected numbers below assume 4 KiB pages";
  const size_t window = WindowSizeFor(DefaultMaxPayload());
  EXPECT_EQ(DefaultMaxPayload(), 2u * 1024 * 1024 - 4096);
  EXPECT_EQ(window, 2u * 1024 * 1024);  // what gVisor's server hands out
  EXPECT_EQ(WindowSizeFor(0), 4096u);
  EXPECT_EQ(WindowSizeFor(4096 - 20), 4096u);
  EXPECT_EQ(WindowSizeFor(4096 - 19), 8192u);

  Result<PacketWindowAllocator> a = PacketWindowAllocator::Create();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(FileSize(a->fd()), 0);
  const int64_t expected_sizes[] = {2 << 20, 4 << 20, 8 << 20, 8 << 20, 16 << 20};
  for (int k = 0; k < 5; ++k) {
    Result<PacketWindow> w = a->Allocate(window);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->offset, static_cast<int64_t>(k * window));
    EXPECT_EQ(w->length, window);
    EXPECT_EQ(FileSize(a->fd()), expected_sizes[k]) << "after window " << k;
  }
  // Odd sizes are rounded up to a page so later windows stay page-aligned.
  Result<PacketWindow> odd = a->Allocate(100);
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->length, 4096u);
  Result<PacketWindow> after = a->Allocate(4096);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->offset, odd->offset + 4096);
  EXPECT_EQ(a->Allocate(0).error(), Errno(EINVAL));
  EXPECT_EQ(a->Allocate(SIZE_MAX).error(), Errno(EOVERFLOW));
}

TEST(PacketWindowTest, NewWindowsReadAsZerosAndMappingsShareTheFile) {
  Result<PacketWindowAllocator> a = PacketWindowAllocator::Create();
  ASSERT_TRUE(a.ok());
  Result<PacketWindow> w = a->Allocate(3 * PageSize());
  ASSERT_TRUE(w.ok());
  Result<Mapping> m1 = Mapping::Map(a->fd(), w->offset, w->length);
  Result<Mapping> m2 = Mapping::Map(a->fd(), w->offset, w->length);
  ASSERT_TRUE(m1.ok() && m2.ok());
  for (size_t i = 0; i < m1->size(); ++i) ASSERT_EQ(m1->data()[i], 0) << i;
  m1->data()[123] = 42;
  EXPECT_EQ(m2->data()[123], 42);  // MAP_SHARED: the peer sees our writes
}

TEST(PacketWindowTest, MappingIsReleasedOnDestruction) {
  Result<PacketWindowAllocator> a = PacketWindowAllocator::Create();
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a->Allocate(PageSize()).ok());
  const size_t before = CountMappings("flipcall_packet_windows");
  {
    Result<Mapping> m = Mapping::Map(a->fd(), 0, PageSize());
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(CountMappings("flipcall_packet_windows"), before + 1);
    Mapping moved = std::move(m.value());
    EXPECT_FALSE(m->valid());
    EXPECT_TRUE(moved.valid());
    EXPECT_EQ(CountMappings("flipcall_packet_windows"), before + 1);
  }
  EXPECT_EQ(CountMappings("flipcall_packet_windows"), before);
  EXPECT_EQ(Mapping::Map(a->fd(), 1, PageSize()).error(), Errno(EINVAL));  // unaligned
  EXPECT_EQ(Mapping::Map(a->fd(), 0, 0).error(), Errno(EINVAL));
}

}  // namespace
}  // namespace hg::transport
