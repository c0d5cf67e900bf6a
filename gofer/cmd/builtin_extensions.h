// The gofer extensions compiled into the hardgofer binary, in registration
// (= selection) order.
//
//   hg::server::ExtensionRegistry reg = hg::cmd::BuiltinExtensions();
//   for (const auto& e : reg.extensions()) ... e->Name() ...
//   hg::server::Extension* enc = reg.Find("encrypted");
//
// Registered: "encrypted" (extensions/encrypted: contents encrypted at rest)
// and "tiered_cache" (extensions/tiered_cache: a local cache in front of a
// slower backing tree). Neither claims anything unless a spec selects it
// (dev.hardgofer.rootfs.extension / dev.hardgofer.mount.<NAME>.extension),
// so a spec without those annotations is served by fsgofer exactly as
// before. Each call returns fresh instances (an extension holds per-run
// state: keys, cache tiers).
#ifndef HARDGOFER_GOFER_CMD_BUILTIN_EXTENSIONS_H_
#define HARDGOFER_GOFER_CMD_BUILTIN_EXTENSIONS_H_

#include "gofer/server/extension.h"

namespace hg::cmd {

server::ExtensionRegistry BuiltinExtensions();

}  // namespace hg::cmd

#endif  // HARDGOFER_GOFER_CMD_BUILTIN_EXTENSIONS_H_
