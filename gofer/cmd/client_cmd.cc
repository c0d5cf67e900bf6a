// `hardgofer client --socket PATH VERB ...`: a debugging client over the C++
// client library. Paths are relative to the served root; symlinks are
// resolved here, as a sandbox kernel would (gofer/client/path_resolver.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "gofer/client/client.h"
#include "gofer/client/path_resolver.h"
#include "gofer/cmd/commands.h"
#include "gofer/cmd/exit_codes.h"
#include "gofer/cmd/flags.h"

namespace hg::cmd {
namespace {

using client::Client;
using client::ScopedFdId;

constexpr char kClientEpilog[] =
    "verbs (PATH is relative to the served root; symlinks are followed on the\n"
    "client side, at most 40 per path):\n"
    "  ls PATH              list a directory (type, mode, size, name)\n"
    "  stat PATH            show a file's metadata (a final symlink is not followed)\n"
    "  cat PATH             print a file\n"
    "  put LOCAL_FILE PATH  copy a local file to PATH (created or truncated)\n"
    "  mkdir PATH           create a directory (mode 0755)\n"
    "  rm PATH              remove a file, symlink or empty directory\n"
    "  mv FROM TO           rename; into TO if TO is a directory\n"
    "An error the server returns is printed as 'VERB: <errno text>' (exit 1).";

struct Verb {
  const char* name;
  size_t nargs;
  int (*run)(Client&, const std::vector<std::string>&);
};

int Refused(const char* verb, Errno e) {
  std::fprintf(stderr, "%s: %s\n", verb, e.ToString().c_str());
  return kExitRuntime;
}

const char* TypeName(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return "file";
    case S_IFDIR:
      return "dir";
    case S_IFLNK:
      return "link";
    case S_IFIFO:
      return "fifo";
    case S_IFSOCK:
      return "sock";
    case S_IFCHR:
      return "chr";
    case S_IFBLK:
      return "blk";
  }
  return "?";
}

std::string TimeString(int64_t sec) {
  time_t t = static_cast<time_t>(sec);
  struct tm tm;
  char buf[64];
  if (::gmtime_r(&t, &tm) == nullptr ||
      std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
    return std::to_string(sec);
  }
  return buf;
}

// Reads a whole file through PRead.
Result<std::string> ReadAllOf(Client& c, wire::FDID control) {
  HG_ASSIGN_OR_RETURN(client::OpenedFile f, c.OpenAt(control, O_RDONLY));
  ScopedFdId open(&c, f.open_fd);
  std::string out;
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    HG_ASSIGN_OR_RETURN(size_t n, c.PRead(open.get(), out.size(), buf));
    out.append(reinterpret_cast<const char*>(buf.data()), n);
    if (n < buf.size()) return out;
  }
}

int Ls(Client& c, const std::vector<std::string>& a) {
  auto dir = client::ResolvePath(c, a[0]);
  if (!dir.ok()) return Refused("ls", dir.error());
  auto opened = c.OpenAt(dir->get(), O_RDONLY);
  if (!opened.ok()) return Refused("ls", opened.error());
  ScopedFdId open(&c, opened->open_fd);
  std::vector<client::Dirent> all;
  for (;;) {
    auto ents = c.Getdents64(open.get(), 65536);
    if (!ents.ok()) return Refused("ls", ents.error());
    if (ents->empty()) break;
    for (auto& e : *ents) {
      if (e.name != "." && e.name != "..") all.push_back(std::move(e));
    }
  }
  std::sort(all.begin(), all.end(),
            [](const client::Dirent& x, const client::Dirent& y) { return x.name < y.name; });
  for (const client::Dirent& e : all) {
    auto st = c.WalkStat(dir->get(), {e.name});
    if (!st.ok() || st->empty()) {
      std::printf("?    %4s %10s  %s\n", "", "", e.name.c_str());
      continue;
    }
    const wire::Statx& s = st->back();
    std::string suffix = S_ISDIR(s.mode) ? "/" : "";
    if (S_ISLNK(s.mode)) {
      auto l = c.WalkOne(dir->get(), e.name);
      if (l.ok()) {
        ScopedFdId link(&c, l->control_fd);
        auto target = c.ReadLinkAt(link.get());
        if (target.ok()) suffix = " -> " + *target;
      }
    }
    std::printf("%-4s %04o %10llu  %s%s\n", TypeName(s.mode), s.mode & 07777,
                static_cast<unsigned long long>(s.size), e.name.c_str(), suffix.c_str());
  }
  return kExitOk;
}

