#!/usr/bin/env bash
# Side-by-side benchmark of `goose build-order` against the shell approach people use today:
# `rpmspec -q --buildrequires` and `rpmspec -q --provides` per spec, then `tsort` on the provider pairs.
# Both read the same specs with the same macros. Prints ratios (> 1 means goose is faster) for a first run
# (empty cache) and a cached re-run, and the time of the graph and waves of a synthetic 3,000-package
# distribution with cycles.
# Also prints the floor under any first run: librpm's spec parser alone over the same specs in one process
# (`goose _bench-parse-specs`), with the CPU its %(...) shell-outs take.
# Usage: bench/build-order.sh [SPEC_TREE] [MAX_SPECS] [-- rpm macro definitions, e.g. 'dist .azl3']
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
tree="${1:-$root/../shared/fixtures/specs/photon}"
limit="${2:-0}"
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
defines=("$@")
goose="${GOOSE_BINARY:-}"
if [ -z "$goose" ]; then
    (cd "$root" && swift build -c release >/dev/null)
    goose="$(cd "$root" && swift build -c release --show-bin-path)/goose"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/goose-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The corpus: <pkg>/<pkg>.spec (first spec of each directory), optionally only the first MAX_SPECS.
for dir in "$tree"/*/; do
    name=$(basename "$dir")
    if [ -f "$dir/$name.spec" ]; then echo "$dir$name.spec"; else ls "$dir"*.spec 2>/dev/null | head -1; fi
done > "$work/all"
if [ "$limit" -gt 0 ]; then head -n "$limit" "$work/all" > "$work/specs"; else cp "$work/all" "$work/specs"; fi
mkdir -p "$work/corpus"
while read -r spec; do
    name=$(basename "$(dirname "$spec")")
    mkdir -p "$work/corpus/$name" && cp "$spec" "$work/corpus/$name/$name.spec"
    # Some specs %include files from their directory: give both tools the same files.
    find "$(dirname "$spec")" -maxdepth 1 -type f ! -name '*.spec' -size -1M -exec cp {} "$work/corpus/$name/" \;
done < "$work/specs"
count=$(wc -l < "$work/specs")

macro_args=()
for definition in "${defines[@]}"; do macro_args+=(--define "$definition"); done
goose_macro_args=()
for definition in "${defines[@]}"; do goose_macro_args+=(--define "$definition"); done

# Wall time and CPU time (user + system, children included: rpmspec, workers, shell-outs). On a shared machine
# the wall clock also measures the neighbours; the CPU seconds say what each side costs by itself.
TIMEFORMAT='%R %U %S'
timed() { # timed OUTFILE command...: runs the command, writes "wall cpu" to OUTFILE
    local out="$1"; shift
    { time "$@" ; } 2> "$out.raw"
    tail -1 "$out.raw" | awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' > "$out"
}
wall() { cut -d' ' -f1 "$1"; }
cpu() { cut -d' ' -f2 "$1"; }

shell_order() {
    local out="$1" spec name
    : > "$out/provides"; : > "$out/requires"
    for spec in "$work"/corpus/*/*.spec; do
        name=$(basename "$(dirname "$spec")")
        rpmspec -q --buildrequires "${macro_args[@]}" "$spec" 2>/dev/null | awk -v n="$name" '{print n, $1}' >> "$out/requires" || true
        rpmspec -q --provides "${macro_args[@]}" "$spec" 2>/dev/null | awk -v n="$name" '{print $1, n}' >> "$out/provides" || true
    done
    # provide -> source, then BuildRequires -> "needed-source needing-source" pairs for tsort.
    awk 'NR == FNR { if (!($1 in p)) p[$1] = $2; next } ($2 in p) && p[$2] != $1 { print p[$2], $1 } { print $1, $1 }' \
        "$out/provides" "$out/requires" | tsort > "$out/order" 2>/dev/null || true
}
goose_order() { "$goose" build-order -q --format list "${goose_macro_args[@]}" "$work/corpus" > "$1" 2>/dev/null || true; }

echo "corpus: $count specs from $tree${defines:+ (macros: ${defines[*]})}"
mkdir -p "$work/shell"
timed "$work/t-shell" shell_order "$work/shell"
echo "shell (rpmspec x2 per spec + tsort): $(wall "$work/t-shell")s (CPU $(cpu "$work/t-shell")s), $(wc -l < "$work/shell/order") packages ordered"

export XDG_CACHE_HOME="$work/cache"
timed "$work/t-first" goose_order "$work/goose-first"
timed "$work/t-cached" goose_order "$work/goose-cached"
cmp -s "$work/goose-first" "$work/goose-cached" || echo "WARNING: cached run printed a different order"
echo "goose first run (empty cache, $(nproc) cores): $(wall "$work/t-first")s (CPU $(cpu "$work/t-first")s), $(wc -l < "$work/goose-first") packages ordered"
echo "goose cached run:                   $(wall "$work/t-cached")s (CPU $(cpu "$work/t-cached")s)"
# The floor under any first run: librpm's parser alone, spec after spec in one process (no workers, cache or JSON).
floor_line=$("$goose" _bench-parse-specs "${goose_macro_args[@]}" "$work/corpus" 2>/dev/null)
echo "librpm parse alone, one process:    $floor_line"
ratio() { echo "$1 / $2" | bc -l; }
printf 'ratio first run:  %.1fx wall, %.1fx CPU (target >= 10x)\n' "$(ratio "$(wall "$work/t-shell")" "$(wall "$work/t-first")")" "$(ratio "$(cpu "$work/t-shell")" "$(cpu "$work/t-first")")"
printf 'ratio cached run: %.1fx wall, %.1fx CPU (target >= 50x)\n' "$(ratio "$(wall "$work/t-shell")" "$(wall "$work/t-cached")")" "$(ratio "$(cpu "$work/t-shell")" "$(cpu "$work/t-cached")")"
echo "synthetic graph (target < 200 ms): $("$goose" _bench-build-order-graph --packages 3000)"
