#include "gofer/client/path_resolver.h"

#include <sys/stat.h>

#include <cerrno>
#include <deque>
#include <vector>

namespace hg::client {
namespace {

// Splits on '/', dropping empty components ("a//b/" = "a", "b").
std::deque<std::string> Split(std::string_view path) {
  std::deque<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool IsDot(const std::string& s) { return s == "." || s == ".."; }

}  // namespace

Result<ScopedFdId> ResolvePath(Client& client, std::string_view path, ResolveOptions opts) {
  std::deque<std::string> todo = Split(path);
  // stack[0] is the root; each later entry is a directory walked from the one
  // below it, so popping is "..".
  std::vector<ScopedFdId> stack;
  stack.push_back(ScopedFdId::Unowned(&client, client.root_fd()));
  int links = 0;

  while (!todo.empty()) {
    if (todo.front() == ".") {
      todo.pop_front();
      continue;
    }
    if (todo.front() == "..") {
      todo.pop_front();
      if (stack.size() > 1) stack.pop_back();
      continue;
    }
    // The run of plain names up to the next "." or "..".
    std::vector<std::string> run;
    while (!todo.empty() && !IsDot(todo.front())) {
      run.push_back(std::move(todo.front()));
      todo.pop_front();
    }
    HG_ASSIGN_OR_RETURN(WalkResult w, client.Walk(stack.back().get(), run));
    const size_t walked = w.inodes.size();
    wire::Statx last_stat;
    for (const wire::Inode& in : w.inodes) {
      stack.emplace_back(&client, in.control_fd);
      last_stat = in.stat;
    }
    if (w.status == wire::WalkStatus::kComponentDoesNotExist) return Errno(ENOENT);
    // Components the server did not walk go back in front of the queue.
    for (size_t i = run.size(); i > walked; --i) todo.push_front(std::move(run[i - 1]));
    if (walked == 0) return Errno(EIO);  // success or symlink with nothing walked
    if (!S_ISLNK(last_stat.mode)) {
      if (w.status == wire::WalkStatus::kComponentSymlink) return Errno(EIO);
      continue;
    }
    // The path ends at this symlink: return it unless asked to follow it.
    if (todo.empty() && !opts.follow_last) break;
    if (++links > opts.max_symlinks) return Errno(ELOOP);
    HG_ASSIGN_OR_RETURN(std::string target, client.ReadLinkAt(stack.back().get()));
    stack.pop_back();  // the link itself is not a step of the path
    if (target.empty()) return Errno(ENOENT);
    if (target.front() == '/') stack.resize(1);
    std::deque<std::string> more = Split(target);
    for (auto it = more.rbegin(); it != more.rend(); ++it) todo.push_front(std::move(*it));
  }
  ScopedFdId out = std::move(stack.back());
  stack.pop_back();
  return out;
}

Result<ParentAndName> ResolveParent(Client& client, std::string_view path, int max_symlinks) {
  std::deque<std::string> parts = Split(path);
  if (parts.empty() || IsDot(parts.back())) return Errno(EINVAL);
  std::string name = std::move(parts.back());
  parts.pop_back();
  std::string parent;
  for (const std::string& p : parts) parent += "/" + p;
  ResolveOptions opts;
  opts.max_symlinks = max_symlinks;
  HG_ASSIGN_OR_RETURN(ScopedFdId dir, ResolvePath(client, parent, opts));
  return ParentAndName{std::move(dir), std::move(name)};
}

}  // namespace hg::client
