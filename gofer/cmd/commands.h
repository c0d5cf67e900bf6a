// Entry points of the hardgofer subcommands. Each takes the arguments after
// its own name and returns a process exit code (exit_codes.h).
#ifndef HARDGOFER_GOFER_CMD_COMMANDS_H_
#define HARDGOFER_GOFER_CMD_COMMANDS_H_

namespace hg::cmd {

int ServeMain(int argc, char** argv);
int RunMain(int argc, char** argv);
int PolicyMain(int argc, char** argv);
int ClientMain(int argc, char** argv);

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_COMMANDS_H_
