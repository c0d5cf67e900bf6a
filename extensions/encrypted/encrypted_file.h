// Random-access encrypted storage over one host file (format: format.h and
// docs/encryption-format.md).
//
//   HG_ASSIGN_OR_RETURN(Key key, Key::LoadFromFile(operator_key_path));
//   UniqueFd fd(openat(dir, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
//   HG_ASSIGN_OR_RETURN(auto file, EncryptedFile::Create(key, std::move(fd)));
//   HG_ASSIGN_OR_RETURN(size_t n, file->Write(off, data));
//   HG_ASSIGN_OR_RETURN(size_t got, file->Read(off, buf));    // EIO if tampered
//   HG_RETURN_IF_ERROR(file->Sync());
//
// What a caller gets: every byte Read returns was written to this file, at this
// offset, under this key; a modified record or header, a record moved within or
// between files, or a host file cut short makes the read that needs the missing
// or modified bytes fail with EIO. Not detected: replacing the whole file
// (header and records) with an older copy of itself — see the docs.
//
// Nonces. Each EncryptedFile picks a fresh random 128-bit session id the first
// time it writes; its records and headers are sealed under
// session key = HKDF(file key, session id) with nonce (chunk index, counter),
// where `counter` is an in-memory count that goes up by one for every seal in
// the session. A (key, nonce) pair therefore never repeats as long as session
// ids do not (2^-128-ish per pair), and that holds whatever the disk says:
// after a crash mid-write, a lost write, or a host that rolls the file back,
// the next writer starts a new session instead of re-deriving a counter from
// data it cannot trust. A record carries its session id and counter, so a
// reader re-derives the key and nonce; a modified id or counter means a wrong
// key or nonce, and authentication fails.
//
// Crash behaviour (no journal): a record is rewritten in place with one
// pwrite, and the header is rewritten after the records whenever the size
// changes. After a crash, a record whose write was torn fails authentication
// (EIO for reads of that chunk, including its bytes the interrupted write did
// not touch); records past the end the header names are ignored; records the
// header names but the host file lost read as EIO. Data whose Sync() returned
// is durable until its chunk is next rewritten.
//
// Thread-safety: every public method takes one mutex per EncryptedFile, so an
// instance may be shared by threads (operations on it are serialised). Two
// instances over the same host file must not be used at the same time if
// either writes: each caches the size and would overwrite the other's header.
// The server keeps one instance per host file.
//
// The host fd: a regular file opened O_RDWR (O_RDONLY for read-only use — writes
// then fail with EBADF) and not O_APPEND (pwrite would ignore offsets).
// FD_CLOEXEC is set on it if missing. Plaintext is never written to it and the
// file is never mmap'ed.
#ifndef HARDGOFER_EXTENSIONS_ENCRYPTED_ENCRYPTED_FILE_H_
#define HARDGOFER_EXTENSIONS_ENCRYPTED_ENCRYPTED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "extensions/encrypted/aes_gcm.h"
#include "extensions/encrypted/format.h"
#include "extensions/encrypted/key.h"
#include "extensions/encrypted/secret_bytes.h"

namespace hg::encrypted {

class EncryptedFile {
 public:
  // Makes `host_fd` (an empty regular file) an empty encrypted file: picks a
  // random file id and writes the header. Errors: EEXIST if the host file is
  // not empty (Create never overwrites data), EISDIR/EINVAL if not a regular
  // file, EINVAL for O_APPEND, EBADF for O_WRONLY/O_PATH, errno of pwrite.
  static Result<std::unique_ptr<EncryptedFile>> Create(const Key& key, UniqueFd host_fd);

  // Opens an existing encrypted file: reads and authenticates the header.
  // EIO for anything that is not a valid version-1 header under `key`
  // (including a zero-length host file: an empty encrypted file still has a
  // header, so "no header" means truncation); host fd errors as for Create.
  static Result<std::unique_ptr<EncryptedFile>> Open(const Key& key, UniqueFd host_fd);

  // The authenticated plaintext size of the encrypted file behind `host_fd`
  // (borrowed, needs read access), for stat without opening an instance.
  // Errors as for Open.
  static Result<uint64_t> ReadPlaintextSize(const Key& key, int host_fd);

  // A writer moves to a new session (new random id, so a new key) after this
  // many seals. The format allows 2^48 per session; stopping at 2^32 (16 TiB
  // of writes) keeps the data sealed under any one AES key far below the
  // amount where AES-GCM's confidentiality bound starts to weaken.
  static constexpr uint64_t kSealsPerSession = uint64_t{1} << 32;

