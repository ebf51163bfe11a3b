#!/usr/bin/env bash
# Side-by-side benchmark of `goose mock-build` (bubblewrap sandbox, base host) against plain
# `rpmbuild --rebuild` on the host, for a noarch-style and a C fixture SRPM. Prints wall times (best of
# ROUNDS) and the ratio goose/rpmbuild (target: ≤ 1.2). "Cold" is the first goose build of a fresh
# workspace (root setup included); with base host there is no root to cache, so warm ≈ cold.
# Usage: bench/mock-build.sh [ROUNDS]  (the machine should be otherwise idle: the small builds take
# about 0.3 s, so a loaded machine's noise swamps the sandbox's fixed cost)
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
fixtures="$root/../shared/fixtures/srpms"
rounds="${1:-5}"
goose="${GOOSE_BINARY:-}"
if [ -z "$goose" ]; then
    # As scripts/bootstrap builds the binary that ships: the Swift runtime linked in.
    (cd "$root" && swift build -c release --static-swift-stdlib >/dev/null)
    goose="$(cd "$root" && swift build -c release --static-swift-stdlib --show-bin-path)/goose"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/goose-bench-mock.XXXXXX")"
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
# state.log's asctime (`2026-11-22 02:28:39,602`) as seconds.
stamp() { date -u -d "$(echo "$1" | cut -c1-23 | tr , .)" +%s.%N; }
# goose's fixed cost of one run from its state.log: start-up (exec to the root's init), init to the
# build phase, and build end to exit.
phases() {
    local log="$1/state.log" start="$2" end="$3"
    local init build_start build_end
    init=$(stamp "$(head -1 "$log")")
    build_start=$(stamp "$(grep 'Start: build phase' "$log")")
    build_end=$(stamp "$(grep 'Finish: build phase' "$log")")
    echo "$(echo "$init - $start" | bc) $(echo "$build_start - $init" | bc) $(echo "$end - $build_end" | bc)"
}
best() { sort -n | head -1; }
# CPU time (ms) of a command and everything it starts, from perf's inherited task clock: the sandbox's
# processes are not in goose's rusage (bwrap's init is not reaped by it), so `time` would undercount them.
cpu_ms() { perf stat -x, -e task-clock -o "$work/perf.out" -- "$@" >/dev/null 2>&1 && awk -F, '/task-clock/ { printf "%.0f\n", $1 }' "$work/perf.out"; }
has_perf=$(perf stat -x, -e task-clock -o /dev/null -- true >/dev/null 2>&1 && echo yes || echo no)
# Debian's rpmdb is empty: plain rpmbuild needs --nodeps too (goose checks BuildRequires itself).
plain() { rpmbuild --rebuild --nodeps --define "_topdir $1" "$2" >/dev/null 2>&1; }
# Debian has none of the fixtures' BuildRequires in its rpmdb: both sides build without the check.
sandboxed() { "$goose" mock-build --quiet --allow-missing-deps --resultdir "$1" "$2"; }

srpms="$fixtures/mock/test-C-1.1-0.src.rpm $fixtures/rpm-tests/hello-1.0-1.src.rpm"
# A real autotools C package, when its toolchain is installed (scripts/install-deps).
if command -v autoreconf >/dev/null && [ -e /usr/include/security/pam_modules.h ]; then
    srpms="$srpms $fixtures/pam-script/pam_script-1.1.7-1.fc20.src.rpm"
fi
for srpm in $srpms; do
    name=$(basename "$srpm" .src.rpm)
    start=$(now); sandboxed "$work/cold-$name" "$srpm"; end=$(now)
    cold=$(echo "$end - $start" | bc)
    : > "$work/plain.times"; : > "$work/goose.times"; : > "$work/phases"
    for round in $(seq "$rounds"); do
        start=$(now); plain "$work/plain-$name-$round" "$srpm"; end=$(now)
        echo "$end - $start" | bc >> "$work/plain.times"
        start=$(now); sandboxed "$work/goose-$name-$round" "$srpm"; end=$(now)
        echo "$end - $start" | bc >> "$work/goose.times"
        phases "$work/goose-$name-$round" "$start" "$end" >> "$work/phases"
    done
    plain_best=$(best < "$work/plain.times"); goose_best=$(best < "$work/goose.times")
    printf '%-16s rpmbuild --rebuild %6.3f s   goose mock-build warm %6.3f s   cold %6.3f s   ratio goose/rpmbuild %.2f (target <= 1.20)\n' \
        "$name" "$plain_best" "$goose_best" "$cold" "$(echo "$goose_best / $plain_best" | bc -l)"
    if [ "$has_perf" = yes ]; then
        : > "$work/plain.cpu"; : > "$work/goose.cpu"
        for round in $(seq "$rounds"); do
            cpu_ms rpmbuild --rebuild --nodeps --define "_topdir $work/cpu-plain-$name-$round" "$srpm" >> "$work/plain.cpu"
            cpu_ms "$goose" mock-build --quiet --allow-missing-deps --resultdir "$work/cpu-goose-$name-$round" "$srpm" >> "$work/goose.cpu"
        done
        plain_cpu=$(best < "$work/plain.cpu"); goose_cpu=$(best < "$work/goose.cpu")
        printf '%-16s CPU (best, all processes): rpmbuild %d ms, goose %d ms, ratio %.2f\n' "$name" "$plain_cpu" "$goose_cpu" "$(echo "$goose_cpu / $plain_cpu" | bc -l)"
    fi
    # Each column's best over the rounds: the fixed cost without the machine's noise.
    sort -n -k1 "$work/phases" | awk -v name="$name" '
        { for (i = 1; i <= 3; i++) if (NR == 1 || $i < best[i]) best[i] = $i }
        END { printf "%-16s goose fixed cost (best): start-up %.3f s, init to build %.3f s, build end to exit %.3f s\n", name, best[1], best[2], best[3] }' 
done