int Stat(Client& c, const std::vector<std::string>& a) {
  client::ResolveOptions o;
  o.follow_last = false;
  auto f = client::ResolvePath(c, a[0], o);
  if (!f.ok()) return Refused("stat", f.error());
  auto st = c.FStat(f->get());
  if (!st.ok()) return Refused("stat", st.error());
  std::printf("  path: %s\n", a[0].c_str());
  std::printf("  type: %s\n", TypeName(st->mode));
  if (S_ISLNK(st->mode)) {
    auto t = c.ReadLinkAt(f->get());
    if (t.ok()) std::printf("target: %s\n", t->c_str());
  }
  std::printf("  mode: %04o\n", st->mode & 07777);
  std::printf("  size: %llu\n", static_cast<unsigned long long>(st->size));
  std::printf(" inode: %llu  links: %u  device: %u:%u\n", static_cast<unsigned long long>(st->ino),
              st->nlink, st->dev_major, st->dev_minor);
  std::printf(" owner: uid %u  gid %u\n", st->uid, st->gid);
  std::printf(" mtime: %s\n", TimeString(st->mtime.sec).c_str());
  return kExitOk;
}

int Cat(Client& c, const std::vector<std::string>& a) {
  auto f = client::ResolvePath(c, a[0]);
  if (!f.ok()) return Refused("cat", f.error());
  auto data = ReadAllOf(c, f->get());
  if (!data.ok()) return Refused("cat", data.error());
  std::fwrite(data->data(), 1, data->size(), stdout);
  return kExitOk;
}

