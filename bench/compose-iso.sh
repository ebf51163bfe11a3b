#!/usr/bin/env bash
# Side-by-side benchmark of goose's ISO step (libarchive, streaming) against `xorriso -as mkisofs -R -J`
# on the same tree: copies of the fixture RPMs with distinct names under Packages/<letter>/, built once
# and cached in $GOOSE_BENCH_CACHE (default /var/tmp/goose-bench-compose-iso).
# Prints wall times, the speed ratio (target ≥ 0.8× xorriso) and peak memory from /usr/bin/time -v
# (target < 200 MB). Size with GOOSE_BENCH_ISO_MB (default 1024 = 1 GiB). File data is streamed, so goose's
# memory grows with the number of files (libarchive keeps every entry until it writes the directories at
# close, ~3.4 KB each with Rock Ridge + Joliet), not with their size; the fixture RPMs are small, so 1 GiB is
# ~46,000 files. To show where goose's peak comes from, it also prints the floor under it: libarchive's own
# bsdtar writing the same tree with the same ISO options (libarchive's per-entry state with a small C
# program around it, when libarchive-tools is installed), and goose's start-up RSS (`goose --version`:
# the Swift runtime, Foundation and the linked C libraries, mostly shared clean pages).
# Usage: bench/compose-iso.sh [ROUNDS]
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-1}"
megabytes="${GOOSE_BENCH_ISO_MB:-1024}"
cache="${GOOSE_BENCH_CACHE:-/var/tmp/goose-bench-compose-iso}"
fixtures="${GOOSE_FIXTURES:-$root/../shared/fixtures}"
goose="${GOOSE_BINARY:-}"
for tool in xorriso /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
if [ -z "$goose" ]; then
    (cd "$root" && swift build -c release >/dev/null)
    goose="$(cd "$root" && swift build -c release --show-bin-path)/goose"
fi
tree="$cache/tree-${megabytes}M"
if [ ! -f "$tree.done" ]; then
    rm -rf "$tree"
    mkdir -p "$tree"
    target=$((megabytes * 1024 * 1024))
    total=0
    copy=0
    mapfile -t rpms < <(find "$fixtures/rpms" -name '*.rpm' | sort)
    declare -A sizes
    for rpm in "${rpms[@]}"; do sizes[$rpm]="$(stat -c %s "$rpm")"; done
    while [ "$total" -lt "$target" ]; do
        copy=$((copy + 1))
        for rpm in "${rpms[@]}"; do
            name="$(basename "$rpm")"
            letter="$(printf %s "$name" | cut -c1 | tr 'A-Z' 'a-z')"
            mkdir -p "$tree/Packages/$letter"
            cp "$rpm" "$tree/Packages/$letter/copy$copy-$name"
            total=$((total + ${sizes[$rpm]}))
        done
    done
    touch "$tree.done"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/goose-bench-iso.XXXXXX")"
trap 'rm -rf "$work"' EXIT
files="$(find "$tree" -type f | wc -l)"
echo "tree: $tree ($(du -sh "$tree" | cut -f1), $files files)"

measure() { # label command...
    local label="$1"; shift
    /usr/bin/time -v "$@" >"$work/$label.out" 2>"$work/$label.time"
    local wall peak
    wall="$(grep 'Elapsed (wall clock)' "$work/$label.time" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')"
    peak="$(grep 'Maximum resident set size' "$work/$label.time" | awk '{print $NF}')"
    echo "$wall $peak"
}

for round in $(seq 1 "$rounds"); do
    # Warm the page cache for both the same way.
    find "$tree" -type f -exec cat {} + >/dev/null
    read -r xorriso_time xorriso_peak < <(measure xorriso xorriso -as mkisofs -quiet -R -J -V BENCH -o "$work/xorriso.iso" "$tree")
    rm -f "$work/xorriso.iso"
    read -r goose_time goose_peak < <(TMPDIR="$work" measure goose "$goose" write-iso "$tree" --output "$work/goose.iso" --volume-id BENCH)
    size="$(stat -c %s "$work/goose.iso")"
    rm -f "$work/goose.iso"
    ratio="$(echo "scale=2; $xorriso_time / $goose_time" | bc)"
    echo "round $round: xorriso ${xorriso_time}s (peak $((xorriso_peak / 1024)) MB), goose write-iso ${goose_time}s (peak $((goose_peak / 1024)) MB, ISO $((size / 1048576)) MiB); goose speed = ${ratio}× xorriso's (target ≥ 0.8×, peak < 200 MB)"
done

# The floor under goose's peak: libarchive's own state for this tree, plus goose's process start-up.
read -r _ startup_peak < <(measure startup "$goose" --version)
if command -v bsdtar >/dev/null; then
    read -r bsdtar_time bsdtar_peak < <(TMPDIR="$work" measure bsdtar bsdtar -cf "$work/bsdtar.iso" --format iso9660 \
        --options 'iso9660:rockridge=strict,iso9660:joliet=1,iso9660:iso-level=3,iso9660:volume-id=BENCH' -C "$tree" .)
    rm -f "$work/bsdtar.iso"
    echo "floor: libarchive's bsdtar, same tree and options, ${bsdtar_time}s (peak $((bsdtar_peak / 1024)) MB); goose start-up peak $((startup_peak / 1024)) MB"
else
    echo "floor: goose start-up peak $((startup_peak / 1024)) MB (install libarchive-tools to measure libarchive alone with bsdtar)"
fi
