// fsgofer's control FD: one host file, held as a path_walk Handle.
//
//   auto f = std::make_unique<ControlFile>(mount_state, std::move(child.handle));
//   // the server wraps it in a ControlFd; every op below works on the handle
//
// Every host operation goes through path_walk relative to this handle (or
// to the handle's own /proc/self/fd magic link, for the few syscalls that
// take no directory FD), never through a path string the server remembers.
// That is why Renamed() has nothing to do, and why the operations are safe
// on deleted nodes (ConnectionOptsFor() turns gVisor's *_on_deleted switches
// on): a handle keeps naming the object it was opened on.
//
// Ops are split by concern: control_file.cc (metadata, walking, opening),
// control_file_create.cc (create/remove/rename), control_file_xattr.cc,
// control_file_socket.cc.
#ifndef HARDGOFER_GOFER_FSGOFER_CONTROL_FILE_H_
#define HARDGOFER_GOFER_FSGOFER_CONTROL_FILE_H_

#include <memory>
#include <string>
#include <vector>

#include "gofer/fsgofer/mount_state.h"
#include "gofer/fsgofer/refusal.h"
#include "gofer/server/connection_impl.h"
#include "path_walk/handle.h"

namespace hg::fsgofer {

class ControlFile final : public server::ControlFdImpl {
 public:
  ControlFile(std::shared_ptr<const MountState> mount, path_walk::Handle handle)
      : mount_(std::move(mount)), h_(std::move(handle)) {}

  const path_walk::Handle& handle() const { return h_; }
  const MountState& mount() const { return *mount_; }

  // metadata (control_file.cc)
  Result<wire::Statx> Stat() override;
  Result<server::SetStatResult> SetStat(const wire::SetStatReq& req) override;
  Result<wire::StatFS> StatFS() override;
  Result<std::string> ReadLink() override;
  Result<server::NewFile> Walk(const path_walk::Name& name) override;
  Status WalkStat(bool stat_self, std::span<const path_walk::Name> path,
                  server::StatSink& out) override;
  Result<server::OpenResult> Open(uint32_t flags) override;

  // creating, removing, renaming (control_file_create.cc)
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

  // extended attributes (control_file_xattr.cc)
  Result<std::string> GetXattr(const server::XattrName& name, uint32_t size) override;
  Status SetXattr(const server::XattrName& name, std::string_view value, uint32_t flags) override;
  Result<std::vector<std::string>> ListXattr(uint64_t size) override;
  Status RemoveXattr(const server::XattrName& name) override;

  // host unix sockets (control_file_socket.cc)
  Result<server::BindResult> BindAt(const path_walk::Name& name, uint32_t sock_type, uint16_t mode,
                                    wire::UID uid, wire::GID gid) override;
  Result<UniqueFd> Connect(uint32_t sock_type) override;
  Result<UniqueFd> ConnectWithCreds(uint32_t sock_type, wire::UID uid, wire::GID gid) override;

 private:
  // Wraps a path_walk Child created below this directory.
  server::NewFile Adopt(path_walk::Child child) const;
  // Refuses `op` by `rule` (refusal.h): logs this file's path (plus `name`
  // when given) at debug level and returns the rule's errno.
  Errno Refuse(Rule rule, std::string_view op, const path_walk::Name* name = nullptr) const;
  // EACCES when the mount's deny patterns match `name` in this directory, or
  // this file's own path (deny_list.h). Free on mounts without patterns.
  Status CheckName(const path_walk::Name& name, std::string_view op) const;
  Status CheckSelf(std::string_view op) const;
  // EROFS when the mount is read-only (the server checks too; this keeps the
  // backend safe under any server configuration).
  Status CheckWritable(std::string_view op, const path_walk::Name* name = nullptr) const;
  // Sets the owner of a file just created by this directory's ops and removes
  // it again (by name, in this directory) if that fails.
  Status ChownNewOrRemove(const path_walk::Handle& child, const path_walk::Name& name,
                          wire::UID uid, wire::GID gid, bool is_dir) const;

  std::shared_ptr<const MountState> mount_;
  path_walk::Handle h_;
};

// fchownat(fd, "", uid, gid, AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW); a no-op when
// both ids are "don't change".
Status ChownHandle(const path_walk::Handle& h, wire::UID uid, wire::GID gid);

}  // namespace hg::fsgofer

#endif  // HARDGOFER_GOFER_FSGOFER_CONTROL_FILE_H_
