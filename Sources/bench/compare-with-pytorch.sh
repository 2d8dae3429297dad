#!/usr/bin/env bash
# compare-with-pytorch.sh: Tapestry's training step against the PyTorch reference, side by side.
#
# A development-time tool, never needed to build, run or test Tapestry. Python appears here only
# as the PyTorch process being measured. It builds `bench` (and `train`) in release, then runs
# Tapestry (A) and PyTorch (B) interleaved, A B A B, first on 1 thread then on 2, and prints
# each measurement, the median ms/iter of each side, and the ratio Tapestry / PyTorch.
# The machine is noisy (shared vCPUs), so only ratios measured in the same run mean anything.
#
# Usage (from anywhere; it works in the repository root):
#   Sources/bench/compare-with-pytorch.sh [--reference PATH/torch_gpt.py] [--python PATH]
#                                         [--rounds R] [--baby] [--baby-rounds N] [--memory]
#   --reference    the shared PyTorch reference (default ../shared/reference/torch_gpt.py,
#                  relative to the repository root; a fresh clone has to pass it)
#   --python       a Python with torch (default ~/.refenv/bin/python, else python3)
#   --rounds R     A B rounds per thread count for nanoGPT's CPU config (default 5; 0 skips it)
#   --baby         also the baby GPT (6 layers, 6 heads, 384 embd, block 256, batch 64) on
#                  1 thread: several minutes per round
#   --baby-rounds  A B rounds of the baby GPT (default 2)
#   --memory       also the peak RSS of a short default `train` run (50 iterations; the peak
#                  does not depend on the iteration count) against the PyTorch process's
#   The targets: CPU config 1 thread <= 0.75, 2 threads <= 0.8, baby GPT <= 0.9, memory <= 0.5.
# It ends with a markdown table to paste into README.md ("Speed against PyTorch").

set -euo pipefail

die() { echo "compare-with-pytorch: $*" >&2; exit 1; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

reference=""
python=""
rounds=5
baby=0
baby_rounds=2
memory=0
usage="usage: Sources/bench/compare-with-pytorch.sh [--reference PATH/torch_gpt.py] [--python PATH] [--rounds R] [--baby] [--baby-rounds N] [--memory]"
while [ $# -gt 0 ]; do
    case "$1" in
        --reference) [ $# -ge 2 ] || die "--reference needs a path"; reference=$2; shift 2 ;;
        --python) [ $# -ge 2 ] || die "--python needs a path"; python=$2; shift 2 ;;
        --rounds) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--rounds needs a whole number"; rounds=$2; shift 2 ;;
        --baby) baby=1; shift ;;
        --baby-rounds) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "--baby-rounds needs a positive number"
                       baby_rounds=$2; shift 2 ;;
        --memory) memory=1; shift ;;
        -h|--help) echo "$usage"; exit 0 ;;
        *) die "unknown argument '$1'"$'\n'"$usage" ;;
    esac
done

[ "$rounds" -gt 0 ] || [ "$baby" = 1 ] || [ "$memory" = 1 ] || die "nothing to measure (--rounds 0 without --baby or --memory)"

