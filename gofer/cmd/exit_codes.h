// Exit codes of the hardgofer binary (documented in README.md and --help).
#ifndef HARDGOFER_GOFER_CMD_EXIT_CODES_H_
#define HARDGOFER_GOFER_CMD_EXIT_CODES_H_

namespace hg::cmd {

inline constexpr int kExitOk = 0;       // success
inline constexpr int kExitRuntime = 1;  // runtime error (I/O, protocol, confinement)
inline constexpr int kExitUsage = 2;    // bad command line: unknown flag, missing value

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_EXIT_CODES_H_
