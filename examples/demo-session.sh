#!/usr/bin/env bash
# The `./dev demo` session: serve a copy of examples/demo-tree with
# `hardgofer serve --listen` and drive it with `hardgofer client`, printing
# each step. Usage: examples/demo-session.sh PATH_TO_HARDGOFER
#
# Everything lives in one temporary directory, removed on exit (also when a
# step fails): the server is stopped with SIGTERM first, so it removes its
# socket and releases the tree.
set -euo pipefail

bin="${1:?usage: demo-session.sh PATH_TO_HARDGOFER}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/hardgofer-demo.XXXXXX")"
servers=()

stop_server() {  # stop_server PID: SIGTERM, then wait for its exit code
  local pid="$1" rc=0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || rc=$?
  return "$rc"
}
cleanup() {
  local pid
  for pid in "${servers[@]}"; do
    kill -0 "$pid" 2>/dev/null && { stop_server "$pid" || true; }
  done
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
step() {  # step ARGS...: prints and runs one client command
  printf '$ hardgofer client %s\n' "$*"
  "$bin" client --socket "$sock" "$@"
}

start_server() {  # start_server SOCKET [serve flags...]
  local s="$1"; shift
  "$bin" serve --root "$work/tree" --listen "$s" "$@" 2>>"$work/serve.log" &
  servers+=("$!")
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -S "$s" ]] && return 0
    kill -0 "${servers[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  printf 'demo: the server did not come up:\n' >&2
  cat "$work/serve.log" >&2
  return 1
}

cp -a "$here/demo-tree" "$work/tree"
sock="$work/gofer.sock"

say "$("$bin" --version)"
say "serving a copy of examples/demo-tree"
printf '$ hardgofer serve --root %s --listen %s &\n' "$work/tree" "$sock"
start_server "$sock"

say "reading"
step ls /
step stat hello.txt
step cat hello.txt
step stat notes-link
step cat notes-link        # resolved on the client side, as a sentry would

say "writing, renaming, removing"
printf 'Written through LisaFS by the demo.\n' >"$work/upload.txt"
step put "$work/upload.txt" docs/upload.txt
step mkdir archive
step mv docs/upload.txt archive
step ls archive
step cat archive/upload.txt
step rm archive/upload.txt
step rm archive
step ls /

say "what the host sees"
(cd "$work/tree" && find . -print | sort)

say "a read-only server refuses writes"
ro_sock="$work/gofer-ro.sock"
printf '$ hardgofer serve --root %s --listen %s --readonly &\n' "$work/tree" "$ro_sock"
start_server "$ro_sock" --readonly
sock="$ro_sock"
if step put "$work/upload.txt" refused.txt 2>&1; then
  printf 'demo: the read-only server accepted a write\n' >&2
  exit 1
fi
printf '(exit status 1, as expected)\n'

say "shutting down"
for pid in "${servers[@]}"; do
  stop_server "$pid" || { printf 'demo: server %s exited with an error\n' "$pid" >&2; exit 1; }
done
servers=()
[[ ! -e "$work/gofer.sock" && ! -e "$ro_sock" ]] || { printf 'demo: socket left behind\n' >&2; exit 1; }
printf 'servers stopped, sockets removed\n'
say "demo: ok"
