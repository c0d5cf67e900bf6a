#include "extensions/encrypted/encrypted_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace hg::encrypted {
namespace {

// Growth of more than this many chunks checks free space first, so a tenant's
// write at a huge offset fails at once instead of filling the host disk.
constexpr uint64_t kSpaceCheckChunks = 256;  // 1 MiB of plaintext

Result<size_t> PreadAll(int fd, uint8_t* buf, size_t len, uint64_t off) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, buf + done, len - done, static_cast<off_t>(off + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno::Last();
    if (n == 0) break;  // end of the host file
    done += static_cast<size_t>(n);
  }
  return done;
}

Status PwriteAll(int fd, const uint8_t* buf, size_t len, uint64_t off) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::pwrite(fd, buf + done, len - done, static_cast<off_t>(off + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno::Last();
    if (n == 0) return Errno(EIO);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Returns the host file's length after checking it is usable for pread/pwrite
// at explicit offsets.
Result<uint64_t> CheckHostFd(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Errno::Last();
  if (S_ISDIR(st.st_mode)) return Errno(EISDIR);
  if (!S_ISREG(st.st_mode)) return Errno(EINVAL);
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0) return Errno::Last();
  if ((fl & O_PATH) != 0 || (fl & O_ACCMODE) == O_WRONLY) return Errno(EBADF);
  // With O_APPEND, Linux pwrite ignores the offset and appends: every record
  // would land at the end of the file.
  if ((fl & O_APPEND) != 0) return Errno(EINVAL);
  int fdfl = ::fcntl(fd, F_GETFD);
  if (fdfl < 0) return Errno::Last();
  if ((fdfl & FD_CLOEXEC) == 0 && ::fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) != 0) {
    return Errno::Last();
  }
  return static_cast<uint64_t>(st.st_size);
}

struct VerifiedHeader {
  FileId file_id;
  SecretBytes<kAesKeySize> file_key;
  uint64_t size;
  SessionId session;
  AesGcm gcm;  // the header's session, likely also that of recent records
};

Result<VerifiedHeader> ReadHeader(const Key& key, int fd) {
  std::array<uint8_t, kHeaderSize> h{};
  HG_ASSIGN_OR_RETURN(size_t got, PreadAll(fd, h.data(), h.size(), 0));
  if (got != h.size()) return Errno(EIO);
  if (!std::equal(kMagic.begin(), kMagic.end(), h.begin() + kHeaderMagicAt) ||
      LoadLe32(h.data() + kHeaderVersionAt) != kFormatVersion ||
      LoadLe32(h.data() + kHeaderChunkSizeAt) != kChunkSize) {
    return Errno(EIO);
  }
  FileId file_id;
  SessionId session;
  std::copy_n(h.begin() + kHeaderFileIdAt, kFileIdSize, file_id.begin());
  std::copy_n(h.begin() + kHeaderSessionAt, kSessionIdSize, session.begin());
  const uint64_t counter = LoadLe64(h.data() + kHeaderCounterAt);
  if (counter > kMaxCounter) return Errno(EIO);

  SecretBytes<kAesKeySize> file_key;
  SecretBytes<kAesKeySize> session_key;
  if (!DeriveFileKey(key.bytes(), file_id, file_key).ok() ||
      !DeriveSessionKey(file_key.span(), session, session_key).ok()) {
    return Errno(EIO);
  }
  Result<AesGcm> gcm = AesGcm::Create(session_key.span());
  if (!gcm.ok()) return Errno(EIO);
  std::array<uint8_t, 8> size_le{};
  const Nonce nonce = MakeNonce(kHeaderChunkIndex, counter);
  // A wrong key, a modified field anywhere in the header, or a header from
  // another file (whose id then names a different key) all fail here.
  HG_RETURN_IF_ERROR(gcm->Open(
      nonce, std::span(h.data(), kHeaderAadSize), std::span(h.data() + kHeaderSizeCtAt, 8),
      std::span<const uint8_t, kGcmTagSize>(h.data() + kHeaderTagAt, kGcmTagSize), size_le));
  const uint64_t size = LoadLe64(size_le.data());
  if (size > kMaxPlaintextSize) return Errno(EIO);
  return VerifiedHeader{file_id, std::move(file_key), size, session, std::move(gcm).value()};
}

}  // namespace

