#!/usr/bin/env bash
# The fuzz verbs behind `./dev fuzz` and the fuzz stage of `./dev test`.
#
#   fuzz/run.sh build                    configure + build every fuzz target (clang)
#   fuzz/run.sh list                     the targets
#   fuzz/run.sh regress                  every corpus and regression file, no mutation
#   fuzz/run.sh smoke SECONDS            each target for SECONDS
#   fuzz/run.sh run TARGET [SECONDS] [-- LIBFUZZER_ARGS...]
#                                        one campaign (default 600 s); TARGET "all"
#                                        runs every target for SECONDS each
#   fuzz/run.sh merge TARGET             fold a campaign's new inputs into
#                                        fuzz/corpus/TARGET (coverage-increasing only)
#
# Environment:
#   HARDGOFER_FUZZ_BUILD_DIR  build directory (default: <repo>/build-fuzz)
#   HARDGOFER_FUZZ_JOBS       parallel compile jobs (default: nproc)
#   HARDGOFER_FUZZ_NICE       nice level for campaigns (default: 10; 0 = none)
#   HARDGOFER_FUZZ_LSAN_THIRD_PARTY=1
#                             suppress leaks inside third-party libraries
#                             (fuzz/lsan-third-party.supp) so a campaign keeps going
#
# Campaign state lives in $BUILD/fuzz-work/TARGET/{corpus,artifacts}: the
# committed seeds (fuzz/corpus/TARGET, fuzz/regressions/TARGET) are only read;
# libFuzzer writes new inputs to the work corpus and crashes to artifacts/.
# A summary line per run reports execs/s and edge coverage (cov:).
set -euo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ_DIR")"
BUILD="${HARDGOFER_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
JOBS="${HARDGOFER_FUZZ_JOBS:-$(nproc)}"
NICE="${HARDGOFER_FUZZ_NICE:-10}"
WORK="$BUILD/fuzz-work"

# Sanitizer behaviour for every run: UBSan findings are fatal (the libraries
# are built with recoverable UBSan), ASan aborts so libFuzzer saves the input.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}"
if [[ "${HARDGOFER_FUZZ_LSAN_THIRD_PARTY:-0}" == 1 ]]; then
  export LSAN_OPTIONS="suppressions=$FUZZ_DIR/lsan-third-party.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi

# Every target gets these unless the caller overrides them after `--`.
DEFAULT_ARGS=(-timeout=25 -rss_limit_mb=2048 -print_final_stats=1)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'fuzz/run.sh: %s\n' "$*" >&2; exit 2; }

usage() {
  sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

cmd_build() {
  command -v clang >/dev/null && command -v clang++ >/dev/null || die "build: clang/clang++ not found"
  local args=(-S "$ROOT" -B "$BUILD" -G Ninja -DHARDGOFER_FUZZ=ON -DHARDGOFER_TESTS=OFF
              -DHARDGOFER_BENCH=OFF)
  if [[ ! -f "$BUILD/build.ninja" ]]; then
    CC=clang CXX=clang++ cmake "${args[@]}" >/dev/null
  else
    cmake "$BUILD" -DHARDGOFER_FUZZ=ON >/dev/null
  fi
  local cc
  cc="$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt")"
  [[ "$cc" == *clang* ]] || die "build: $BUILD was configured with $cc, not clang; remove it"
  cmake --build "$BUILD" -j "$JOBS" --target fuzz_all
}

