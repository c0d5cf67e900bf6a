// In-place response builders: same bytes as the message encoders, never past
// the buffer, and "full" is an answer, not an error.
#include "gofer/wire/builders.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gofer/wire/messages.h"

namespace hg::wire {
namespace {

Inode MakeInode(uint64_t i) {
  Inode n;
  n.control_fd = i;
  n.stat.ino = 1000 + i;
  n.stat.mode = 0100644;
  return n;
}

TEST(BuildersTest, WalkRespBuilderMatchesTheEncoder) {
  std::vector<uint8_t> buf(1024);
  Writer w(buf);
  WalkRespBuilder b(w);
  WalkResp want{.status = WalkStatus::kComponentSymlink, .inodes = {}};
  for (uint64_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(b.Add(MakeInode(i)));
    want.inodes.push_back(MakeInode(i));
  }
  b.Finish(WalkStatus::kComponentSymlink);
  ASSERT_TRUE(w.ok());
  auto enc = Encode(want);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(std::vector<uint8_t>(w.written().begin(), w.written().end()), *enc);
}

TEST(BuildersTest, WalkRespBuilderStopsWhenFullAndStaysValid) {
  std::vector<uint8_t> buf(3 + 2 * Inode::kSize + 100);
  Writer w(buf);
  WalkRespBuilder b(w);
  EXPECT_TRUE(b.Add(MakeInode(1)));
  EXPECT_TRUE(b.Add(MakeInode(2)));
  EXPECT_FALSE(b.Add(MakeInode(3)));  // 100 bytes left < 152
  EXPECT_TRUE(w.ok()) << "a full builder is not an encoding error";
  b.Finish(WalkStatus::kSuccess);
  Decoded<WalkResp> d = WalkResp::Decode(w.written());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->inodes.size(), 2u);
  EXPECT_EQ(w.size(), 3 + 2 * Inode::kSize);
}

TEST(BuildersTest, HeaderThatDoesNotFitFailsTheWriter) {
  std::vector<uint8_t> buf(2);
  Writer w(buf);
  WalkRespBuilder b(w);  // needs 3 header bytes
  EXPECT_FALSE(b.Add(MakeInode(1)));
  b.Finish(WalkStatus::kSuccess);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.error(), EncodeError::kNoSpace);
}

TEST(BuildersTest, WalkStatRespBuilderMatchesTheEncoder) {
  std::vector<uint8_t> buf(2 + 3 * Statx::kSize);
  Writer w(buf);
  WalkStatRespBuilder b(w);
  WalkStatResp want;
  for (uint64_t i = 0; i < 3; ++i) {
    Statx s = MakeInode(i).stat;
    ASSERT_TRUE(b.Add(s));
    want.stats.push_back(s);
  }
  EXPECT_FALSE(b.Add(Statx{}));  // exactly full
  b.Finish();
  auto enc = Encode(want);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(std::vector<uint8_t>(w.written().begin(), w.written().end()), *enc);
}

TEST(BuildersTest, Getdents64RespBuilderFillsUpToTheCapacity) {
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back("entry-" + std::to_string(i));
  std::vector<uint8_t> buf(500);
  Writer w(buf);
  Getdents64RespBuilder b(w);
  Getdents64Resp want;
  for (size_t i = 0; i < names.size(); ++i) {
    Dirent64 d{.ino = i, .dev_minor = 2, .dev_major = 259, .off = i + 1, .type = 8,
               .name = names[i]};
    if (!b.Add(d)) break;
    want.dirents.push_back(d);
  }
  b.Finish();
  EXPECT_GT(want.dirents.size(), 5u);
  EXPECT_LT(want.dirents.size(), names.size());
  EXPECT_LE(w.size(), buf.size());
  EXPECT_LT(buf.size() - w.size(), Dirent64::kMinSize + names.back().size())
      << "the next entry would have fit";
  auto enc = Encode(want);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(std::vector<uint8_t>(w.written().begin(), w.written().end()), *enc);
}

TEST(BuildersTest, Getdents64RespBuilderRejectsOverlongNames) {
  std::vector<uint8_t> buf(200000);
  Writer w(buf);
  Getdents64RespBuilder b(w);
  std::string huge(size_t{UINT16_MAX} + 1, 'n');
  EXPECT_FALSE(b.Add(Dirent64{.name = huge}));
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE(b.Add(Dirent64{.name = "ok"}));
  b.Finish();
  Decoded<Getdents64Resp> d = Getdents64Resp::Decode(w.written());
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->dirents.size(), 1u);
  EXPECT_EQ(d->dirents[0].name, "ok");
}

TEST(BuildersTest, StringArrayBuilderMatchesFListXattrResp) {
  std::vector<uint8_t> buf(64);
  Writer w(buf);
  StringArrayBuilder b(w);
  ASSERT_TRUE(b.Add("user.a"));
  ASSERT_TRUE(b.Add("trusted.bb"));
  b.Finish();
  auto enc = Encode(FListXattrResp{.xattrs = {"user.a", "trusted.bb"}});
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(std::vector<uint8_t>(w.written().begin(), w.written().end()), *enc);
}

TEST(BuildersTest, PReadRespBuilderReadsInPlaceAndTrims) {
  std::vector<uint8_t> buf(64, 0xEE);
  Writer w(buf);
  PReadRespBuilder b(w, 1000);  // asks for more than fits: clamped
  ASSERT_EQ(b.buffer().size(), 64u - 8u);
  const std::string data = "hello";
  std::copy(data.begin(), data.end(), b.buffer().begin());
  b.Finish(data.size());
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.size(), 8 + data.size());
  Decoded<PReadResp> d = PReadResp::Decode(w.written(), 5);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::string(d->data.begin(), d->data.end()), "hello");

  // Finish(n) beyond the buffer is clamped, never past it.
  std::vector<uint8_t> small(12);
  Writer w2(small);
  PReadRespBuilder b2(w2, 4);
  ASSERT_EQ(b2.buffer().size(), 4u);
  b2.Finish(100);
  EXPECT_EQ(w2.size(), 12u);
  EXPECT_TRUE(PReadResp::Decode(w2.written(), 4).ok());

  // EOF: zero bytes.
  std::vector<uint8_t> eof(8);
  Writer w3(eof);
  PReadRespBuilder b3(w3, 10);
  EXPECT_TRUE(b3.buffer().empty());
  b3.Finish(0);
  EXPECT_EQ(w3.written().size(), 8u);
  EXPECT_EQ(PReadResp::Decode(w3.written())->data.size(), 0u);
}

}  // namespace
}  // namespace hg::wire