EncryptedFile::EncryptedFile(UniqueFd fd, const FileId& file_id, SecretBytes<kAesKeySize> file_key,
                             uint64_t size)
    : fd_(std::move(fd)), file_id_(file_id), file_key_(std::move(file_key)), size_(size) {}

EncryptedFile::~EncryptedFile() = default;

Result<std::unique_ptr<EncryptedFile>> EncryptedFile::Create(const Key& key, UniqueFd host_fd) {
  HG_ASSIGN_OR_RETURN(uint64_t host_len, CheckHostFd(host_fd.get()));
  if (host_len != 0) return Errno(EEXIST);
  FileId file_id;
  if (RAND_bytes(file_id.data(), static_cast<int>(file_id.size())) != 1) return Errno(EIO);
  SecretBytes<kAesKeySize> file_key;
  HG_RETURN_IF_ERROR(DeriveFileKey(key.bytes(), file_id, file_key));
  std::unique_ptr<EncryptedFile> file(
      new EncryptedFile(std::move(host_fd), file_id, std::move(file_key), 0));
  {
    std::lock_guard lock(file->mu_);
    HG_RETURN_IF_ERROR(file->WriteHeader(0));
  }
  return file;
}

Result<std::unique_ptr<EncryptedFile>> EncryptedFile::Open(const Key& key, UniqueFd host_fd) {
  HG_RETURN_IF_ERROR(CheckHostFd(host_fd.get()));
  HG_ASSIGN_OR_RETURN(VerifiedHeader h, ReadHeader(key, host_fd.get()));
  std::unique_ptr<EncryptedFile> file(
      new EncryptedFile(std::move(host_fd), h.file_id, std::move(h.file_key), h.size));
  file->read_sessions_.push_back(CachedSession{h.session, std::move(h.gcm), 0});
  return file;
}

Result<uint64_t> EncryptedFile::ReadPlaintextSize(const Key& key, int host_fd) {
  struct stat st {};
  if (::fstat(host_fd, &st) != 0) return Errno::Last();
  if (S_ISDIR(st.st_mode)) return Errno(EISDIR);
  if (!S_ISREG(st.st_mode)) return Errno(EINVAL);
  HG_ASSIGN_OR_RETURN(VerifiedHeader h, ReadHeader(key, host_fd));
  return h.size;
}

Result<AesGcm*> EncryptedFile::SessionForSeal(uint64_t& counter) {
  static_assert(kSealsPerSession - 1 <= kMaxCounter);
  if (!write_session_ || write_session_->next_counter >= kSealsPerSession) {
    // A new session (first seal, or kSealsPerSession used up): a fresh random
    // id gives a fresh key, so counting restarts at 0 without reusing a nonce.
    SessionId id;
    if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) return Errno(EIO);
    SecretBytes<kAesKeySize> session_key;
    if (!DeriveSessionKey(file_key_.span(), id, session_key).ok()) return Errno(EIO);
    HG_ASSIGN_OR_RETURN(AesGcm gcm, AesGcm::Create(session_key.span()));
    write_session_.reset();
    write_session_.emplace(WriteSession{id, 0, std::move(gcm)});
  }
  counter = write_session_->next_counter++;
  return &write_session_->gcm;
}

Result<AesGcm*> EncryptedFile::SessionForOpen(const SessionId& id) {
  if (write_session_ && write_session_->id == id) return &write_session_->gcm;
  ++tick_;
  for (CachedSession& c : read_sessions_) {
    if (c.id == id) {
      c.last_used = tick_;
      return &c.gcm;
    }
  }
  SecretBytes<kAesKeySize> session_key;
  if (!DeriveSessionKey(file_key_.span(), id, session_key).ok()) return Errno(EIO);
  Result<AesGcm> gcm = AesGcm::Create(session_key.span());
  if (!gcm.ok()) return Errno(EIO);
  if (read_sessions_.size() < kSessionCacheSize) {
    read_sessions_.push_back(CachedSession{id, std::move(gcm).value(), tick_});
    return &read_sessions_.back().gcm;
  }
  auto lru = std::min_element(
      read_sessions_.begin(), read_sessions_.end(),
      [](const CachedSession& a, const CachedSession& b) { return a.last_used < b.last_used; });
  *lru = CachedSession{id, std::move(gcm).value(), tick_};
  return &lru->gcm;
}

