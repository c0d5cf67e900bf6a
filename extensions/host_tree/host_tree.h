// A LisaFS backend over a host directory tree whose regular-file *contents*
// are stored by a pluggable FileData: the part every storage extension shares
// (names, directories, symlinks, links, metadata), so an extension writes only
// how bytes are kept (encrypted at rest, cached in front of a slower tier).
//
//   class Plain final : public hg::host_tree::FileData { ... };   // see below
//   auto impl = std::make_unique<hg::host_tree::TreeConnection>(
//       host_resources, std::make_shared<Plain>(), /*readonly=*/false);
//   server.StartConnection(std::move(sock), {.mount_path = "/srv/vol",
//                                            .opts = hg::host_tree::TreeConnectionOpts(false),
//                                            .impl = std::move(impl)});
//
// Every host operation goes through path_walk from handles (as fsgofer), never
// through a remembered path string, so a tenant cannot steer it outside the
// mount and ops stay correct after renames. Served: directories, regular files
// and symlinks. Not served: xattrs, host sockets, FIFOs and devices (walking
// to one, or MknodAt of one, is EPERM) — a storage extension has no business
// exposing host IPC objects. Directory listings reuse fsgofer's OpenFile.
//
// Its own room (extensions/host_tree, added before every other extension in
// CMake) because both extensions/encrypted and extensions/tiered_cache build on
// it, and a room may only use rooms above it.
#ifndef HARDGOFER_EXTENSIONS_HOST_TREE_HOST_TREE_H_
#define HARDGOFER_EXTENSIONS_HOST_TREE_HOST_TREE_H_

#include <time.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "gofer/fsgofer/mount_state.h"
#include "gofer/server/connection_impl.h"
#include "gofer/server/extension.h"
#include "path_walk/handle.h"

namespace hg::host_tree {

// How regular-file contents are stored. One instance per connection; called
// with the server's guarantees (control_fd_impl.h), from several threads.
class FileData {
 public:
  virtual ~FileData() = default;
  // Called once from Mount with the mount's state (root, /proc/self/fd).
  virtual Status Attach(const std::shared_ptr<const fsgofer::MountState>& mount) {
    (void)mount;
    return Status::Ok();
  }
  // Rewrites what a client sees of the regular file `h` (size, blocks, mtime):
  // `st` is the host file's statx.
  virtual Status AdjustStat(const path_walk::Handle& h, wire::Statx& st) = 0;
  // `h` was just created empty (O_EXCL) and `fd` is open O_RDWR on it; make it
  // a valid empty file of this store (encrypted: write the header). An error
  // removes the file again.
  virtual Status InitNewFile(const path_walk::Handle& h, int fd) = 0;
  // Opens regular file `h` for I/O. flags ⊆ O_ACCMODE|O_TRUNC, already checked
  // against read-only. `path` is the file's path from the mount root (for
  // journals; never used to reach the file).
  virtual Result<server::OpenResult> Open(const path_walk::Handle& h, uint32_t flags,
                                          std::string_view path) = 0;
  // truncate(2) semantics for SetStat(STATX_SIZE).
  virtual Status Truncate(const path_walk::Handle& h, uint64_t size) = 0;
  // SetStat changed `h`'s times on the host file (ts as for utimensat, with
  // UTIME_OMIT); a store keeping its own copy applies them there too.
  virtual void TimesSet(const path_walk::Handle& h, const struct timespec ts[2]) {
    (void)h, (void)ts;
  }
  // The object `h` lost a name; `last` when it has no names left.
  virtual void Unlinked(const path_walk::Handle& h, bool last) { (void)h, (void)last; }
  // Whether the mount root's host FD may be donated at Mount (directfs).
  virtual bool DonateMountFd() const { return false; }
};

// One file of the tree (any served type), held as a path_walk handle.
class TreeFile final : public server::ControlFdImpl {
 public:
  TreeFile(std::shared_ptr<const fsgofer::MountState> mount, std::shared_ptr<FileData> data,
           path_walk::Handle h)
      : mount_(std::move(mount)), data_(std::move(data)), h_(std::move(h)) {}

