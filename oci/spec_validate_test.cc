#include "oci/spec_validate.h"

#include <gtest/gtest.h>

#include <functional>

namespace hg::oci {
namespace {

Spec Minimal() {
  Spec s;
  s.process.emplace();
  s.process->args = {"sh"};
  s.root.emplace();
  s.root->path = "rootfs";
  return s;
}

TEST(SpecValidateTest, MinimalSpecIsAccepted) {
  auto w = ValidateSpecForRunsc(Minimal());
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->empty());
}

TEST(SpecValidateTest, RejectsWhatRunscRejects) {
  struct Case {
    std::function<void(Spec&)> mutate;
    std::string subject;
    std::string message;
  } cases[] = {
      {[](Spec& s) { s.process.reset(); }, "process", "Spec.Process must be defined"},
      {[](Spec& s) { s.process->args.clear(); }, "process.args", "Spec.Process.Arg must be defined (process.args is empty)"},
      {[](Spec& s) { s.root.reset(); }, "root", "Spec.Root must be defined"},
      {[](Spec& s) { s.root->path.clear(); }, "root.path", "Spec.Root.Path must be defined"},
      {[](Spec& s) { s.has_solaris = true; }, "solaris", "Spec.Solaris is not supported"},
      {[](Spec& s) { s.has_windows = true; }, "windows", "Spec.Windows is not supported"},
      {[](Spec& s) { s.process->selinux_label = "system_u:x"; }, "process.selinuxLabel",
       "SELinux is not supported: system_u:x"},
      {[](Spec& s) { s.linux_spec.emplace().rootfs_propagation = "rshared"; }, "linux.rootfsPropagation",
       "root mount propagation option must specify private or slave: \"rshared\""},
      {[](Spec& s) { s.mounts.push_back({"proc", "proc", "proc", {}, {}, {}}); }, "mounts[0].destination",
       "Mount.Destination must be an absolute path: mounts[0] has destination \"proc\""},
      {[](Spec& s) {
         s.mounts.push_back({"/ok", "tmpfs", "tmpfs", {"shared"}, {}, {}});  // not a gofer mount: fine
         s.mounts.push_back({"/v", "none", "/host/v", {"rbind", "rshared"}, {}, {}});
       },
       "mounts[1].options[1]", "mount option \"rshared\" is not supported (mounts[1] is a bind mount of \"/host/v\")"},
      {[](Spec& s) { s.annotations["io.kubernetes.cri.container-type"] = "container"; },
       "io.kubernetes.cri.container-type", "spec has container-type of container, but no sandbox ID set"},
      {[](Spec& s) { s.annotations["io.kubernetes.cri.container-type"] = "pod"; },
       "io.kubernetes.cri.container-type", "unknown container-type \"pod\""},
      {[](Spec& s) { s.annotations["io.kubernetes.cri-o.ContainerType"] = "x"; },
       "io.kubernetes.cri-o.ContainerType", "unknown container-type \"x\""},
  };
  for (const Case& c : cases) {
    Spec s = Minimal();
    c.mutate(s);
    auto w = ValidateSpecForRunsc(s);
    ASSERT_FALSE(w.ok()) << c.message;
    EXPECT_EQ(w.error().kind, Error::Kind::kSpecRejected);
    EXPECT_EQ(w.error().subject, c.subject);
    EXPECT_EQ(w.error().message, c.message);
  }
}

TEST(SpecValidateTest, AcceptsKnownContainerTypesAndWarnsAboutAppArmor) {
  Spec s = Minimal();
  s.annotations["io.kubernetes.cri.container-type"] = "container";
  s.annotations["io.kubernetes.cri-o.SandboxID"] = "abc";  // either runtime's sandbox id counts
  s.process->apparmor_profile = "cri-containerd.apparmor.d";
  s.linux_spec.emplace().rootfs_propagation = "rslave";
  auto w = ValidateSpecForRunsc(s);
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_EQ(w->size(), 1u);
  EXPECT_EQ((*w)[0].kind, Diagnostic::Kind::kSpecWarning);
  EXPECT_EQ((*w)[0].reason, "AppArmor profile \"cri-containerd.apparmor.d\" is being ignored");
  Spec sb = Minimal();
  sb.annotations["io.kubernetes.cri.container-type"] = "sandbox";
  // containerd's annotation decides even when CRI-O's says something invalid.
  sb.annotations["io.kubernetes.cri-o.ContainerType"] = "bogus";
  EXPECT_TRUE(ValidateSpecForRunsc(sb).ok());
}

}  // namespace
}  // namespace hg::oci
