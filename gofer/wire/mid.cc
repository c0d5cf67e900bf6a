#include "gofer/wire/mid.h"

#include <array>

namespace hg::wire {
namespace {

// Indexed by MID value; the order is checked against the enum below.
constexpr std::array<std::string_view, kNumMids> kNames = {
    "Error",      "Mount",      "Channel",      "FStat",        "SetStat",
    "Walk",       "WalkStat",   "OpenAt",       "OpenCreateAt", "Close",
    "FSync",      "PWrite",     "PRead",        "MkdirAt",      "MknodAt",
    "SymlinkAt",  "LinkAt",     "FStatFS",      "FAllocate",    "ReadLinkAt",
    "Flush",      "Connect",    "UnlinkAt",     "RenameAt",     "Getdents64",
    "FGetXattr",  "FSetXattr",  "FListXattr",   "FRemoveXattr", "BindAt",
    "Listen",     "Accept",     "ConnectWithCreds", "RenameAt2",
};
static_assert(kNames[ToRaw(MID::kGetdents64)] == "Getdents64");
static_assert(kNames[ToRaw(MID::kRenameAt2)] == "RenameAt2");

}  // namespace

std::string_view MidName(MID m) {
  return IsKnownMid(m) ? kNames[ToRaw(m)] : std::string_view("Unknown");
}

}  // namespace hg::wire