Status EncryptedFile::SealChunk(uint64_t index, const uint8_t* plaintext, uint8_t* record) {
  uint64_t counter = 0;
  HG_ASSIGN_OR_RETURN(AesGcm * gcm, SessionForSeal(counter));
  std::copy(write_session_->id.begin(), write_session_->id.end(), record + kRecordSessionAt);
  StoreLe64(record + kRecordCounterAt, counter);
  const Nonce nonce = MakeNonce(index, counter);
  const auto aad = ChunkAad(file_id_, index);
  return gcm->Seal(nonce, aad, std::span(plaintext, kChunkSize),
                   std::span(record + kRecordCiphertextAt, kChunkSize),
                   std::span<uint8_t, kGcmTagSize>(record + kRecordTagAt, kGcmTagSize));
}

Status EncryptedFile::OpenChunk(uint64_t index, const uint8_t* record, uint8_t* plaintext) {
  SessionId id;
  std::copy_n(record + kRecordSessionAt, kSessionIdSize, id.begin());
  const uint64_t counter = LoadLe64(record + kRecordCounterAt);
  // Only 48 bits reach the nonce; accepting the other 16 would make them
  // malleable.
  if (counter > kMaxCounter) {
    OPENSSL_cleanse(plaintext, kChunkSize);
    return Errno(EIO);
  }
  Result<AesGcm*> gcm = SessionForOpen(id);
  if (!gcm.ok()) return gcm.error();
  const Nonce nonce = MakeNonce(index, counter);
  const auto aad = ChunkAad(file_id_, index);
  return (*gcm)->Open(nonce, aad, std::span(record + kRecordCiphertextAt, kChunkSize),
                      std::span<const uint8_t, kGcmTagSize>(record + kRecordTagAt, kGcmTagSize),
                      std::span(plaintext, kChunkSize));
}

Status EncryptedFile::LoadChunk(uint64_t index, uint64_t valid_bytes, uint8_t* plaintext) {
  std::vector<uint8_t> record(kRecordSize);
  HG_ASSIGN_OR_RETURN(size_t got,
                      PreadAll(fd_.get(), record.data(), kRecordSize, ChunkRecordOffset(index)));
  if (got != kRecordSize) return Errno(EIO);  // the host file lost this record
  HG_RETURN_IF_ERROR(OpenChunk(index, record.data(), plaintext));
  // Bytes past the size are padding; they may hold data from before a
  // truncation and must read back as zeros once the file grows over them.
  if (valid_bytes < kChunkSize) std::memset(plaintext + valid_bytes, 0, kChunkSize - valid_bytes);
  return Status::Ok();
}

Status EncryptedFile::WriteHeader(uint64_t size) {
  std::array<uint8_t, kHeaderSize> h{};
  uint64_t counter = 0;
  HG_ASSIGN_OR_RETURN(AesGcm * gcm, SessionForSeal(counter));
  std::copy(kMagic.begin(), kMagic.end(), h.begin() + kHeaderMagicAt);
  StoreLe32(h.data() + kHeaderVersionAt, kFormatVersion);
  StoreLe32(h.data() + kHeaderChunkSizeAt, kChunkSize);
  std::copy(file_id_.begin(), file_id_.end(), h.begin() + kHeaderFileIdAt);
  std::copy(write_session_->id.begin(), write_session_->id.end(), h.begin() + kHeaderSessionAt);
  StoreLe64(h.data() + kHeaderCounterAt, counter);
  std::array<uint8_t, 8> size_le{};
  StoreLe64(size_le.data(), size);
  const Nonce nonce = MakeNonce(kHeaderChunkIndex, counter);
  HG_RETURN_IF_ERROR(gcm->Seal(
      nonce, std::span(h.data(), kHeaderAadSize), size_le, std::span(h.data() + kHeaderSizeCtAt, 8),
      std::span<uint8_t, kGcmTagSize>(h.data() + kHeaderTagAt, kGcmTagSize)));
  return PwriteAll(fd_.get(), h.data(), h.size(), 0);
}

