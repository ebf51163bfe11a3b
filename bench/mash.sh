#!/usr/bin/env bash
# Side-by-side benchmark of `goose mash` against the createrepo_c CLI on the same packages:
# a full run (no previous repository) and an incremental one after one build changed
# (createrepo_c --update against goose mash reusing the previous tree's metadata). Both sides link the
# packages into the repository (createrepo_c's once at setup, untimed; goose mash's in each timed run), and
# goose mash also runs its libsolv closure check and syncs the tree before publishing. No sqlite on either side.
# The ≥ 2,000 small RPMs are generated once with rpmbuild (specs with many subpackages) and cached
# in $GOOSE_BENCH_CACHE (default /var/tmp/goose-bench-mash), outside git.
# Prints times and ratios; targets: full ≤ 1.1× createrepo_c, incremental ≥ 5× faster than full.
# GOOSE_BENCH_PAYLOAD_KB=N gives every package N KiB of random payload (default 0: tiny packages, where fixed
# costs dominate; real distribution packages are larger, where reading and hashing the RPMs dominates).
# Usage: bench/mash.sh [ROUNDS]
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
jobs="$(nproc)"
payload_kb="${GOOSE_BENCH_PAYLOAD_KB:-0}"
cache="${GOOSE_BENCH_CACHE:-/var/tmp/goose-bench-mash}"
[ "$payload_kb" -eq 0 ] || cache="$cache-${payload_kb}k"
specs=20
subpackages=100
goose="${GOOSE_BINARY:-}"
if [ -z "$goose" ]; then
    # Linked as a release binary would ship (Swift's runtime static): a dynamically linked Swift stdlib and Foundation
    # cost ~50 ms of symbol binding at every start, which createrepo_c, a C program, does not pay.
    (cd "$root" && swift build -c release --static-swift-stdlib >/dev/null)
    goose="$(cd "$root" && swift build -c release --static-swift-stdlib --show-bin-path)/goose"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/goose-bench-mash.XXXXXX")"
trap 'rm -rf "$work"' EXIT

write_spec() { # name release count
    local name="$1" release="$2" count="$3" index
    echo "Name: $name"; echo "Version: 1.0"; echo "Release: $release"; echo "Summary: bench package"
    echo "License: MIT"; echo "BuildArch: noarch"; echo "%description"; echo "bench"
    for index in $(seq -w 1 "$count"); do
        echo "%package -n $name-sub$index"; echo "Summary: subpackage $index"; echo "Requires: $name = %{version}-%{release}"
        echo "%description -n $name-sub$index"; echo "sub"
        echo "%files -n $name-sub$index"; echo "/usr/share/$name/sub$index"
    done
    echo "%install"; echo "mkdir -p %{buildroot}/usr/share/$name"
    echo "for i in \$(seq -w 1 $count); do echo \$i > %{buildroot}/usr/share/$name/sub\$i; head -c ${payload_kb}K /dev/urandom >> %{buildroot}/usr/share/$name/sub\$i; done"
    echo "echo main > %{buildroot}/usr/share/$name/main"
    echo "%files"; echo "/usr/share/$name/main"
}

build_spec() { # name release count
    local top="$cache/rpmbuild"
    mkdir -p "$top/SPECS"
    write_spec "$1" "$2" "$3" > "$top/SPECS/$1-$2.spec"
    rpmbuild --quiet --nodeps --define "_topdir $top" --define "_dbpath $top/db" -bb "$top/SPECS/$1-$2.spec" >/dev/null 2>&1
}

if [ ! -f "$cache/done" ]; then
    echo "generating $((specs * (subpackages + 1))) RPMs in $cache (once) ..."
    rm -rf "$cache"; mkdir -p "$cache"
    for spec in $(seq -w 1 "$specs"); do build_spec "bench$spec" 1 "$subpackages"; done
    build_spec benchchanged 1 1
    build_spec benchchanged 2 1
    touch "$cache/done"
fi
find "$cache/rpmbuild/RPMS" -name '*.rpm' ! -name 'benchchanged-*-2.noarch.rpm' ! -name 'benchchanged-sub*-2.noarch.rpm' | sort > "$work/base"
find "$cache/rpmbuild/RPMS" -name 'benchchanged-*1.0-2.noarch.rpm' | sort > "$work/changed"
count=$(wc -l < "$work/base")

