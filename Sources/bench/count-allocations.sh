#!/usr/bin/env bash
# count-allocations.sh: heap allocations per steady-state training step, counted by the kernel.
#
# A development-time tool (never needed to build, run or test Tapestry). It puts uprobes on
# glibc's malloc, calloc, realloc, posix_memalign and aligned_alloc (`perf probe`, so it needs
# root and perf), runs a release `train` of the default config twice, for SHORT and LONG steps
# with no evaluation or sample in between, and prints (calls in LONG − calls in SHORT) /
# (LONG − SHORT): what one more step allocates, start-up excluded. Tensor buffers come from
# posix_memalign (BufferPool, ScratchBuffers); Swift objects, arrays and closure contexts from
# malloc.
#
# A step allocates nothing, on one thread or more: the trainer replays its recorded step, and
# the threaded kernels lend the workers `ParallelLoop` values rather than closures (a closure
# handed to another thread costs one small malloc per call; see Threads.swift).
#
# Usage: Sources/bench/count-allocations.sh [SHORT LONG] [--threads N]    (default 20 60, 1 thread)

set -euo pipefail
die() { echo "count-allocations: $*" >&2; exit 1; }

threads=1
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) [ $# -ge 2 ] || die "--threads needs a number"; threads=$2; shift 2 ;;
        *) positional+=("$1"); shift ;;
    esac
done
[[ $threads =~ ^[0-9]+$ && $threads -ge 1 ]] || die "--threads must be a whole number >= 1, got '$threads'"
short=${positional[0]:-20}
long=${positional[1]:-60}
[[ $short =~ ^[0-9]+$ && $long =~ ^[0-9]+$ && $long -gt $short ]] || die "SHORT and LONG must be whole numbers, LONG > SHORT"
command -v perf > /dev/null || die "needs perf (apt-get install linux-perf)"
[ "$(id -u)" = 0 ] || die "needs root (perf probe adds uprobes)"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
libc=$(ldd "$(command -v ls)" | awk '/libc\.so/ {print $3}')
[ -f "$libc" ] || die "cannot find libc"

work=$(mktemp -d "${TMPDIR:-/tmp}/count-allocations.XXXXXX")
trap 'perf probe -q -d "probe_libc:*" > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
functions="malloc calloc realloc posix_memalign aligned_alloc"
for f in $functions; do
    perf probe -q -x "$libc" -a "$f" 2> /dev/null || perf probe -l 2> /dev/null | grep -q "probe_libc:$f " \
        || die "perf probe could not add an uprobe on $f"
done

swift build -c release --product train > "$work/build.log" 2>&1 || { cat "$work/build.log"; die "build failed"; }

count() {   # count STEPS: prints "function calls" lines for one run
    perf stat -x, -e 'probe_libc:*' .build/release/train --threads "$threads" --max-iters "$1" --eval-interval 100000 \
        --log-interval 100000 --sample-length 1 --out "$work/out$1" 2>&1 > /dev/null \
        | awk -F, '/probe_libc:/ {sub(/.*probe_libc:/, "", $3); print $3, $1}'
}
count "$short" > "$work/short"
count "$long" > "$work/long"
echo "heap allocations per training step (default config, release, $threads thread(s), steps $short -> $long):"
join "$work/short" "$work/long" | awk -v d=$((long - short)) '{printf "  %-15s %8.1f\n", $1, ($3 - $2) / d}'