Status EncryptedFile::CheckSpaceForGrowth(uint64_t new_size) {
  if (ChunkCount(new_size) - ChunkCount(size_) <= kSpaceCheckChunks) return Status::Ok();
  struct statvfs vfs {};
  if (::fstatvfs(fd_.get(), &vfs) != 0) return Errno::Last();
  if (vfs.f_blocks == 0) return Status::Ok();  // the filesystem reports no capacity
  const uint64_t need = OnDiskSizeFor(new_size) - OnDiskSizeFor(size_);
  const uint64_t frsize = vfs.f_frsize != 0 ? vfs.f_frsize : vfs.f_bsize;
  // need / frsize rounded up, compared in blocks so nothing overflows.
  const uint64_t need_blocks = need / frsize + (need % frsize != 0 ? 1 : 0);
  if (need_blocks > vfs.f_bavail) return Errno(ENOSPC);
  return Status::Ok();
}

Status EncryptedFile::RewriteChunks(uint64_t first, uint64_t end, uint64_t data_off,
                                    std::span<const uint8_t> data, uint64_t existing_size) {
  const uint64_t existing_chunks = ChunkCount(existing_size);
  const uint64_t data_end = data_off + data.size();
  std::vector<uint8_t> batch(std::min(end - first, kBatchChunks) * kRecordSize);
  SecretBytes<kChunkSize> scratch;
  uint8_t* const buf = scratch.span().data();
  for (uint64_t i = first; i < end;) {
    const uint64_t count = std::min(kBatchChunks, end - i);
    for (uint64_t k = 0; k < count; ++k) {
      const uint64_t index = i + k;
      const uint64_t chunk_start = index * kChunkSize;
      const uint64_t chunk_end = chunk_start + kChunkSize;
      const uint8_t* plaintext = buf;
      if (!data.empty() && data_off <= chunk_start && data_end >= chunk_end) {
        plaintext = data.data() + (chunk_start - data_off);  // whole chunk overwritten
      } else {
        if (index < existing_chunks) {
          HG_RETURN_IF_ERROR(
              LoadChunk(index, std::min(kChunkSize, existing_size - chunk_start), buf));
        } else {
          std::memset(buf, 0, kChunkSize);
        }
        const uint64_t lo = std::max(data_off, chunk_start);
        const uint64_t hi = std::min(data_end, chunk_end);
        if (!data.empty() && lo < hi) {
          std::memcpy(buf + (lo - chunk_start), data.data() + (lo - data_off), hi - lo);
        }
      }
      HG_RETURN_IF_ERROR(SealChunk(index, plaintext, batch.data() + k * kRecordSize));
    }
    HG_RETURN_IF_ERROR(
        PwriteAll(fd_.get(), batch.data(), count * kRecordSize, ChunkRecordOffset(i)));
    i += count;
  }
  return Status::Ok();
}

Status EncryptedFile::GrowLocked(uint64_t new_size) {
  HG_RETURN_IF_ERROR(CheckSpaceForGrowth(new_size));
  // From the old last chunk (its tail past the old size becomes zeros) to the
  // new last chunk. Records first, header last: a crash in between leaves the
  // old header, which ignores the extra records.
  HG_RETURN_IF_ERROR(RewriteChunks(size_ / kChunkSize, ChunkCount(new_size), 0, {}, size_));
  HG_RETURN_IF_ERROR(WriteHeader(new_size));
  size_ = new_size;
  return Status::Ok();
}

