// Reader/Writer primitives, MIDs, limits and error mapping.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include "gofer/wire/errors.h"
#include "gofer/wire/max_message_size.h"
#include "gofer/wire/messages.h"
#include "gofer/wire/mid.h"
#include "gofer/wire/reader.h"
#include "gofer/wire/types.h"
#include "gofer/wire/writer.h"

namespace hg::wire {
namespace {

TEST(MidTest, AllThirtyFourMidsHaveGvisorsNames) {
  const char* want[] = {
      "Error",     "Mount",     "Channel",    "FStat",        "SetStat",    "Walk",
      "WalkStat",  "OpenAt",    "OpenCreateAt", "Close",      "FSync",      "PWrite",
      "PRead",     "MkdirAt",   "MknodAt",    "SymlinkAt",    "LinkAt",     "FStatFS",
      "FAllocate", "ReadLinkAt", "Flush",     "Connect",      "UnlinkAt",   "RenameAt",
      "Getdents64", "FGetXattr", "FSetXattr", "FListXattr",   "FRemoveXattr", "BindAt",
      "Listen",    "Accept",    "ConnectWithCreds", "RenameAt2"};
  ASSERT_EQ(std::size(want), size_t{kNumMids});
  for (uint16_t i = 0; i < kNumMids; ++i) {
    EXPECT_EQ(MidName(static_cast<MID>(i)), want[i]) << i;
    EXPECT_TRUE(IsKnownMid(i));
  }
  EXPECT_EQ(ToRaw(MID::kRenameAt2), 33);
  EXPECT_EQ(ToRaw(MID::kFlush), 20);
  EXPECT_FALSE(IsKnownMid(uint16_t{34}));
  EXPECT_FALSE(IsKnownMid(uint16_t{0xffff}));
  EXPECT_EQ(MidName(static_cast<MID>(34)), "Unknown");
  EXPECT_EQ(MidName(static_cast<MID>(256)), "Unknown");
}

TEST(MidTest, TraitsMapEachMidToGvisorsTypes) {
  static_assert(std::is_same_v<RequestOf<MID::kWalkStat>, WalkReq>);
  static_assert(std::is_same_v<ResponseOf<MID::kWalkStat>, WalkStatResp>);
  static_assert(std::is_same_v<ResponseOf<MID::kFStat>, Statx>);
  static_assert(std::is_same_v<ResponseOf<MID::kFStatFS>, StatFS>);
  static_assert(std::is_same_v<ResponseOf<MID::kConnectWithCreds>, ConnectResp>);
  static_assert(std::is_same_v<ResponseOf<MID::kRenameAt2>, RenameAtResp>);
  static_assert(std::is_same_v<ResponseOf<MID::kError>, ErrorResp>);
  static_assert(std::is_same_v<RequestOf<MID::kClose>, CloseReq>);
  // The X-list is in MID order and complete: count and check each entry's number.
  int n = 0;
#define HG_COUNT_(Name, Req, Resp) EXPECT_EQ(ToRaw(MID::k##Name), ++n) << #Name;
  HG_WIRE_FOR_EACH_RPC(HG_COUNT_)
#undef HG_COUNT_
  EXPECT_EQ(n, 33);
}

TEST(ConstantsTest, SentinelsMatchGvisor) {
  EXPECT_EQ(kNoUID, 0xFFFFFFFFu);
  EXPECT_EQ(kNoGID, 0xFFFFFFFFu);
  EXPECT_EQ(kInvalidFDID, 0u);
  EXPECT_EQ(static_cast<uint8_t>(WalkStatus::kSuccess), 0);
  EXPECT_EQ(static_cast<uint8_t>(WalkStatus::kComponentDoesNotExist), 1);
  EXPECT_EQ(static_cast<uint8_t>(WalkStatus::kComponentSymlink), 2);
  EXPECT_FALSE(IsKnownWalkStatus(static_cast<WalkStatus>(3)));
}

TEST(MaxMessageSizeTest, IsHugePageMinusPageForTheRunningKernel) {
  const long page = sysconf(_SC_PAGESIZE);
  ASSERT_GT(page, 0);
  const uint64_t huge = static_cast<uint64_t>(page) * static_cast<uint64_t>(page) / 8;
  EXPECT_EQ(MaxMessageSize(), huge - static_cast<uint64_t>(page));
  if (page == 4096) {
    EXPECT_EQ(MaxMessageSize(), 0x1FF000u);  // gVisor's amd64 value
  }
  EXPECT_EQ(MaxMessageSizeForPageSize(4096), 2093056u);
  EXPECT_EQ(MaxMessageSizeForPageSize(65536), 512u * 1024 * 1024 - 65536);  // arm64 64K
  // The flipcall window (payload + 16 flipcall + 4 channel header) rounds up to
  // exactly one huge page: that is why the value is what it is.
  const uint64_t window = MaxMessageSize() + 16 + 4;
  EXPECT_EQ((window + page - 1) / page * page, huge);
}

TEST(ErrorsTest, DecodeErrorsMapToGvisorsErrnos) {
  std::set<std::string_view> names;
  for (DecodeError e :
       {DecodeError::kTruncated, DecodeError::kLengthOverrun, DecodeError::kCountOverrun,
        DecodeError::kLimitExceeded, DecodeError::kPayloadTooLarge, DecodeError::kFdsInRequest,
        DecodeError::kUnknownMid, DecodeError::kNoSuchMessage}) {
    names.insert(DecodeErrorName(e));
    bool mid_error = e == DecodeError::kUnknownMid || e == DecodeError::kNoSuchMessage;
    EXPECT_EQ(ToErrno(e), Errno(mid_error ? EOPNOTSUPP : EIO)) << DecodeErrorName(e);
  }
  EXPECT_EQ(names.size(), 8u) << "names must be distinct";
  EXPECT_EQ(ToErrno(EncodeError::kNoSpace), Errno(EIO));
  EXPECT_EQ(ToErrno(EncodeError::kTooLong), Errno(EIO));
  EXPECT_NE(EncodeErrorName(EncodeError::kNoSpace), EncodeErrorName(EncodeError::kTooLong));
}

TEST(ErrorsTest, OutcomeConvertsToResult) {
  Decoded<StatReq> bad = StatReq::Decode({});
  Result<StatReq> r = std::move(bad).ToResult();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno(EIO));
  const uint8_t b[8] = {42};
  Result<StatReq> good = StatReq::Decode(b).ToResult();
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->fd, 42u);
}

