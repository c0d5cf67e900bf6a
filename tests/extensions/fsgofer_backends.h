// The gofer extensions as backends of fsgofer's integration tests
// (gofer/fsgofer/fsgofer_{read,write}_test.cc, built again in tests/extensions):
// each hook set builds the extension exactly as `hardgofer serve --extension`
// does (PrepareGofer, then TryHandleMount for the root), with default options.
//
//   int main(int argc, char** argv) {
//     ::testing::InitGoogleTest(&argc, argv);
//     hg::fsgofer::testing::ActiveBackend() = hg::ext_testing::TieredCacheHooks();
//     hg::ext_testing::Exclude({{"FsgoferReadTest.X", "why"}});
//     return RUN_ALL_TESTS();
//   }
//
// tiered_cache: a private cache directory per Served (the default); settle
// writes every dirty copy back to the served (backing) tree, so host-side
// checks see what was acknowledged. encrypted: one fresh key per process;
// files the fixture wrote in plaintext under the root are sealed in place
// (same inode, mode and owner) when a Served starts, and host-side reads
// decrypt and authenticate with the same key.
#ifndef HARDGOFER_TESTS_EXTENSIONS_FSGOFER_BACKENDS_H_
#define HARDGOFER_TESTS_EXTENSIONS_FSGOFER_BACKENDS_H_

#include <string>
#include <utility>
#include <vector>

#include "gofer/fsgofer/fsgofer_test_util.h"

namespace hg::ext_testing {

fsgofer::testing::BackendHooks TieredCacheHooks();
fsgofer::testing::BackendHooks EncryptedHooks();

// Tests that do not apply to this backend, each with the reason: added to
// the gtest filter (so they are neither listed nor run) and printed at start.
// Call after InitGoogleTest.
void Exclude(const std::vector<std::pair<std::string, std::string>>& tests_and_reasons);

}  // namespace hg::ext_testing

#endif  // HARDGOFER_TESTS_EXTENSIONS_FSGOFER_BACKENDS_H_