Result<size_t> EncryptedFile::Read(uint64_t off, std::span<uint8_t> buf) {
  std::lock_guard lock(mu_);
  if (buf.empty() || off >= size_) return size_t{0};
  const uint64_t n = std::min<uint64_t>(buf.size(), size_ - off);
  const uint64_t end = off + n;
  const uint64_t first = off / kChunkSize;
  const uint64_t last_end = ChunkCount(end);
  std::vector<uint8_t> records(std::min(last_end - first, kBatchChunks) * kRecordSize);
  SecretBytes<kChunkSize> scratch;
  for (uint64_t i = first; i < last_end;) {
    const uint64_t count = std::min(kBatchChunks, last_end - i);
    HG_ASSIGN_OR_RETURN(
        size_t got, PreadAll(fd_.get(), records.data(), count * kRecordSize, ChunkRecordOffset(i)));
    for (uint64_t k = 0; k < count; ++k) {
      // A record the header says exists but the host file lacks: truncation.
      if (got < (k + 1) * kRecordSize) return Errno(EIO);
      const uint64_t index = i + k;
      const uint64_t chunk_start = index * kChunkSize;
      const uint64_t lo = std::max(off, chunk_start);
      const uint64_t hi = std::min(end, chunk_start + kChunkSize);
      const uint8_t* record = records.data() + k * kRecordSize;
      if (lo == chunk_start && hi == chunk_start + kChunkSize) {
        HG_RETURN_IF_ERROR(OpenChunk(index, record, buf.data() + (chunk_start - off)));
      } else {
        HG_RETURN_IF_ERROR(OpenChunk(index, record, scratch.span().data()));
        std::memcpy(buf.data() + (lo - off), scratch.span().data() + (lo - chunk_start), hi - lo);
      }
    }
    i += count;
  }
  return static_cast<size_t>(n);
}

Result<size_t> EncryptedFile::Write(uint64_t off, std::span<const uint8_t> data) {
  if (data.empty()) return size_t{0};
  if (off > kMaxPlaintextSize || data.size() > kMaxPlaintextSize - off) return Errno(EFBIG);
  std::lock_guard lock(mu_);
  const uint64_t end = off + data.size();
  const bool grows = end > size_;
  uint64_t first = off / kChunkSize;
  if (grows) {
    HG_RETURN_IF_ERROR(CheckSpaceForGrowth(end));
    // Writing past the end also re-seals the old last chunk (zeroing its tail)
    // and fills the gap with zero chunks; all of it is one contiguous range.
    first = std::min(first, size_ / kChunkSize);
  }
  HG_RETURN_IF_ERROR(RewriteChunks(first, ChunkCount(end), off, data, size_));
  if (grows) {
    HG_RETURN_IF_ERROR(WriteHeader(end));
    size_ = end;
  }
  return data.size();
}

Status EncryptedFile::Truncate(uint64_t size) {
  if (size > kMaxPlaintextSize) return Errno(EFBIG);
  std::lock_guard lock(mu_);
  if (size > size_) {
    HG_RETURN_IF_ERROR(GrowLocked(size));
  } else if (size < size_) {
    if (size % kChunkSize != 0) {
      // Zero the new last chunk's tail now, so the dropped bytes are gone from
      // the disk (not just hidden) and a later grow finds zeros.
      HG_RETURN_IF_ERROR(RewriteChunks(size / kChunkSize, size / kChunkSize + 1, 0, {}, size));
    }
    // Header before ftruncate: a crash in between leaves a header naming fewer
    // records than the host file has, which is harmless; the other order could
    // leave a header naming records that are gone.
    HG_RETURN_IF_ERROR(WriteHeader(size));
    size_ = size;
  }
  // Even when the size is unchanged: drops records that a writer which
  // crashed before rewriting the header left past the end.
  return StatusFromRet(::ftruncate(fd_.get(), static_cast<off_t>(OnDiskSizeFor(size))));
}

Status EncryptedFile::Allocate(uint64_t off, uint64_t len) {
  if (len == 0) return Errno(EINVAL);
  if (off > kMaxPlaintextSize || len > kMaxPlaintextSize - off) return Errno(EFBIG);
  std::lock_guard lock(mu_);
  if (off + len <= size_) return Status::Ok();
  return GrowLocked(off + len);
}

Result<uint64_t> EncryptedFile::Size() {
  std::lock_guard lock(mu_);
  return size_;
}

Status EncryptedFile::Sync() {
  std::lock_guard lock(mu_);
  return StatusFromRet(::fsync(fd_.get()));
}

}  // namespace hg::encrypted