# Paths given on the command line are relative to where the script was started; the rest of
# the script works in the repository root.
case "$reference" in "") reference="$root/../shared/reference/torch_gpt.py" ;; /*) ;; *) reference="$PWD/$reference" ;; esac
case "$python" in */*) [[ $python = /* ]] || python="$PWD/$python" ;; esac
cd "$root"

# ---------------------------------------------------------------- prerequisites
if [ -z "$python" ]; then
    if [ -x "$HOME/.refenv/bin/python" ]; then python="$HOME/.refenv/bin/python"; else python=python3; fi
fi
corpus="datasets/shakespeare.txt"
[ -f "$reference" ] || die "no PyTorch reference at '$reference' (pass --reference PATH/torch_gpt.py)"
command -v "$python" > /dev/null || die "no Python at '$python' (pass --python PATH)"
torch_version=$("$python" -c 'import torch; print(torch.__version__)' 2> /dev/null) \
    || die "'$python' cannot import torch (python3 -m venv ~/.refenv && ~/.refenv/bin/pip install torch numpy safetensors)"
if [ "$memory" = 1 ]; then          # the reference saves its checkpoint with safetensors
    "$python" -c 'import safetensors' 2> /dev/null \
        || die "--memory needs the safetensors package in '$python' (pip install safetensors)"
fi
[ -f "$corpus" ] || die "no corpus at $root/$corpus"
if [ "$memory" = 1 ]; then
    /usr/bin/time -v true > /dev/null 2>&1 || die "--memory needs GNU time at /usr/bin/time (apt-get install time)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/compare-with-pytorch.XXXXXX")
trap 'rm -rf "$work"' EXIT

machine="$(lscpu 2> /dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) vCPU"
today=$(date -u +%Y-%m-%d)
load=$(cut -d ' ' -f 1 /proc/loadavg 2> /dev/null || echo 0)
echo "machine: $machine; torch $torch_version; $today; load average $load"
if awk -v l="$load" 'BEGIN { exit !(l >= 1) }'; then
    echo "warning: other jobs are running (load average $load): expect noisy ratios, 2-thread ones most"
fi
echo "building bench and train (release)..."
swift build -c release --product bench > "$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "swift build of bench failed"; }
swift build -c release --product train > "$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "swift build of train failed"; }
bin=$(swift build -c release --show-bin-path)


# ---------------------------------------------------------------- helpers
# The number after "KEY": in a JSON text on standard input (first occurrence).
json_number() { { grep -o "\"$1\": *[-0-9.eE+]*" || true; } | head -n 1 | sed 's/.*: *//'; }

# Runs a command, saving its standard output in $work/out and its standard error in $work/err;
# on failure shows the error output and stops.
run() {
    "$@" > "$work/out" 2> "$work/err" || { tail -n 20 "$work/err" >&2; die "failed: $*"; }
}

# Tapestry's median ms/iter: bench train-step --threads T [--config baby].
tapestry_ms() {
    run "$bin/bench" train-step --threads "$1" --json "${@:2}"
    json_number ms_per_iter < "$work/out"
}

# PyTorch's median ms/iter: the reference's train command, no evaluation.
pytorch_ms() {
    local threads=$1 iters=$2 warmup=$3; shift 3
    run "$python" "$reference" train "$corpus" --threads "$threads" --max-iters "$iters" \
        --eval-iters 0 --timing-warmup "$warmup" "$@"
    tail -n 1 "$work/out" | json_number ms_per_iter
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Milliseconds per iteration as "12.3 ms/iter", or "12.3 s/iter" from 10 s up.
per_iter() { awk -v m="$1" 'BEGIN { if (m >= 10000) printf "%.1f s/iter", m / 1000; else printf "%.1f ms/iter", m }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "PASS" : "MISS" }'; }

summary=()   # markdown rows
# Runs R rounds of A (Tapestry) then B (PyTorch) and reports. Arguments: label threads rounds
# target then "--" then bench flags then "--" then PyTorch iters, warm-up and flags.
compare() {
    local label=$1 threads=$2 rounds=$3 target=$4; shift 4
    local bench_flags=() torch_args=()
    shift   # --
    while [ "$1" != "--" ]; do bench_flags+=("$1"); shift; done
    shift
    torch_args=("$@")
    local a_all="" b_all="" r a b
    echo
    echo "$label, $threads thread$([ "$threads" = 1 ] || echo s): $rounds round$([ "$rounds" = 1 ] || echo s) of Tapestry then PyTorch"
    for r in $(seq 1 "$rounds"); do
        a=$(tapestry_ms "$threads" ${bench_flags[@]+"${bench_flags[@]}"})
        b=$(pytorch_ms "$threads" "${torch_args[@]}")
        [ -n "$a" ] && [ -n "$b" ] || die "no ms_per_iter in the output of round $r"
        a_all="$a_all $a"; b_all="$b_all $b"
        printf '  round %d: Tapestry %14s   PyTorch %14s   ratio %s\n' "$r" "$(per_iter "$a")" "$(per_iter "$b")" "$(ratio "$a" "$b")"
    done
    local a_med b_med q
    a_med=$(echo "$a_all" | median); b_med=$(echo "$b_all" | median)
    q=$(ratio "$a_med" "$b_med")
    printf '  median:  Tapestry %14s   PyTorch %14s   ratio %s   target <= %s   %s\n' \
        "$(per_iter "$a_med")" "$(per_iter "$b_med")" "$q" "$target" "$(verdict "$q" "$target")"
    summary+=("$(printf '| %s, %s thread%s | %s | %s | **%s** | ≤ %s %s |' "$label" "$threads" \
        "$([ "$threads" = 1 ] || echo s)" "$(per_iter "$a_med")" "$(per_iter "$b_med")" "$q" "$target" "$(verdict "$q" "$target")")")
}

# ---------------------------------------------------------------- speed
if [ "$rounds" -gt 0 ]; then
    # PyTorch: 60 iterations, the median of the last 50 (about 4 s on 1 thread).
    compare "CPU config" 1 "$rounds" 0.75 -- -- 60 10
    compare "CPU config" 2 "$rounds" 0.8 -- -- 60 10
fi
if [ "$baby" = 1 ]; then
    # Tapestry's bench takes 1 warm-up and the median of 3 steps; PyTorch the same (4 iterations).
    compare "baby GPT" 1 "$baby_rounds" 0.9 -- --config baby -- 4 1 \
        --block-size 256 --batch-size 64 --n-layer 6 --n-head 6 --n-embd 384
fi

# ---------------------------------------------------------------- memory
# Peak resident set size (KiB) of a command, from GNU time.
peak_kib() {
    run /usr/bin/time -v "$@"
    sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): *//p' "$work/err"
}
if [ "$memory" = 1 ]; then
    echo
    echo "peak RSS: the default train config, 50 iterations, 1 thread (both evaluate and save as they do by default)"
    a=$(peak_kib "$bin/train" --max-iters 50 --threads 1 --out "$work/train-out")
    b=$(peak_kib "$python" "$reference" train "$corpus" --threads 1 --max-iters 50 --lr-decay-iters 2000 \
        --save "$work/torch.safetensors")
    torch_import=$(peak_kib "$python" -c 'import torch')   # context: the library alone, before any tensor
    [ -n "$a" ] && [ -n "$b" ] && [ -n "$torch_import" ] || die "no 'Maximum resident set size' in /usr/bin/time's output"
    q=$(ratio "$a" "$b")
    printf '  Tapestry %7.1f MiB   PyTorch %7.1f MiB   ratio %s   target <= 0.5   %s\n' \
        "$(awk -v k="$a" 'BEGIN { print k / 1024 }')" "$(awk -v k="$b" 'BEGIN { print k / 1024 }')" "$q" "$(verdict "$q" 0.5)"
    printf '  (PyTorch after import torch alone: %.1f MiB)\n' "$(awk -v k="$torch_import" 'BEGIN { print k / 1024 }')"
    summary+=("$(awk -v a="$a" -v b="$b" -v q="$q" -v v="$(verdict "$q" 0.5)" \
        'BEGIN { printf "| peak RSS, default train | %.0f MiB | %.0f MiB | **%s** | ≤ 0.5 %s |", a / 1024, b / 1024, q, v }')")
fi

# ---------------------------------------------------------------- summary
[ ${#summary[@]} -gt 0 ] || exit 0
echo
echo "Measured $today on $machine, load average $load at the start (torch $torch_version, Tapestry $(git describe --always --dirty 2> /dev/null || echo '?')):"
echo
echo "| case | Tapestry | PyTorch | Tapestry / PyTorch | target |"
echo "|---|---|---|---|---|"
printf '%s\n' "${summary[@]}"
