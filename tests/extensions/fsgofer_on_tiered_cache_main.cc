// fsgofer's integration tests (gofer/fsgofer/fsgofer_{read,write}_test.cc,
// the same sources) against the tiered_cache extension with default options.
// Host-side checks see the backing tree after every dirty copy was written
// back (fsgofer_backends.h). What cannot apply is excluded below, with why.
#include <gtest/gtest.h>

#include "tests/extensions/fsgofer_backends.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  hg::fsgofer::testing::ActiveBackend() = hg::ext_testing::TieredCacheHooks();
  // Each: a fsgofer feature the extension's backend (extensions/host_tree)
  // does not have. Nothing is excluded for host bytes or layout: those checks
  // go through the backend's hooks instead (fsgofer_backends.h).
  hg::ext_testing::Exclude({
      {"FsgoferReadTest.MountAdvertisesEverythingButFlushAndStatsTheRoot",
       "extensions serve host_tree's 23 messages (no xattr or host-socket messages), not "
       "fsgofer's 32; and tiered_cache always donates the backing root (the directfs toggle is a fsgofer MountRules field)"},
      {"FsgoferWriteTest.MaxFileSizeBoundsWritesTruncateAndAllocateWithEfbig",
       "max_file_size is a fsgofer MountRules field; an extension is given no MountRules "
       "(HandledMount carries its own ConnectionOpts), so no size limit reaches it"},
      {"FsgoferWriteTest.MknodAtAllowsFilesAndWhiteoutsOnly",
       "host_tree refuses every device node and FIFO (EPERM), overlay whiteouts (char 0/0) "
       "included: a storage extension serves regular files, directories and symlinks only"},
      {"FsgoferWriteTest.UserXattrsRoundTripOtherNamespacesAreRefused",
       "host_tree serves no xattr messages (not in SupportedMessages)"},
      {"FsgoferWriteTest.HostUnixSocketsFollowTheHostUdsMode",
       "host_tree serves no host unix sockets (BindAt/Connect are not supported)"},
      {"FsgoferWriteTest.ConnectWithCredsShowsTheCredentialsToThePeerOnly",
       "host_tree serves no host unix sockets (Connect is not supported)"},
      {"FsgoferWriteTest.BorrowedIdsNeverReachOtherThreads",
       "needs Connect to a host unix socket, which host_tree does not serve"},
  });
  return RUN_ALL_TESTS();
}