TEST(ErrorRespTest, ForAndAsErrno) {
  EXPECT_EQ(ErrorResp::For(Errno(ENOENT)).errnum, uint32_t{ENOENT});
  EXPECT_EQ(ErrorResp{EBADF}.AsErrno(), Errno(EBADF));
  // A zero or absurd errno must never read as success on the client.
  EXPECT_EQ(ErrorResp{0}.AsErrno(), Errno(EIO));
  EXPECT_EQ(ErrorResp{0xA1B2C3D4}.AsErrno(), Errno(EIO));
}

TEST(ReaderTest, FirstFailureSticksAndNothingIsReadPastTheEnd) {
  const std::vector<uint8_t> b = {1, 0, 0, 0, 9};
  Reader r(b);
  EXPECT_EQ(r.U32(), 1u);
  EXPECT_EQ(r.remaining(), 1u);
  EXPECT_EQ(r.U16(), 0u);  // only 1 byte left
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), DecodeError::kTruncated);
  EXPECT_EQ(r.U8(), 0u);  // stuck: the 9 is not returned
  EXPECT_EQ(r.remaining(), 0u);
  r.Fail(DecodeError::kCountOverrun);
  EXPECT_EQ(r.error(), DecodeError::kTruncated) << "first failure wins";
}

TEST(ReaderTest, SizedStringAndCountsAreCheckedAgainstTheRest) {
  {
    const std::vector<uint8_t> b = {3, 0, 'a', 'b', 'c', 'd'};
    Reader r(b);
    EXPECT_EQ(r.SizedString(), "abc");
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.consumed(), 5u);
  }
  {
    const std::vector<uint8_t> b = {4, 0, 'a', 'b', 'c'};
    Reader r(b);
    EXPECT_EQ(r.SizedString(), "");
    EXPECT_EQ(r.error(), DecodeError::kLengthOverrun);
  }
  {
    const std::vector<uint8_t> b = {2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    Reader r(b);
    EXPECT_EQ(r.Count(8), 0u);  // 2 x 8 > 15
    EXPECT_EQ(r.error(), DecodeError::kCountOverrun);
  }
  {
    const std::vector<uint8_t> b = {0xff, 0xff};
    Reader r(b);
    std::vector<std::string_view> out;
    r.StringArray(&out);
    EXPECT_EQ(r.error(), DecodeError::kCountOverrun);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(out.capacity(), 0u) << "nothing may be allocated for an unchecked count";
  }
  {
    // 64-bit lengths are compared without truncation.
    const std::vector<uint8_t> b = {1, 2, 3};
    Reader r(b);
    EXPECT_TRUE(r.Bytes(uint64_t{1} << 32 | 1).empty());
    EXPECT_EQ(r.error(), DecodeError::kLengthOverrun);
  }
}

