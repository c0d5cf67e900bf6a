#!/usr/bin/env bash
# OSS-Fuzz-style build of every hardgofer fuzz target.
#
# Uses the environment the OSS-Fuzz builder provides:
#   CC, CXX                 compilers (clang)
#   CFLAGS, CXXFLAGS        instrumentation + sanitizer flags
#                           (e.g. -fsanitize=address,fuzzer-no-link)
#   LIB_FUZZING_ENGINE      what a target links to get its fuzzing engine
#                           (-fsanitize=fuzzer for libFuzzer)
#   OUT                     where the binaries go
#   WORK                    scratch space for the CMake build (optional)
# and writes, for each target T: $OUT/T_fuzzer, $OUT/T_fuzzer.dict (when
# fuzz/dict/T.dict exists), $OUT/T_fuzzer.options (pointing at the dict) and
# $OUT/T_fuzzer_seed_corpus.zip (fuzz/corpus/T plus fuzz/regressions/T).
#
# Outside OSS-Fuzz every variable has a libFuzzer+ASan+UBSan default, so
#   OUT=/tmp/hgfuzz-out fuzz/build.sh
# works on a developer machine with clang installed.
#
# The build is the project's own CMake build with HARDGOFER_FUZZ_ENGINE set:
# the environment's flags instrument every library, fuzz/CMakeLists.txt links
# the targets with $LIB_FUZZING_ENGINE, tests and benchmarks are left out.
# Note: the project compiles with -Werror and (unless CMAKE_BUILD_TYPE is
# Debug) -D_FORTIFY_SOURCE=2, so CFLAGS must contain an optimisation level.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC_ROOT="$(dirname "$HERE")"

: "${CC:=clang}"
: "${CXX:=clang++}"
: "${CFLAGS:=-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link}"
: "${CXXFLAGS:=$CFLAGS}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:?OUT must name the output directory}"
: "${WORK:=${TMPDIR:-/tmp}}"

BUILD="$WORK/hardgofer-fuzz-build"
mkdir -p "$OUT" "$BUILD"

# A custom build type adds no flags of its own: CFLAGS/CXXFLAGS decide.
cmake -S "$SRC_ROOT" -B "$BUILD" -G Ninja \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_BUILD_TYPE=OSSFuzz \
  -DHARDGOFER_TESTS=OFF -DHARDGOFER_BENCH=OFF -DHARDGOFER_FUZZ=OFF \
  -DHARDGOFER_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$BUILD" --target fuzz_all -j "${JOBS:-$(nproc)}"

zip_dir() {  # zip_dir ZIPFILE DIR...: flat zip of the files in DIRs
  python3 - "$@" <<'EOF'
import os, sys, zipfile
out, dirs = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for d in dirs:
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                z.write(p, arcname=os.path.basename(d) + "-" + name)
EOF
}

while IFS= read -r t; do
  [[ -n "$t" ]] || continue
  cp "$BUILD/fuzz/${t}_fuzzer" "$OUT/"
  if [[ -f "$HERE/dict/$t.dict" ]]; then
    cp "$HERE/dict/$t.dict" "$OUT/${t}_fuzzer.dict"
    printf '[libfuzzer]\ndict = %s_fuzzer.dict\n' "$t" >"$OUT/${t}_fuzzer.options"
  fi
  dirs=()
  for d in "$HERE/corpus/$t" "$HERE/regressions/$t"; do
    [[ -d "$d" ]] && dirs+=("$d")
  done
  if [[ ${#dirs[@]} -gt 0 ]]; then
    zip_dir "$OUT/${t}_fuzzer_seed_corpus.zip" "${dirs[@]}"
  fi
  printf 'built %s\n' "$OUT/${t}_fuzzer"
done <"$BUILD/fuzz-targets.txt"