targets() {
  if [[ -f "$BUILD/fuzz-targets.txt" ]]; then
    grep -v '^$' "$BUILD/fuzz-targets.txt"
  else
    local f
    for f in "$FUZZ_DIR"/*_fuzzer.cc; do basename "$f" _fuzzer.cc; done
  fi
}

binary_of() {
  local t="${1%_fuzzer}"
  local bin="$BUILD/fuzz/${t}_fuzzer"
  [[ -x "$bin" ]] || die "no binary for '$t' ($bin); run: fuzz/run.sh build (targets: $(targets | tr '\n' ' '))"
  printf '%s\n' "$bin"
}

# The libFuzzer flags that point a target at its seeds and dictionary.
seed_dirs() {
  local t="$1" d
  for d in "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/regressions/$t"; do
    [[ -d "$d" ]] && printf '%s\n' "$d"
  done
  return 0
}
dict_args() {
  [[ -f "$FUZZ_DIR/dict/$1.dict" ]] && printf -- '-dict=%s\n' "$FUZZ_DIR/dict/$1.dict"
  return 0
}

nice_cmd() {
  if [[ "$NICE" != 0 ]]; then printf 'nice\n-n\n%s\n' "$NICE"; fi
}

# summarize TARGET SECONDS LOG: one line from libFuzzer's final stats.
summarize() {
  local t="$1" secs="$2" logf="$3"
  local done_line execs rate cov ft corp
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$logf" | tail -n1 || true)"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$logf" | tail -n1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logf" | tail -n1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")"
  corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$done_line")"
  printf '%-22s %6ss  execs %-10s exec/s %-7s cov %-6s ft %-7s corpus %s\n' \
    "$t" "$secs" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
}

# campaign TARGET SECONDS [libFuzzer args...]: returns libFuzzer's status.
campaign() {
  local t="${1%_fuzzer}" secs="$2"; shift 2
  local bin; bin="$(binary_of "$t")"
  local dir="$WORK/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  local logf="$dir/last-run.log"
  local -a cmd seeds dict niceness
  mapfile -t seeds < <(seed_dirs "$t")
  mapfile -t dict < <(dict_args "$t")
  mapfile -t niceness < <(nice_cmd)
  cmd=("${niceness[@]}" "$bin" "${DEFAULT_ARGS[@]}" "${dict[@]}" -max_total_time="$secs"
       -artifact_prefix="$dir/artifacts/" "$@" "$dir/corpus" "${seeds[@]}")
  log "fuzz $t for ${secs}s (log: $logf)"
  local rc=0
  "${cmd[@]}" >"$logf" 2>&1 || rc=$?
  summarize "$t" "$secs" "$logf"
  if [[ $rc -ne 0 ]]; then
    printf '%s: FAILED (exit %s); last lines of %s:\n' "$t" "$rc" "$logf" >&2
    tail -n 40 "$logf" >&2
    ls -1 "$dir/artifacts" >&2 || true
  fi
  return "$rc"
}

cmd_run() {
  local t="${1:-}"; [[ -n "$t" ]] || die "run: TARGET required (fuzz/run.sh list)"
  shift
  local secs=600
  if [[ $# -gt 0 && "$1" != "--" ]]; then secs="$1"; shift; fi
  [[ "$secs" =~ ^[0-9]+$ ]] || die "run: SECONDS must be a number, got '$secs'"
  if [[ $# -gt 0 && "$1" == "--" ]]; then shift; fi
  if [[ "$t" == all ]]; then
    local rc=0 x
    for x in $(targets); do campaign "$x" "$secs" "$@" || rc=1; done
    return "$rc"
  fi
  campaign "$t" "$secs" "$@"
}

cmd_smoke() {
  local secs="${1:-}"
  [[ "$secs" =~ ^[0-9]+$ ]] || die "smoke: SECONDS required"
  local rc=0 t
  for t in $(targets); do campaign "$t" "$secs" || rc=1; done
  return "$rc"
}

cmd_regress() {
  local rc=0 t bin n
  for t in $(targets); do
    bin="$(binary_of "$t")"
    local -a files=()
    local d
    while IFS= read -r d; do
      while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$d" -type f -print0 | sort -z)
    done < <(seed_dirs "$t")
    n="${#files[@]}"
    if [[ "$n" -eq 0 ]]; then
      printf '%-22s no corpus files\n' "$t"
      continue
    fi
    local logf="$WORK/$t/regress.log"
    mkdir -p "$WORK/$t/artifacts"
    # One process per target; libFuzzer runs each file given by name once.
    if "$bin" "${DEFAULT_ARGS[@]}" -artifact_prefix="$WORK/$t/artifacts/" "${files[@]}" \
        >"$logf" 2>&1; then
      printf '%-22s %5d inputs ok\n' "$t" "$n"
    else
      printf '%-22s FAILED on its corpus; last lines of %s:\n' "$t" "$logf"
      tail -n 30 "$logf"
      rc=1
    fi
  done
  return "$rc"
}

cmd_merge() {
  local t="${1:-}"; [[ -n "$t" ]] || die "merge: TARGET required"
  t="${t%_fuzzer}"
  local bin; bin="$(binary_of "$t")"
  [[ -d "$WORK/$t/corpus" ]] || die "merge: no campaign corpus in $WORK/$t/corpus"
  mkdir -p "$FUZZ_DIR/corpus/$t"
  "$bin" -merge=1 "${DEFAULT_ARGS[@]}" "$FUZZ_DIR/corpus/$t" "$WORK/$t/corpus"
}

case "${1:-}" in
  build) cmd_build ;;
  list) targets ;;
  regress) cmd_regress ;;
  smoke) shift; cmd_smoke "$@" ;;
  run) shift; cmd_run "$@" ;;
  merge) shift; cmd_merge "$@" ;;
  -h|--help|help|"") usage ;;
  *) die "unknown verb '$1' (build, list, regress, smoke SECONDS, run TARGET [SECONDS], merge TARGET)" ;;
esac
