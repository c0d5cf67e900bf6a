// tiered_cache end to end: a real Server serving through TieredCacheExtension,
// driven by our client; the backing tier checked on the host.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "extensions/tiered_cache/tiered_cache_extension.h"
#include "path_walk/testing/temp_tree.h"
#include "tests/extensions/ext_test_util.h"

namespace hg::tiered_cache {
namespace {

using ext_testing::ExtServer;

std::string Slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

class TieredRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t_.MkDir("backing");
    t_.MkDir("cache");
  }
  std::unique_ptr<ExtServer> Serve(server::ExtensionOptions extra = {}) {
    ext_ = std::make_unique<TieredCacheExtension>();
    extra.emplace("cache", t_.Path("cache"));
    auto s = std::make_unique<ExtServer>(*ext_, t_.Path("backing"), extra);
    EXPECT_TRUE(s->ok()) << s->error() << " " << s->why();
    return s;
  }
  CacheTier& tier() { return *ext_->TierFor("rootfs"); }
  // Reads `name` and closes every FD it used (CloseFd batches; flushed here,
  // so the server has released the file when this returns).
  Result<std::string> ReadAll(ExtServer& s, const std::string& name) {
    Result<std::string> r = ReadAllOpen(s, name);
    HG_RETURN_IF_ERROR(s.client().FlushCloses());
    return r;
  }
  Result<std::string> ReadAllOpen(ExtServer& s, const std::string& name) {
    client::Client& c = s.client();
    HG_ASSIGN_OR_RETURN(wire::Inode in, c.WalkOne(s.root(), name));
    client::ScopedFdId cf(&c, in.control_fd);
    HG_ASSIGN_OR_RETURN(client::OpenedFile o, c.OpenAt(in.control_fd, O_RDONLY));
    client::ScopedFdId of(&c, o.open_fd);
    std::string out(1 << 20, '\0');
    HG_ASSIGN_OR_RETURN(
        size_t n,
        c.PRead(o.open_fd, 0, std::span(reinterpret_cast<uint8_t*>(out.data()), out.size())));
    out.resize(n);
    return out;
  }

  path_walk::testing::TempTree t_;
  std::unique_ptr<TieredCacheExtension> ext_;
};

TEST_F(TieredRpcTest, ReadsFillTheCacheAndHitAfterwards) {
  t_.WriteFile("backing/f", "from the backing tier", 0644);
  struct stat st {};
  ASSERT_EQ(::stat(t_.Path("backing/f").c_str(), &st), 0);
  auto s = Serve();
  ASSERT_TRUE(s->ok());
  EXPECT_FALSE(tier().IsCached(st.st_dev, st.st_ino));
  auto got = ReadAll(*s, "f");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "from the backing tier");
  EXPECT_TRUE(tier().IsCached(st.st_dev, st.st_ino));
  EXPECT_EQ(tier().cached_bytes(), 21u);
  // A hit: the cached copy is what is served, even if the backing file's
  // bytes change without changing its size or mtime (proof it is not read).
  struct timespec keep[2] = {st.st_atim, st.st_mtim};
  {
    int fd = ::open(t_.Path("backing/f").c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_EQ(::pwrite(fd, "FROM", 4, 0), 4);
    ASSERT_EQ(::futimens(fd, keep), 0);
    ::close(fd);
  }
  got = ReadAll(*s, "f");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "from the backing tier");
}

TEST_F(TieredRpcTest, BackingChangedBehindTheCacheIsSeenAtNextOpen) {
  t_.WriteFile("backing/f", "version 1", 0644);
  auto s = Serve();
  ASSERT_TRUE(s->ok());
  ASSERT_EQ(*ReadAll(*s, "f"), "version 1");
  // Another writer of a shared volume changes the backing tier.
  t_.WriteFile("backing/f", "version 2 (longer)", 0644);
  auto got = ReadAll(*s, "f");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "version 2 (longer)");
  auto st = s->client().WalkOne(s->root(), "f");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->stat.size, 18u);
}

