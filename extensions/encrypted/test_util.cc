#include "extensions/encrypted/test_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdlib>

namespace hg::encrypted::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/hg-encrypted-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    std::abort();
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  ::nftw(
      path_.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

UniqueFd OpenHost(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags, 0600));
  if (!fd.valid()) {
    ADD_FAILURE() << "open " << path << ": " << std::strerror(errno);
  }
  return fd;
}

std::vector<uint8_t> ReadHostFile(const std::string& path) {
  UniqueFd fd = OpenHost(path, O_RDONLY | O_CLOEXEC);
  std::vector<uint8_t> out;
  std::array<uint8_t, 65536> buf;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n <= 0) {
      EXPECT_EQ(n, 0) << std::strerror(errno);
      break;
    }
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  return out;
}

void WriteHostFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  UniqueFd fd = OpenHost(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    ASSERT_GT(n, 0) << std::strerror(errno);
    done += static_cast<size_t>(n);
  }
}

uint64_t HostFileSize(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << std::strerror(errno);
  return static_cast<uint64_t>(st.st_size);
}

Key TestKey(uint8_t seed) {
  std::array<uint8_t, Key::kSize> b;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(size_t{seed} * 31 + i * 7 + 1);
  return Key::FromBytes(b);
}

std::unique_ptr<EncryptedFile> CreateEncrypted(const Key& key, const std::string& path) {
  auto r = EncryptedFile::Create(key, OpenHost(path));
  if (!r.ok()) {
    ADD_FAILURE() << "Create " << path << ": " << r.error().ToString();
    return nullptr;
  }
  return std::move(r).value();
}

std::unique_ptr<EncryptedFile> OpenEncrypted(const Key& key, const std::string& path) {
  auto r = EncryptedFile::Open(key, OpenHost(path, O_RDWR | O_CLOEXEC));
  if (!r.ok()) {
    ADD_FAILURE() << "Open " << path << ": " << r.error().ToString();
    return nullptr;
  }
  return std::move(r).value();
}

int OpenError(const Key& key, const std::string& path) {
  auto r = EncryptedFile::Open(key, OpenHost(path, O_RDWR | O_CLOEXEC));
  return r.ok() ? 0 : r.error().value();
}

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(rng());
  return out;
}

std::vector<uint8_t> ReadAll(EncryptedFile& f, uint64_t off, size_t len) {
  std::vector<uint8_t> out(len);
  auto r = f.Read(off, out);
  if (!r.ok()) {
    ADD_FAILURE() << "Read(" << off << ", " << len << "): " << r.error().ToString();
    return {};
  }
  out.resize(*r);
  return out;
}

int ReadError(EncryptedFile& f, uint64_t off, size_t len) {
  std::vector<uint8_t> out(len);
  auto r = f.Read(off, out);
  return r.ok() ? 0 : r.error().value();
}

}  // namespace hg::encrypted::testing