int Put(Client& c, const std::vector<std::string>& a) {
  UniqueFd local(::open(a[0].c_str(), O_RDONLY | O_CLOEXEC));
  if (!local.valid()) {
    std::fprintf(stderr, "put: %s: %s\n", a[0].c_str(), Errno::Last().ToString().c_str());
    return kExitRuntime;
  }
  auto at = client::ResolveParent(c, a[1]);
  if (!at.ok()) return Refused("put", at.error());
  wire::FDID open_fd = wire::kInvalidFDID;
  auto existing = c.WalkOne(at->dir.get(), at->name);
  if (existing.ok()) {
    ScopedFdId file(&c, existing->control_fd);
    if (!S_ISREG(existing->stat.mode))
      return Refused("put", Errno(S_ISDIR(existing->stat.mode) ? EISDIR : EEXIST));
    auto o = c.OpenAt(file.get(), O_WRONLY | O_TRUNC);
    if (!o.ok()) return Refused("put", o.error());
    open_fd = o->open_fd;
  } else if (existing.error().value() == ENOENT) {
    auto o = c.OpenCreateAt(at->dir.get(), at->name, O_WRONLY, 0644, wire::kNoUID, wire::kNoGID);
    if (!o.ok()) return Refused("put", o.error());
    c.CloseFd(o->child.control_fd);
    open_fd = o->open_fd;
  } else {
    return Refused("put", existing.error());
  }
  ScopedFdId open(&c, open_fd);
  std::vector<uint8_t> buf(1 << 20);
  uint64_t off = 0;
  for (;;) {
    ssize_t n = ::read(local.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::fprintf(stderr, "put: %s: %s\n", a[0].c_str(), Errno::Last().ToString().c_str());
      return kExitRuntime;
    }
    if (n == 0) break;
    auto w =
        c.PWrite(open.get(), off, std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
    if (!w.ok()) return Refused("put", w.error());
    if (*w != static_cast<size_t>(n)) return Refused("put", Errno(EIO));
    off += *w;
  }
  std::printf("put: wrote %llu bytes to %s\n", static_cast<unsigned long long>(off), a[1].c_str());
  return kExitOk;
}

int Mkdir(Client& c, const std::vector<std::string>& a) {
  auto at = client::ResolveParent(c, a[0]);
  if (!at.ok()) return Refused("mkdir", at.error());
  auto d = c.MkdirAt(at->dir.get(), at->name, 0755, wire::kNoUID, wire::kNoGID);
  if (!d.ok()) return Refused("mkdir", d.error());
  c.CloseFd(d->control_fd);
  std::printf("mkdir: created %s\n", a[0].c_str());
  return kExitOk;
}

int Rm(Client& c, const std::vector<std::string>& a) {
  auto at = client::ResolveParent(c, a[0]);
  if (!at.ok()) return Refused("rm", at.error());
  Status s = c.UnlinkAt(at->dir.get(), at->name, 0);
  // unlink(2) of a directory is EISDIR: then it is rmdir.
  if (!s.ok() && s.error().value() == EISDIR) s = c.UnlinkAt(at->dir.get(), at->name, AT_REMOVEDIR);
  if (!s.ok()) return Refused("rm", s.error());
  std::printf("rm: removed %s\n", a[0].c_str());
  return kExitOk;
}

int Mv(Client& c, const std::vector<std::string>& a) {
  auto from = client::ResolveParent(c, a[0]);
  if (!from.ok()) return Refused("mv", from.error());
  // Into TO when TO is an existing directory, as mv(1).
  ScopedFdId to_dir;
  std::string to_name;
  auto target = client::ResolvePath(c, a[1]);
  if (target.ok()) {
    auto st = c.FStat(target->get());
    if (st.ok() && S_ISDIR(st->mode)) {
      to_dir = std::move(target).value();
      to_name = from->name;
    }
  }
  if (!to_dir.valid()) {
    auto to = client::ResolveParent(c, a[1]);
    if (!to.ok()) return Refused("mv", to.error());
    to_dir = std::move(to->dir);
    to_name = to->name;
  }
  Status s = c.RenameAt(from->dir.get(), from->name, to_dir.get(), to_name);
  if (!s.ok()) return Refused("mv", s.error());
  std::printf("mv: renamed %s to %s\n", a[0].c_str(), a[1].c_str());
  return kExitOk;
}

constexpr Verb kVerbs[] = {
    {"ls", 1, Ls},       {"stat", 1, Stat}, {"cat", 1, Cat}, {"put", 2, Put},
    {"mkdir", 1, Mkdir}, {"rm", 1, Rm},     {"mv", 2, Mv},
};

}  // namespace

int ClientMain(int argc, char** argv) {
  FlagSet fs("client", "Debugging client over LisaFS.");
  std::string socket;
  std::vector<std::string> args;
  fs.String("socket", &socket, "PATH", "unix socket of a 'hardgofer serve --listen' server");
  fs.Positional("ls|stat|cat|put|mkdir|rm|mv ARGS...", &args);
  fs.Epilog(kClientEpilog);
  if (auto rc = fs.Parse(argc, argv)) return *rc;
  if (socket.empty()) return fs.UsageError("flag '--socket' is required");
  if (args.empty()) return fs.UsageError("a verb is required");
  const Verb* verb = nullptr;
  for (const Verb& v : kVerbs) {
    if (args[0] == v.name) verb = &v;
  }
  if (verb == nullptr) return fs.UsageError("unknown verb '" + args[0] + "'");
  std::vector<std::string> vargs(args.begin() + 1, args.end());
  if (vargs.size() != verb->nargs) {
    return fs.UsageError(std::string(verb->name) + " takes " + std::to_string(verb->nargs) +
                         " argument" + (verb->nargs == 1 ? "" : "s"));
  }
  auto sock = client::ConnectUnixSocket(socket);
  if (!sock.ok()) {
    std::fprintf(stderr, "hardgofer client: --socket %s: %s\n", socket.c_str(),
                 sock.error().ToString().c_str());
    return kExitRuntime;
  }
  auto c = Client::Mount(std::move(sock).value());
  if (!c.ok()) {
    std::fprintf(stderr, "hardgofer client: mount: %s\n", c.error().ToString().c_str());
    return kExitRuntime;
  }
  const int rc = verb->run(**c, vargs);
  std::fflush(stdout);
  return rc;
}

}  // namespace hg::cmd