  EncryptedFile(const EncryptedFile&) = delete;
  EncryptedFile& operator=(const EncryptedFile&) = delete;
  ~EncryptedFile();

  // Reads up to buf.size() bytes at `off`; returns fewer only at end of file
  // (0 at or past it). EIO if any needed chunk fails authentication or is
  // missing from the host file; `buf` then holds no unauthenticated bytes.
  Result<size_t> Read(uint64_t off, std::span<uint8_t> buf);

  // Writes all of `data` at `off` and returns data.size(). Partial chunks are
  // read, modified and re-sealed; writing past the end fills the gap with
  // sealed zero chunks (the host file never has holes: an all-zero record would
  // not authenticate, and accepting one as a hole would let anyone zero a chunk).
  // EFBIG if off + size > kMaxPlaintextSize; ENOSPC (before writing anything)
  // if a gap of more than 1 MiB would not fit in the host filesystem's free
  // space; EIO if a chunk to be modified fails authentication. After an error,
  // chunks this call rewrote may hold old or new contents; the size is unchanged.
  Result<size_t> Write(uint64_t off, std::span<const uint8_t> data);

  // Sets the size, like ftruncate(2): shrinking drops the tail, growing
  // appends zeros. EFBIG past kMaxPlaintextSize; ENOSPC as for Write.
  Status Truncate(uint64_t size);

  // fallocate(2) mode 0: if off + len > size, grows the file to off + len with
  // zeros (as sealed chunks, so the space is really allocated); otherwise
  // changes nothing (every chunk below the size is already on disk).
  // EINVAL if len == 0; EFBIG past kMaxPlaintextSize; ENOSPC as for Write.
  Status Allocate(uint64_t off, uint64_t len);

  // The authenticated plaintext size (what stat reports as st_size).
  Result<uint64_t> Size();

  // fsync(2) of the host file: makes every completed Write, Truncate and
  // Allocate durable.
  Status Sync();

  // The host fd, for metadata only (fstat, fchmod, futimens). Reading or
  // writing through it bypasses authentication; never hand it to a sandbox.
  int host_fd() const { return fd_.get(); }
  const FileId& file_id() const { return file_id_; }

 private:
  friend class EncryptedFileTestPeer;

  // The session this instance seals with; created on the first seal.
  struct WriteSession {
    SessionId id;
    uint64_t next_counter;
    AesGcm gcm;
  };
  // Decryption contexts for the sessions of recently read records: a file
  // written over many sessions would otherwise re-derive a key per record.
  struct CachedSession {
    SessionId id;
    AesGcm gcm;
    uint64_t last_used;
  };
  static constexpr size_t kSessionCacheSize = 8;
  // Records per pread/pwrite batch (~264 KiB): large I/O goes out in few
  // syscalls while a huge request needs only bounded memory.
  static constexpr uint64_t kBatchChunks = 64;

  EncryptedFile(UniqueFd fd, const FileId& file_id, SecretBytes<kAesKeySize> file_key,
                uint64_t size);

  // All of these require mu_ held.
  Result<AesGcm*> SessionForSeal(uint64_t& counter);
  Result<AesGcm*> SessionForOpen(const SessionId& id);
  Status SealChunk(uint64_t index, const uint8_t* plaintext, uint8_t* record);
  Status OpenChunk(uint64_t index, const uint8_t* record, uint8_t* plaintext);
  Status LoadChunk(uint64_t index, uint64_t valid_bytes, uint8_t* plaintext);
  Status WriteHeader(uint64_t size);
  Status CheckSpaceForGrowth(uint64_t new_size);
  Status RewriteChunks(uint64_t first, uint64_t end, uint64_t data_off,
                       std::span<const uint8_t> data, uint64_t existing_size);
  Status GrowLocked(uint64_t new_size);

  std::mutex mu_;
  const UniqueFd fd_;
  const FileId file_id_;
  const SecretBytes<kAesKeySize> file_key_;
  uint64_t size_;
  std::optional<WriteSession> write_session_;
  std::vector<CachedSession> read_sessions_;
  uint64_t tick_ = 0;
};

}  // namespace hg::encrypted

#endif  // HARDGOFER_EXTENSIONS_ENCRYPTED_ENCRYPTED_FILE_H_
