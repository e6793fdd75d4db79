#!/bin/sh
# A stand-in for docker, podman and podman-compose in unit tests. Each call is
# recorded under $FAKE_DIR/calls/NANOS-PID/: args (one per line), stdin, env,
# and the -f file's content and mode when one is given. The reply comes from
# $FAKE_DIR/resp/PROG-KEY.{out,err,exit}, where PROG is this script's name
# and KEY the first argument, or compose-VERB for compose calls. The engine's
# environment is allow-listed, so FAKE_DIR is found next to the bin directory
# the fake runs from (BIN/../fake) unless the environment names it.
FAKE_DIR=${FAKE_DIR:-$(dirname "$0")/../fake}
d="$FAKE_DIR/calls/$(date +%s%N)-$$"
mkdir -p "$d"
printf '%s\n' "$@" >"$d/args"
cat >"$d/stdin"
env >"$d/env"
prog=$(basename "$0")
key=$1
prev=
for a in "$@"; do
  if [ "$prev" = -f ] && [ "$a" != - ]; then
    cp "$a" "$d/file"
    stat -c %a "$a" >"$d/filemode"
  fi
  prev=$a
done
if [ "$1" = compose ] || [ "$prog" = podman-compose ]; then
  for a in "$@"; do
    case $a in up|down|config) key=compose-$a; break ;; esac
  done
fi
r="$FAKE_DIR/resp/$prog-$key"
[ -f "$r.out" ] && cat "$r.out"
[ -f "$r.err" ] && cat "$r.err" >&2
[ -f "$r.exit" ] && exit "$(cat "$r.exit")"
exit 0
