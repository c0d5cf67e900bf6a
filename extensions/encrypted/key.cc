#include "extensions/encrypted/key.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/unique_fd.h"

namespace hg::encrypted {
namespace {

Errno Fail(std::string* why, const std::string& path, Errno err, const std::string& what) {
  if (why) *why = "key file '" + path + "' " + what;
  return err;
}

}  // namespace

Result<Key> Key::LoadFromFile(const std::string& path, std::string* why) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
  // forever before we get to reject it. It changes nothing for regular files.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) {
    Errno err = Errno::Last();
    return Fail(why, path, err, "cannot be opened: " + err.ToString());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    Errno err = Errno::Last();
    return Fail(why, path, err, "cannot be examined: " + err.ToString());
  }
  if (!S_ISREG(st.st_mode)) {
    return Fail(why, path, Errno(EINVAL), "is not a regular file");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    (void)std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Fail(
        why, path, Errno(EPERM),
        std::string("is writable by group or others (mode ") + mode + "); run chmod go-w on it");
  }
  const uid_t euid = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != euid) {
    return Fail(why, path, Errno(EPERM),
                "is owned by uid " + std::to_string(st.st_uid) + ", not by root or uid " +
                    std::to_string(euid) + " (the user the gofer runs as)");
  }
  if (st.st_size != static_cast<off_t>(kSize)) {
    return Fail(why, path, Errno(EINVAL),
                "holds " + std::to_string(st.st_size) + " bytes; it must hold exactly " +
                    std::to_string(kSize) + " raw bytes (e.g. head -c 32 /dev/urandom)");
  }
  // Read one byte more than needed so a file that grew after fstat is caught.
  SecretBytes<kSize + 1> buf;
  size_t got = 0;
  while (got < buf.span().size()) {
    ssize_t n = ::read(fd.get(), buf.span().data() + got, buf.span().size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Errno err = Errno::Last();
      return Fail(why, path, Errno(EIO), "cannot be read: " + err.ToString());
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got != kSize) {
    return Fail(why, path, Errno(EINVAL),
                "changed size while being read; it must hold exactly 32 raw bytes");
  }
  Key key;
  std::copy_n(buf.span().data(), kSize, key.bytes_.span().data());
  const auto& b = key.bytes_.span();
  if (std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; })) {
    return Fail(why, path, Errno(EINVAL), "holds 32 zero bytes, which is not a key");
  }
  return key;
}

Key Key::FromBytes(std::span<const uint8_t, kSize> bytes) {
  Key key;
  std::copy(bytes.begin(), bytes.end(), key.bytes_.span().begin());
  return key;
}

Result<Key> Key::Generate() {
  Key key;
  if (RAND_bytes(key.bytes_.span().data(), static_cast<int>(kSize)) != 1) return Errno(EIO);
  return key;
}

}  // namespace hg::encrypted