  const path_walk::Handle& handle() const { return h_; }

  Result<wire::Statx> Stat() override;
  Result<server::SetStatResult> SetStat(const wire::SetStatReq& req) override;
  Result<wire::StatFS> StatFS() override;
  Result<std::string> ReadLink() override;
  Result<server::NewFile> Walk(const path_walk::Name& name) override;
  Result<server::OpenResult> Open(uint32_t flags) override;
  Result<server::OpenCreateResult> OpenCreate(const path_walk::Name& name, uint16_t mode,
                                              wire::UID uid, wire::GID gid,
                                              uint32_t flags) override;
  Result<server::NewFile> Mkdir(const path_walk::Name& name, uint16_t mode, wire::UID uid,
                                wire::GID gid) override;
  Result<server::NewFile> Mknod(const path_walk::Name& name, uint16_t mode, wire::UID uid,
                                wire::GID gid, uint32_t minor, uint32_t major) override;
  Result<server::NewFile> Symlink(const path_walk::Name& name, const server::SymlinkTarget& target,
                                  wire::UID uid, wire::GID gid) override;
  Result<server::NewFile> Link(server::ControlFdImpl& dir, const path_walk::Name& name) override;
  Status Unlink(const path_walk::Name& name, uint32_t flags) override;
  Status RenameAt(const path_walk::Name& old_name, server::ControlFdImpl& new_dir,
                  const path_walk::Name& new_name, uint32_t flags) override;

 private:
  Result<server::NewFile> Adopt(path_walk::Child child) const;
  Status CheckWritable() const;
  // Creates regular file `name`, sets its owner and initialises it; removes it
  // again on any failure after creation.
  Result<path_walk::Child> CreateRegular(const path_walk::Name& name, uint16_t mode, wire::UID uid,
                                         wire::GID gid);

  std::shared_ptr<const fsgofer::MountState> mount_;
  std::shared_ptr<FileData> data_;
  path_walk::Handle h_;
};

// The ConnectionImpl: Mount opens the mount path (a directory) as a path_walk
// MountRoot and hands the FileData the mount's state.
class TreeConnection final : public server::ConnectionImpl {
 public:
  // `root_override`: serve this absolute host path instead of the mount path
  // the server passes (tiered_cache's `backing` option); "" for none.
  TreeConnection(fsgofer::HostResources host, std::shared_ptr<FileData> data, bool readonly,
                 std::string root_override = "")
      : host_(std::move(host)),
        data_(std::move(data)),
        readonly_(readonly),
        root_override_(std::move(root_override)) {}

  Result<server::MountResult> Mount(const server::MountPoint& mount) override;
  std::vector<wire::MID> SupportedMessages() const override;

 private:
  fsgofer::HostResources host_;
  std::shared_ptr<FileData> data_;
  bool readonly_;
  std::string root_override_;
};

// The ConnectionOpts to serve a TreeConnection with: the server walks through
// Walk (no backend WalkStat, whose statx records a FileData could not adjust),
// and SetStat/FAllocate/OpenAt on deleted nodes are allowed (as fsgofer: every
// op works on handles, so a deleted file is still the same object).
server::ConnectionOpts TreeConnectionOpts(bool readonly);

// The host resources a TreeConnection for `req` uses: the /proc/self/fd
// handle the caller passed (inside the confined root under `run`), or, when
// there is none (`serve`, tests), one opened now from /proc. Never one opened
// in PrepareGofer: confinement would close it and reuse its number.
Result<fsgofer::HostResources> HostResourcesFor(const server::MountRequest& req);

}  // namespace hg::host_tree

#endif  // HARDGOFER_EXTENSIONS_HOST_TREE_HOST_TREE_H_
