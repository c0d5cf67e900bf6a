// Helpers shared by the encrypted_core_test files: a private temp directory,
// host-file byte access for tampering, and deterministic keys and data.
//
//   TempDir dir;
//   auto file = CreateEncrypted(TestKey(1), dir.Join("f"));
//   std::vector<uint8_t> raw = ReadHostFile(dir.Join("f"));   // ciphertext as stored
#ifndef HARDGOFER_EXTENSIONS_ENCRYPTED_TEST_UTIL_H_
#define HARDGOFER_EXTENSIONS_ENCRYPTED_TEST_UTIL_H_

#include <fcntl.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "extensions/encrypted/encrypted_file.h"
#include "extensions/encrypted/key.h"

namespace hg::encrypted::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Opens (creating if needed, mode 0600) a host file; aborts the test on failure.
UniqueFd OpenHost(const std::string& path, int flags = O_RDWR | O_CREAT | O_CLOEXEC);

std::vector<uint8_t> ReadHostFile(const std::string& path);
void WriteHostFile(const std::string& path, const std::vector<uint8_t>& bytes);
uint64_t HostFileSize(const std::string& path);

// A fixed key per seed, so failures reproduce.
Key TestKey(uint8_t seed);

// Creates a new encrypted file at `path` / opens an existing one (O_RDWR).
std::unique_ptr<EncryptedFile> CreateEncrypted(const Key& key, const std::string& path);
std::unique_ptr<EncryptedFile> OpenEncrypted(const Key& key, const std::string& path);
// The errno Open fails with, or 0 if it succeeds.
int OpenError(const Key& key, const std::string& path);

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t n);

// Reads [off, off+len) and returns the bytes; fails the test on error.
std::vector<uint8_t> ReadAll(EncryptedFile& f, uint64_t off, size_t len);
// The errno Read of [off, off+len) fails with, or 0.
int ReadError(EncryptedFile& f, uint64_t off, size_t len);

}  // namespace hg::encrypted::testing

#endif  // HARDGOFER_EXTENSIONS_ENCRYPTED_TEST_UTIL_H_
