// Test support: a scratch directory tree on the real filesystem.
//
//   TempTree t;                                 // /tmp/hg-pw-XXXXXX, removed at scope exit
//   t.MkDir("root/a");
//   t.WriteFile("root/a/f", "hello", 0640);
//   t.Symlink("root/abs", t.Path("outside"));  // link content, link path
//   std::string p = t.Path("root");            // absolute
//
// Removal works through descriptors, so trees deeper than PATH_MAX (which the
// attack suite builds) are cleaned up too. Helpers abort the test binary on
// setup failure: a broken fixture must never look like a passing case.
#ifndef HARDGOFER_PATH_WALK_TESTING_TEMP_TREE_H_
#define HARDGOFER_PATH_WALK_TESTING_TEMP_TREE_H_

#include <sys/types.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "path_walk/name.h"

namespace hg::path_walk::testing {

class TempTree {
 public:
  TempTree();
  ~TempTree();
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& base() const { return base_; }
  std::string Path(std::string_view rel) const;

  void MkDir(std::string_view rel, mode_t mode = 0755) const;
  void WriteFile(std::string_view rel, std::string_view content, mode_t mode = 0644) const;
  void Symlink(std::string_view rel, std::string_view target) const;

 private:
  std::string base_;
};

// Reads a whole file (by path); aborts on failure.
std::string ReadFileOrDie(const std::string& path);
// Reads what is left in fd.
std::string ReadAll(int fd);

// Removes `name` in `dirfd` recursively without following symlinks and
// without building paths (so depth is unlimited). Returns 0 or an errno.
int RemoveTreeAt(int dirfd, const char* name);

// Names from literals; aborts on an invalid one (tests build invalid names
// with Name::Make directly).
std::vector<Name> Names(std::initializer_list<std::string_view> parts);
Name N(std::string_view part);

// Number of open descriptors in this process (to detect leaks).
int CountOpenFds();

// Aborts with a message when `ok` is false (fixture setup only).
void SetupCheck(bool ok, std::string_view what);

}  // namespace hg::path_walk::testing

#endif  // HARDGOFER_PATH_WALK_TESTING_TEMP_TREE_H_
