// policy_parser: the operator policy textproto parser, and the policy
// compiler fed with what it accepts.
//
// Input: the operator policy text (an operator's file; in a multi-tenant host
// it may be templated from tenant-supplied values, so it is treated as
// hostile).
//
// Pipeline: ParseOperatorPolicy(text, "ops.textproto"); when that accepts,
// CompilePolicy on a fixed bundle (rootfs, /data bind, /etc/app read-only
// bind, /tmp tmpfs, a pod hint with directfs off) with the same bytes, twice.
//
// Oracles:
//   * a refusal is an Error of kind kOperatorPolicy that names the file, with
//     a message;
//   * an accepted policy prints (TextFormat) to text that parses again to the
//     same message (nothing accepted is lost or altered by the parser);
//   * CompilePolicy is deterministic: two compilations of the same inputs
//     agree on success, on the error text, on policy.pb bytes and on the BPF
//     program bytes.
#include <google/protobuf/text_format.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/support/fake_probe.h"
#include "policy/compiler.h"
#include "policy/error.h"
#include "policy/operator_policy.h"
#include "policy/policy.pb.h"

namespace {

namespace policy = hg::policy;

constexpr char kFile[] = "ops.textproto";

constexpr char kSpec[] = R"({
  "ociVersion": "1.0.2",
  "process": {"args": ["sh"], "cwd": "/"},
  "root": {"path": "rootfs"},
  "mounts": [
    {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind"]},
    {"destination": "/etc/app", "type": "bind", "source": "/srv/app", "options": ["rbind", "ro"]},
    {"destination": "/cache", "type": "bind", "source": "/srv/cache", "options": ["rbind"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}
  ],
  "annotations": {
    "dev.gvisor.spec.mount.cache.source": "/srv/cache",
    "dev.gvisor.spec.mount.cache.type": "bind",
    "dev.gvisor.spec.mount.cache.share": "shared",
    "dev.gvisor.spec.mount.cache.directfs": "off"
  }
})";

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "policy_parser: %s\n", what);
  std::abort();
}

policy::CompileInputs Inputs(std::string_view text) {
  policy::CompileInputs in;
  in.bundle_dir = "/bundle";
  in.spec_bytes = kSpec;
  in.operator_policy_bytes = std::string(text);
  in.operator_policy_file = kFile;
  in.probe = hg::fuzz::FakeDirectoryProbe();
  return in;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto op = policy::ParseOperatorPolicy(text, kFile);
  if (!op.ok()) {
    const policy::Error& e = op.error();
    if (e.kind != policy::Error::Kind::kOperatorPolicy) Fail("refusal of another kind");
    if (e.message.empty() || e.ToString().find(kFile) == std::string::npos) {
      Fail("refusal without a message naming the file");
    }
    return 0;
  }
  std::string printed;
  if (!google::protobuf::TextFormat::PrintToString(*op, &printed)) Fail("PrintToString failed");
  auto again = policy::ParseOperatorPolicy(printed, kFile);
  if (!again.ok()) {
    std::fprintf(stderr, "printed:\n%s\nrefused: %s\n", printed.c_str(),
                 again.error().ToString().c_str());
    Fail("an accepted policy does not re-parse from its own text");
  }
  if (again->SerializeAsString() != op->SerializeAsString()) {
    Fail("an accepted policy re-parses to a different message");
  }

  const policy::CompileInputs in = Inputs(text);
  auto a = policy::CompilePolicy(in);
  auto b = policy::CompilePolicy(in);
  if (a.ok() != b.ok()) Fail("CompilePolicy is not deterministic (success)");
  if (!a.ok()) {
    if (a.error().ToString() != b.error().ToString()) Fail("CompilePolicy errors differ");
    if (a.error().message.empty()) Fail("CompilePolicy error without a message");
    return 0;
  }
  if (a->policy.SerializeAsString() != b->policy.SerializeAsString()) {
    Fail("CompilePolicy is not deterministic (policy.pb)");
  }
  if (a->filter.program.ToBytes() != b->filter.program.ToBytes()) {
    Fail("CompilePolicy is not deterministic (seccomp program)");
  }
  return 0;
}
