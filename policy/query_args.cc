#include "policy/query_args.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <map>

namespace hg::policy {

namespace {

const std::map<std::string, uint64_t>& Symbols() {
  static const auto* table = new std::map<std::string, uint64_t>{
      {"AT_FDCWD", static_cast<uint64_t>(static_cast<int64_t>(AT_FDCWD))},
      {"AT_EMPTY_PATH", AT_EMPTY_PATH},
      {"AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW},
      {"AT_REMOVEDIR", AT_REMOVEDIR},
      {"O_RDONLY", O_RDONLY},
      {"O_WRONLY", O_WRONLY},
      {"O_RDWR", O_RDWR},
      {"O_CREAT", O_CREAT},
      {"O_EXCL", O_EXCL},
      {"O_TRUNC", O_TRUNC},
      {"O_APPEND", O_APPEND},
      {"O_NONBLOCK", O_NONBLOCK},
      {"O_DIRECTORY", O_DIRECTORY},
      {"O_NOFOLLOW", O_NOFOLLOW},
      {"O_CLOEXEC", O_CLOEXEC},
      {"O_PATH", O_PATH},
      {"O_LARGEFILE", 0100000},  // the kernel's value; glibc defines it as 0 on 64-bit
      {"PROT_NONE", PROT_NONE},
      {"PROT_READ", PROT_READ},
      {"PROT_WRITE", PROT_WRITE},
      {"PROT_EXEC", PROT_EXEC},
      {"MAP_SHARED", MAP_SHARED},
      {"MAP_PRIVATE", MAP_PRIVATE},
      {"MAP_FIXED", MAP_FIXED},
      {"MAP_ANONYMOUS", MAP_ANONYMOUS},
      {"MAP_NORESERVE", MAP_NORESERVE},
      {"MAP_STACK", MAP_STACK},
      {"MAP_DROPPABLE", 0x08},
      {"MADV_DONTNEED", MADV_DONTNEED},
      {"MREMAP_MAYMOVE", 1},
      {"F_DUPFD", F_DUPFD},
      {"F_GETFD", F_GETFD},
      {"F_SETFD", F_SETFD},
      {"F_GETFL", F_GETFL},
      {"F_SETFL", F_SETFL},
      {"F_SETLK", F_SETLK},
      {"F_DUPFD_CLOEXEC", F_DUPFD_CLOEXEC},
      {"F_ADD_SEALS", F_ADD_SEALS},
      {"FUTEX_WAIT", FUTEX_WAIT},
      {"FUTEX_WAKE", FUTEX_WAKE},
      {"FUTEX_WAIT_BITSET", FUTEX_WAIT_BITSET},
      {"FUTEX_LOCK_PI", FUTEX_LOCK_PI},
      {"FUTEX_PRIVATE_FLAG", FUTEX_PRIVATE_FLAG},
      {"FUTEX_CLOCK_REALTIME", FUTEX_CLOCK_REALTIME},
      {"FUTEX_WAIT_PRIVATE", FUTEX_WAIT_PRIVATE},
      {"FUTEX_WAKE_PRIVATE", FUTEX_WAKE_PRIVATE},
      {"AF_UNIX", AF_UNIX},
      {"AF_INET", AF_INET},
      {"AF_INET6", AF_INET6},
      {"SOCK_STREAM", SOCK_STREAM},
      {"SOCK_DGRAM", SOCK_DGRAM},
      {"SOCK_SEQPACKET", SOCK_SEQPACKET},
      {"SOCK_CLOEXEC", SOCK_CLOEXEC},
      {"SOCK_NONBLOCK", SOCK_NONBLOCK},
      {"MSG_DONTWAIT", MSG_DONTWAIT},
      {"MSG_TRUNC", MSG_TRUNC},
      {"MSG_PEEK", MSG_PEEK},
      {"MSG_NOSIGNAL", MSG_NOSIGNAL},
      {"SHUT_RD", SHUT_RD},
      {"SHUT_WR", SHUT_WR},
      {"SHUT_RDWR", SHUT_RDWR},
      {"CLONE_VM", CLONE_VM},
      {"CLONE_FS", CLONE_FS},
      {"CLONE_FILES", CLONE_FILES},
      {"CLONE_SIGHAND", CLONE_SIGHAND},
      {"CLONE_THREAD", CLONE_THREAD},
      {"CLONE_SYSVSEM", CLONE_SYSVSEM},
      {"CLONE_SETTLS", CLONE_SETTLS},
      {"CLONE_PARENT_SETTID", CLONE_PARENT_SETTID},
      {"CLONE_CHILD_CLEARTID", CLONE_CHILD_CLEARTID},
      {"CLONE_NEWNS", CLONE_NEWNS},
      {"CLONE_NEWUSER", CLONE_NEWUSER},
      {"SIGCHLD", SIGCHLD},
      {"PR_SET_VMA", 0x53564d41},
      {"PR_SET_VMA_ANON_NAME", 0},
      {"PR_SET_NO_NEW_PRIVS", PR_SET_NO_NEW_PRIVS},
  };
  return *table;
}

Error QueryError(const std::string& key, const std::string& value, const std::string& why) {
  Error e;
  e.kind = Error::Kind::kUsage;
  e.file = "command line";
  e.key = key;
  e.value = value;
  e.message = key + " \"" + value + "\": " + why;
  return e;
}

// An integer: decimal, 0x-hex, optionally negative (two's complement).
std::optional<uint64_t> ParseInt(const std::string& t) {
  if (t.empty()) return std::nullopt;
  bool neg = t[0] == '-';
  std::string body = neg ? t.substr(1) : t;
  if (body.empty()) return std::nullopt;
  int base = 10;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    base = 16;
    body = body.substr(2);
  }
  for (char ch : body) {
    const bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(ch)) != 0
                               : (ch >= '0' && ch <= '9');
    if (!ok) return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(body.c_str(), &end, base);
  if (errno != 0 || *end != '\0') return std::nullopt;
  if (neg) {
    if (v > (1ull << 63)) return std::nullopt;
    return ~static_cast<uint64_t>(v) + 1;
  }
  return static_cast<uint64_t>(v);
}

}  // namespace

std::vector<std::string> SymbolNames() {
  std::vector<std::string> out;
  for (const auto& [k, v] : Symbols()) out.push_back(k);
  return out;
}

ErrorOr<seccomp::ArgValue> ParseArgValue(const std::string& text) {
  if (text == "self_pid") return seccomp::ArgValue::Of(seccomp::Placeholder::kSelfPid);
  uint64_t v = 0;
  size_t start = 0;
  for (;;) {
    size_t bar = text.find('|', start);
    std::string part = text.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (std::optional<uint64_t> n = ParseInt(part)) {
      v |= *n;
    } else if (auto it = Symbols().find(part); it != Symbols().end()) {
      v |= it->second;
    } else {
      return QueryError("value", text,
                        "\"" + part + "\" is neither an integer nor a known symbol (e.g. AT_FDCWD, "
                        "O_CLOEXEC, PROT_EXEC, MAP_PRIVATE, FUTEX_WAKE_PRIVATE, AF_UNIX)");
    }
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return seccomp::ArgValue(v);
}

ErrorOr<seccomp::SyscallQuery> ParseQueryArgs(seccomp::Arch program_arch,
                                              const std::string& syscall,
                                              const std::vector<std::string>& args,
                                              const std::string& arch_name) {
  seccomp::SyscallQuery q;
  bool i386 = false;
  if (!arch_name.empty()) {
    if (arch_name == "i386") {
      i386 = true;
      q.audit_arch = seccomp::kAuditArchI386;
    } else if (std::optional<seccomp::Arch> a = seccomp::ArchFromName(arch_name)) {
      q.audit_arch = seccomp::Info(*a).audit_arch;
    } else {
      return QueryError("--arch", arch_name, "unknown arch (want x86_64, aarch64 or i386)");
    }
  }
  std::string name = syscall;
  bool x32 = false;
  if (name.rfind("x32:", 0) == 0) {
    x32 = true;
    name = name.substr(4);
  }
  if (std::optional<uint64_t> n = ParseInt(name)) {
    if (*n > 0xffffffffull) return QueryError("SYSCALL", syscall, "number out of range");
    q = [&] {
      seccomp::SyscallQuery b = seccomp::SyscallQuery::ByNumber(static_cast<uint32_t>(*n));
      b.audit_arch = q.audit_arch;
      return b;
    }();
    if (x32) q.nr = *q.nr | seccomp::kX32SyscallBit;
  } else {
    if (i386) return QueryError("SYSCALL", syscall, "give i386 syscalls by number");
    const seccomp::Arch table = program_arch;
    seccomp::ErrorOr<int> nr = seccomp::SyscallNumber(table, name);
    if (!nr.ok()) {
      return QueryError("SYSCALL", syscall,
                        "not a syscall of " + std::string(seccomp::ArchName(table)));
    }
    std::optional<uint32_t> audit = q.audit_arch;
    q = seccomp::SyscallQuery::ByName(name);
    q.audit_arch = audit;
    if (x32) q.nr = static_cast<uint32_t>(*nr) | seccomp::kX32SyscallBit;
  }
  std::array<bool, seccomp::kSyscallArgs> seen{};
  for (const std::string& a : args) {
    const size_t eq = a.find('=');
    std::string key = eq == std::string::npos ? a : a.substr(0, eq);
    for (char& ch : key) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (eq == std::string::npos || key.size() != 4 || key.compare(0, 3, "ARG") != 0 ||
        key[3] < '0' || key[3] > '5') {
      return QueryError("argument", a, "want ARGn=VALUE with n in 0..5");
    }
    const int idx = key[3] - '0';
    if (seen[idx]) return QueryError("argument", a, "ARG" + std::to_string(idx) + " given twice");
    seen[idx] = true;
    ErrorOr<seccomp::ArgValue> v = ParseArgValue(a.substr(eq + 1));
    if (!v.ok()) return v.error();
    q.args[idx] = *v;
  }
  return q;
}

}  // namespace hg::policy
