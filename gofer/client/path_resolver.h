// Client-side path resolution over Walk/ReadLinkAt, as a sandbox kernel does.
//
//   HG_ASSIGN_OR_RETURN(ScopedFdId f, ResolvePath(client, "docs/../notes-link"));
//   HG_ASSIGN_OR_RETURN(wire::Statx st, client.FStat(f.get()));
//
//   HG_ASSIGN_OR_RETURN(ParentAndName at, ResolveParent(client, "a/b/new"));
//   client.MkdirAt(at.dir.get(), at.name, 0755, wire::kNoUID, wire::kNoGID);
//
// Paths are relative to the served root; a leading '/' also means the root,
// and so does an absolute symlink target: the server's root is the sandbox's
// "/", never the host's. ".." is lexical over the FDIDs walked so far and
// stops at the root (as in a chroot), so no path can name anything above the
// mount. The server never follows symlinks (LisaFS Walk stops at them); this
// resolver reads each one with ReadLinkAt and re-walks, counting at most
// `max_symlinks` (40, Linux's MAXSYMLINKS) before failing with ELOOP.
// Consecutive plain components go to the server in one multi-component Walk.
#ifndef HARDGOFER_GOFER_CLIENT_PATH_RESOLVER_H_
#define HARDGOFER_GOFER_CLIENT_PATH_RESOLVER_H_

#include <string>
#include <string_view>

#include "base/result.h"
#include "gofer/client/client.h"
#include "gofer/client/scoped_fd_id.h"

namespace hg::client {

inline constexpr int kMaxSymlinks = 40;

struct ResolveOptions {
  // Follow a symlink in the last component (stat/cat) or return the symlink
  // itself (lstat, rm, mv).
  bool follow_last = true;
  int max_symlinks = kMaxSymlinks;
};

// The control FD of what `path` names. The root comes back unowned (the
// Client owns it). Errors: whatever Walk/ReadLinkAt return, ENOENT for a
// missing component, ELOOP after too many symlinks.
Result<ScopedFdId> ResolvePath(Client& client, std::string_view path, ResolveOptions opts = {});

struct ParentAndName {
  ScopedFdId dir;    // the parent directory (symlinks on the way followed)
  std::string name;  // the last component, as given
};

// For verbs that create, remove or rename the last component: resolves the
// parent and returns the last name unresolved. EINVAL when the path has no
// last name ("", "/", or ending in "." or "..").
Result<ParentAndName> ResolveParent(Client& client, std::string_view path,
                                    int max_symlinks = kMaxSymlinks);

}  // namespace hg::client

#endif  // HARDGOFER_GOFER_CLIENT_PATH_RESOLVER_H_