TEST(WriterTest, StopsAtCapacityAndStaysFailed) {
  std::vector<uint8_t> buf(6, 0xEE);
  Writer w(std::span<uint8_t>(buf).first(5));
  w.U32(0x04030201);
  EXPECT_TRUE(w.ok());
  w.U16(0x0605);  // does not fit: nothing written
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.error(), EncodeError::kNoSpace);
  w.U8(7);  // would fit, but the writer is stuck
  EXPECT_EQ(w.size(), 4u);
  EXPECT_EQ(buf, (std::vector<uint8_t>{1, 2, 3, 4, 0xEE, 0xEE}));
}

TEST(WriterTest, TruncateOnlyShrinks) {
  std::vector<uint8_t> buf(16);
  Writer w(buf);
  w.U64(1);
  w.Truncate(3);
  EXPECT_EQ(w.size(), 3u);
  w.Truncate(10);
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(w.remaining(), 13u);
}

TEST(WriterTest, PaddingIsWrittenAsZero) {
  std::vector<uint8_t> buf(OpenAtReq::kSize, 0xEE);
  ASSERT_TRUE(EncodeInto(OpenAtReq{.fd = 1, .flags = 2}, buf).ok());
  EXPECT_EQ(buf, (std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}));

  std::vector<uint8_t> st(Statx::kSize, 0xEE);
  ASSERT_TRUE(EncodeInto(Statx{}, st).ok());
  EXPECT_EQ(st, std::vector<uint8_t>(Statx::kSize, 0));

  std::vector<uint8_t> mk(MkdirAtReq{}.EncodedSize(), 0xEE);
  ASSERT_TRUE(EncodeInto(MkdirAtReq{.dir_fd = 0, .uid = 0, .gid = 0, .mode = 0, .name = {}}, mk).ok());
  EXPECT_EQ(mk, std::vector<uint8_t>(26, 0));
}

// Section 10 of the protocol reference, derived by hand from the layouts.
TEST(WorkedEncodingsTest, ReferenceSection10) {
  auto fstat = Encode(StatReq{.fd = 42});
  ASSERT_TRUE(fstat.ok());
  EXPECT_EQ(*fstat, (std::vector<uint8_t>{0x2a, 0, 0, 0, 0, 0, 0, 0}));

  auto walk = Encode(WalkReq{.dir_fd = 1, .path = {"a", "bc"}});
  ASSERT_TRUE(walk.ok());
  EXPECT_EQ(*walk, (std::vector<uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 'a', 2, 0, 'b', 'c'}));

  WalkResp two{.status = WalkStatus::kSuccess, .inodes = {Inode{}, Inode{}}};
  EXPECT_EQ(two.EncodedSize(), 307u);

  MountResp stock;
  stock.max_message_size = 0x1FF000;
  for (uint16_t m = 1; m < kNumMids; ++m) {
    if (m != ToRaw(MID::kFlush)) stock.supported_mids.push_back(static_cast<MID>(m));
  }
  auto mount = Encode(stock);
  ASSERT_TRUE(mount.ok());
  ASSERT_EQ(mount->size(), 222u);
  EXPECT_EQ((std::vector<uint8_t>(mount->begin() + 152, mount->begin() + 156)),
            (std::vector<uint8_t>{0x00, 0xf0, 0x1f, 0x00}));
}

}  // namespace
}  // namespace hg::wire
