// The attack suite's world: a served root, canaries outside it, and a place
// where a host process parks directories it moved out of the root.
//
//   World w;                                   // <tmp>/{root,outside,away}
//   w.tree.MkDir("root/d");                    // build the served tree
//   w.Seal();                                  // snapshot every canary
//   ... attack ...
//   EXPECT_EQ(w.CanaryDiff(), "");             // nothing outside changed
//   EXPECT_FALSE(w.IsOutside(handle));         // never a handle to outside
//
// Outside the root the world holds files and directories whose names mirror
// the inside ("f", "sub/g", "canary.txt"), so a lookup that escaped would find
// something instead of failing with ENOENT; a listening unix socket that must
// never see a connection; and a file the "host" hard-linked into the root.
// Seal() records content, mode, size, mtime, ctime, nlink and inode of every
// object below outside/ and away/, plus the entries of the world's base
// directory; CanaryDiff() reports any difference.
#ifndef HARDGOFER_TESTS_ESCAPE_WORLD_H_
#define HARDGOFER_TESTS_ESCAPE_WORLD_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "base/unique_fd.h"
#include "path_walk/path_walk.h"
#include "path_walk/testing/temp_tree.h"

namespace hg::escape {

using path_walk::Handle;
using path_walk::MountRoot;
using path_walk::ProcSelfFd;
using path_walk::Resolver;
using path_walk::Statx;

inline constexpr char kCanaryText[] = "CANARY: outside the root\n";
inline constexpr char kOutsideF[] = "OUTSIDE-F";
inline constexpr char kInsideF[] = "INSIDE-F";
inline constexpr char kHostLinked[] = "HOST-HARDLINKED";

class World {
 public:
  World();

  path_walk::testing::TempTree tree;

  std::string Path(const std::string& rel) const { return tree.Path(rel); }

  // Directory fds for attackers and checks (O_PATH, opened at construction).
  int base_fd() const { return base_fd_.get(); }
  int root_fd() const { return root_fd_.get(); }
  int outside_fd() const { return outside_fd_.get(); }
  int away_fd() const { return away_fd_.get(); }

  // Records the canaries (call after building the served tree). Also
  // remembers the identity of every object outside the root, including
  // well-known host objects ("/", "/etc", "/etc/passwd", "/proc").
  void Seal();
  // "" when every canary is unchanged; otherwise a description. Entries in
  // away/ whose names are in `allowed_in_away` may come and go.
  std::string CanaryDiff(const std::set<std::string>& allowed_in_away = {}) const;

  // True when (dev, ino) is one of the objects recorded as outside.
  bool IsOutside(std::uint64_t dev, std::uint64_t ino) const;
  bool IsOutside(const Handle& h) const { return IsOutside(h.dev(), h.ino()); }
  bool IsOutside(const Statx& st) const;

  // No connection ever reached the outside listener.
  bool ListenerUntouched() const;

  // Mount root at root/ with the given resolver and rule.
  MountRoot OpenRoot(Resolver r, bool no_xdev = false) const;

  std::uint64_t Ino(const std::string& rel) const;  // lstat inode

 private:
  struct Record {
    mode_t mode = 0;
    std::uint64_t ino = 0;
    std::uint64_t size = 0;
    std::uint64_t nlink = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    std::string content;  // files: bytes; symlinks: target
    bool operator==(const Record&) const = default;
  };
  using Snapshot = std::map<std::string, Record>;
  Snapshot Take(const std::set<std::string>& skip_in_away) const;

  UniqueFd base_fd_, root_fd_, outside_fd_, away_fd_;
  UniqueFd listener_;
  Snapshot sealed_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> outside_ids_;
};

}  // namespace hg::escape

#endif  // HARDGOFER_TESTS_ESCAPE_WORLD_H_
