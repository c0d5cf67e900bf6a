#include "base/result.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "base/unique_fd.h"

namespace hg {
namespace {

Result<UniqueFd> OpenDevNull() {
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Errno::Last();
  return fd;
}

Result<int> Fails() { return Errno(ENOENT); }

Status Propagates() {
  HG_ASSIGN_OR_RETURN(int v, Fails());
  (void)v;
  return Status::Ok();
}

TEST(ResultTest, CarriesValueOrErrno) {
  auto r = OpenDevNull();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->valid());
  auto f = Fails();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().value(), ENOENT);
  Status s = Propagates();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), Errno(ENOENT));
}

TEST(ResultTest, ZeroErrnoNeverMeansSuccess) {
  EXPECT_EQ(Errno(0).value(), EIO);
  EXPECT_EQ(Errno(-3).value(), EIO);
}

TEST(UniqueFdTest, ClosesOnDestructionAndReset) {
  int raw;
  {
    UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    raw = fd.get();
    ASSERT_GE(raw, 0);
  }
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
  UniqueFd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int first = a.get();
  UniqueFd b = std::move(a);
  EXPECT_FALSE(a.valid());
  EXPECT_EQ(b.get(), first);
  b.reset();
  EXPECT_EQ(::fcntl(first, F_GETFD), -1);
}

}  // namespace
}  // namespace hg