# Each timed run appends "wall cpu" (cpu = user + sys, children included) to a file; the machine may be shared,
# so CPU time is printed beside wall time.
# bash's time keyword reports milliseconds (/usr/bin/time only hundredths, a tenth of a tiny run).
timed() { # file command...
    local file="$1"; shift
    local TIMEFORMAT="%3R %3U %3S"
    { time "$@" ; } 2> "$work/time"
    awk 'END { printf "%s %.3f\n", $1, $2 + $3 }' "$work/time" >> "$file"
}
best() { sort -n -k"$2" "$1" | head -1 | cut -d' ' -f"$2"; }

# goose: one workspace with every build imported and tagged.
ws="$work/ws"
"$goose" init "$ws" >/dev/null
xargs "$goose" builds import --quiet --workspace "$ws" < "$work/base"
"$goose" tag create bench --workspace "$ws" >/dev/null
"$goose" tag add bench --from-builds --quiet --workspace "$ws"
# createrepo_c: the same files, hardlinked into one directory (as mash lays them out).
crdir="$work/createrepo"
mkdir -p "$crdir/Packages"
xargs -I{} ln {} "$crdir/Packages/" < "$work/base"
mash_command=("$goose" mash bench --workspace "$ws" --arches x86_64 --multilib none --keep 2 --jobs "$jobs" --quiet)

echo "packages: $count ($(du -sh --apparent-size "$cache/rpmbuild/RPMS" | cut -f1))   rounds: $rounds   jobs: $jobs   createrepo_c $(createrepo_c --version | head -1)"
: > "$work/cr-full"; : > "$work/goose-full"
for _ in $(seq "$rounds"); do
    rm -rf "$crdir/repodata"
    timed "$work/cr-full" createrepo_c --quiet --no-database --workers "$jobs" "$crdir"
    rm -rf "$ws/repos/bench" "$ws/.goose/cache/mash"
    timed "$work/goose-full" "${mash_command[@]}"
done

# Before each incremental round one build changes: benchchanged goes 1.0-1 → 1.0-2, then back, and so on.
find "$cache/rpmbuild/RPMS" -name 'benchchanged-*1.0-1.noarch.rpm' | sort > "$work/original"
xargs "$goose" builds import --quiet --workspace "$ws" < "$work/changed"
swap() { # from-release to-release file-list
    "$goose" tag add bench "benchchanged-1.0-$2" --quiet --workspace "$ws"
    "$goose" tag remove bench "benchchanged-1.0-$1" --workspace "$ws" >/dev/null
    rm -f "$crdir"/Packages/benchchanged-*1.0-"$1".noarch.rpm
    xargs -I{} ln {} "$crdir/Packages/" < "$3"
}
: > "$work/cr-incr"; : > "$work/goose-incr"
for round in $(seq "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then swap 1 2 "$work/changed"; else swap 2 1 "$work/original"; fi
    timed "$work/cr-incr" createrepo_c --quiet --no-database --update --workers "$jobs" "$crdir"
    timed "$work/goose-incr" "${mash_command[@]}"
done

report() { # label column
    local cf gf ci gi
    cf=$(best "$work/cr-full" "$2"); gf=$(best "$work/goose-full" "$2")
    ci=$(best "$work/cr-incr" "$2"); gi=$(best "$work/goose-incr" "$2")
    printf '%-4s full         createrepo_c %6.3fs   goose mash %6.3fs   goose/createrepo_c = %.2fx (target <= 1.1)\n' "$1" "$cf" "$gf" "$(echo "$gf / $cf" | bc -l)"
    printf '%-4s incremental  createrepo_c %6.3fs   goose mash %6.3fs   goose/createrepo_c = %.2fx\n' "$1" "$ci" "$gi" "$(echo "$gi / $ci" | bc -l)"
    printf '%-4s goose full/incremental = %.1fx faster (target >= 5)\n' "$1" "$(echo "$gf / $gi" | bc -l)"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (best of $rounds rounds each)"
report wall 1
report cpu 2
