#include "tests/extensions/fsgofer_backends.h"

#include <fcntl.h>
#include <ftw.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <mutex>

#include "extensions/encrypted/encrypted_extension.h"
#include "extensions/encrypted/encrypted_file.h"
#include "extensions/encrypted/key.h"
#include "extensions/tiered_cache/tiered_cache_extension.h"
#include "tests/extensions/ext_test_util.h"

namespace hg::ext_testing {
namespace {

using fsgofer::testing::Backend;
using fsgofer::testing::BackendHooks;

// Serves `root` through `ext` as `serve --extension` does.
Result<Backend> Handle(std::shared_ptr<server::Extension> ext, const std::string& root,
                       const fsgofer::MountRules& rules, const server::ExtensionOptions& opts) {
  oci::Spec spec = ServeSpec(ext->Name());
  std::string why;
  server::PrepareContext pc{spec, "", opts, &why};
  if (Status s = ext->PrepareGofer(pc); !s.ok()) {
    std::fprintf(stderr, "PrepareGofer: %s (%s)\n", s.error().ToString().c_str(), why.c_str());
    return s.error();
  }
  server::MountRequest req{spec, nullptr, root, rules.readonly, opts, &why};
  HG_ASSIGN_OR_RETURN(std::optional<server::HandledMount> h, ext->TryHandleMount(req));
  if (!h.has_value()) return Errno(ENOENT);
  Backend b;
  b.impl = std::move(h->impl);
  b.opts = h->opts;
  b.keepalive = std::move(ext);
  return b;
}

// --- tiered_cache ---------------------------------------------------------

struct LiveTiers {
  std::mutex mu;
  std::vector<std::weak_ptr<tiered_cache::CacheTier>> tiers;
};

LiveTiers& Tiers() {
  static LiveTiers* t = new LiveTiers;  // outlives every test
  return *t;
}

// --- encrypted ------------------------------------------------------------

struct TestKey {
  std::string path;
  std::array<uint8_t, encrypted::Key::kSize> bytes{};
};

const TestKey& KeyForProcess() {
  static const TestKey* k = [] {
    auto* key = new TestKey;
    size_t got = 0;
    while (got < key->bytes.size()) {
      ssize_t n = ::getrandom(key->bytes.data() + got, key->bytes.size() - got, 0);
      if (n <= 0) std::abort();
      got += static_cast<size_t>(n);
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp != nullptr && tmp[0] == '/' ? tmp : "/tmp") +
                      "/hg-fsgofer-enc-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) std::abort();
    key->path = dir + "/key";
    int fd = ::open(key->path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, key->bytes.data(), key->bytes.size()) != 32) std::abort();
    ::close(fd);
    return key;
  }();
  return *k;
}

encrypted::Key TestKeyObject() {
  return encrypted::Key::FromBytes(std::span<const uint8_t, encrypted::Key::kSize>(
      KeyForProcess().bytes.data(), encrypted::Key::kSize));
}

// Seals one plaintext regular file in place (same inode, mode, owner, times);
// a file that already opens as an encrypted file is left alone.
int SealInPlace(const char* path, const struct stat* st, int type, struct FTW*) {
  if (type != FTW_F || !S_ISREG(st->st_mode)) return 0;
  encrypted::Key key = TestKeyObject();
  UniqueFd fd(::open(path, O_RDWR | O_NOFOLLOW | O_NOATIME | O_CLOEXEC));
  if (!fd.valid()) return 0;
  if (encrypted::EncryptedFile::ReadPlaintextSize(key, fd.get()).ok()) return 0;
  std::string plain;
  char buf[4096];
  for (off_t off = 0;;) {
    ssize_t n = ::pread(fd.get(), buf, sizeof(buf), off);
    if (n <= 0) break;
    plain.append(buf, static_cast<size_t>(n));
    off += n;
  }
  if (::ftruncate(fd.get(), 0) != 0) return -1;
  UniqueFd dup(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
  auto f = encrypted::EncryptedFile::Create(key, std::move(dup));
  if (!f.ok()) return -1;
  if (!plain.empty()) {
    auto w = (*f)->Write(
        0, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(plain.data()), plain.size()));
    if (!w.ok() || *w != plain.size()) return -1;
  }
  if (!(*f)->Sync().ok()) return -1;
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  (void)::futimens(fd.get(), ts);  // the fixture's times, as if written so
  return 0;
}

Result<std::string> DecryptFile(const std::string& path) {
  // O_NOATIME: looking must not change the atime a test checks next.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC));
  if (!fd.valid()) return Errno::Last();
  HG_ASSIGN_OR_RETURN(auto f, encrypted::EncryptedFile::Open(TestKeyObject(), std::move(fd)));
  HG_ASSIGN_OR_RETURN(uint64_t size, f->Size());
  std::string out(size, '\0');
  HG_ASSIGN_OR_RETURN(
      size_t n, f->Read(0, std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), size)));
  out.resize(n);
  return out;
}

}  // namespace

BackendHooks TieredCacheHooks() {
  BackendHooks h;
  h.name = "tiered_cache";
  h.make = [](const std::string& root, const fsgofer::MountRules& rules) -> Result<Backend> {
    auto ext = std::make_shared<tiered_cache::TieredCacheExtension>();
    HG_ASSIGN_OR_RETURN(Backend b, Handle(ext, root, rules, {}));  // default options
    std::lock_guard<std::mutex> lock(Tiers().mu);
    std::erase_if(Tiers().tiers, [](const auto& w) { return w.expired(); });
    Tiers().tiers.push_back(ext->TierFor("rootfs"));
    return b;
  };
  h.settle = [] {
    std::vector<std::shared_ptr<tiered_cache::CacheTier>> live;
    {
      std::lock_guard<std::mutex> lock(Tiers().mu);
      for (const auto& w : Tiers().tiers) {
        if (auto t = w.lock()) live.push_back(std::move(t));
      }
    }
    for (const auto& t : live) EXPECT_TRUE(t->WriteBackAll().ok());
  };
  return h;
}

BackendHooks EncryptedHooks() {
  BackendHooks h;
  h.name = "encrypted";
  h.make = [](const std::string& root, const fsgofer::MountRules& rules) -> Result<Backend> {
    // The fixture writes plaintext; the extension serves only sealed files.
    if (::nftw(root.c_str(), SealInPlace, 16, FTW_PHYS) != 0 && errno != ENOENT) return Errno(EIO);
    return Handle(std::make_shared<encrypted::EncryptedExtension>(), root, rules,
                  {{"key_file", KeyForProcess().path}});
  };
  h.plain = DecryptFile;
  h.adopt = [](const std::string& root) {
    EXPECT_EQ(::nftw(root.c_str(), SealInPlace, 16, FTW_PHYS), 0) << "sealing " << root;
  };
  h.donates_host_fds = false;
  return h;
}

void Exclude(const std::vector<std::pair<std::string, std::string>>& tests_and_reasons) {
  std::string filter = ::testing::GTEST_FLAG(filter);
  std::string neg;
  for (const auto& [test, why] : tests_and_reasons) {
    neg += (neg.empty() ? "" : ":") + test;
    std::fprintf(stderr, "excluded for %s: %s\n  because %s\n",
                 fsgofer::testing::ActiveBackend().name.c_str(), test.c_str(), why.c_str());
  }
  if (neg.empty()) return;
  filter += (filter.find('-') == std::string::npos ? "-" : ":") + neg;
  ::testing::GTEST_FLAG(filter) = filter;
}

}  // namespace hg::ext_testing