TEST_F(TieredRpcTest, FsyncAcknowledgesAndWritesBack) {
  auto s = Serve({{"backing_latency_ms", "30"}});
  ASSERT_TRUE(s->ok());
  client::Client& c = s->client();
  auto cr = c.OpenCreateAt(s->root(), "w", O_RDWR, 0644, wire::kNoUID, wire::kNoGID);
  ASSERT_TRUE(cr.ok());
  EXPECT_TRUE(cr->host_fd.valid()) << "cache-tier files are donated";
  ASSERT_TRUE(c.PWrite(cr->open_fd, 0, Bytes("acknowledged data")).ok());
  // Before FSync the backing tier has nothing; the stat already shows the size.
  EXPECT_EQ(Slurp(t_.Path("backing/w")), "");
  EXPECT_EQ(c.FStat(cr->child.control_fd)->size, 17u);
  ASSERT_TRUE(c.FSync(std::span<const client::FDID>(&cr->open_fd, 1)).ok());
  // Dirty while open: the journal names it.
  struct stat st {};
  ASSERT_EQ(::stat(t_.Path("backing/w").c_str(), &st), 0);
  const std::string journal = t_.Path("cache/rootfs/journal/" + KeyFor(st.st_dev, st.st_ino));
  EXPECT_EQ(::access(journal.c_str(), F_OK), 0);
  tier().Drain();
  EXPECT_EQ(Slurp(t_.Path("backing/w")), "acknowledged data");
  // Written through the donated FD, acknowledged by Close.
  ASSERT_EQ(::pwrite(cr->host_fd.get(), "ACK", 3, 0), 3);
  cr->host_fd.reset();
  ASSERT_TRUE(c.Close(std::span<const client::FDID>(&cr->open_fd, 1)).ok());
  tier().Drain();
  EXPECT_EQ(Slurp(t_.Path("backing/w")), "ACKnowledged data");
  EXPECT_NE(::access(journal.c_str(), F_OK), 0) << "journal entry left after the last writer";
}

TEST_F(TieredRpcTest, TruncateRenameUnlinkKeepTiersConsistent) {
  t_.WriteFile("backing/a", std::string(10000, 'a'), 0644);
  auto s = Serve();
  ASSERT_TRUE(s->ok());
  client::Client& c = s->client();
  auto in = c.WalkOne(s->root(), "a");
  ASSERT_TRUE(in.ok());
  auto o = c.OpenAt(in->control_fd, O_RDWR);
  ASSERT_TRUE(o.ok());
  ASSERT_TRUE(c.PWrite(o->open_fd, 0, Bytes("bbbb")).ok());
  wire::SetStatReq req;
  req.fd = in->control_fd;
  req.mask = STATX_SIZE;
  req.size = 6;
  auto r = c.SetStat(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failure_mask, 0u);
  auto d = c.MkdirAt(s->root(), "d", 0755, wire::kNoUID, wire::kNoGID);
  ASSERT_TRUE(d.ok());
  // Renamed while dirty: the journal follows the new path.
  ASSERT_TRUE(c.RenameAt(s->root(), "a", d->control_fd, "moved").ok());
  struct stat st {};
  ASSERT_EQ(::stat(t_.Path("backing/d/moved").c_str(), &st), 0);
  EXPECT_EQ(Slurp(t_.Path("cache/rootfs/journal/" + KeyFor(st.st_dev, st.st_ino))),
            std::to_string(st.st_ino) + "\n/d/moved\n");
  ASSERT_TRUE(c.Close(std::span<const client::FDID>(&o->open_fd, 1)).ok());
  tier().Drain();
  EXPECT_EQ(Slurp(t_.Path("backing/d/moved")), "bbbbaa");
  ASSERT_TRUE(c.UnlinkAt(d->control_fd, "moved", 0).ok());
  c.CloseFd(in->control_fd);
  ASSERT_TRUE(c.FlushCloses().ok());
  ASSERT_TRUE(c.UnlinkAt(s->root(), "d", AT_REMOVEDIR).ok());
}

TEST_F(TieredRpcTest, CacheSizeCapEvictsIdleFiles) {
  for (int i = 0; i < 6; ++i)
    t_.WriteFile("backing/f" + std::to_string(i), std::string(3000, 'x'), 0644);
  auto s = Serve({{"cache_size", "8K"}});
  ASSERT_TRUE(s->ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(ReadAll(*s, "f" + std::to_string(i)).ok());
  EXPECT_LE(tier().cached_bytes(), 8192u);
  struct stat st0 {
  }, st5{};
  ASSERT_EQ(::stat(t_.Path("backing/f0").c_str(), &st0), 0);
  ASSERT_EQ(::stat(t_.Path("backing/f5").c_str(), &st5), 0);
  EXPECT_FALSE(tier().IsCached(st0.st_dev, st0.st_ino)) << "least recently used";
  EXPECT_TRUE(tier().IsCached(st5.st_dev, st5.st_ino)) << "most recently used";
}

TEST_F(TieredRpcTest, BackingOptionServesAnotherTree) {
  t_.MkDir("other");
  t_.WriteFile("other/x", "in the other tree", 0644);
  auto s = Serve({{"backing", t_.Path("other")}});
  ASSERT_TRUE(s->ok());
  auto got = ReadAll(*s, "x");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "in the other tree");
}

}  // namespace
}  // namespace hg::tiered_cache
