#!/usr/bin/env bash
# Side-by-side benchmark of `goose import-srpm` against the shell pipeline packagers use today
# (rpm2cpio | cpio -idm, file --mime-encoding, sha512sum, git add && git commit per SRPM),
# on the same SRPMs, plus goose's SHA-512 throughput against sha512sum on a 1 GiB file.
# Prints ratios (> 1 means goose is faster). Usage: bench/import.sh [SRPM_DIR] [ROUNDS]
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
srpm_dir="${1:-$root/../shared/fixtures/srpms}"
rounds="${2:-3}"
goose="${GOOSE_BINARY:-}"
if [ -z "$goose" ]; then
    (cd "$root" && swift build -c release >/dev/null)
    goose="$(cd "$root" && swift build -c release --show-bin-path)/goose"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/goose-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# v4 and v6 rpm-basic share an NVR; the shell pipeline would not notice, goose would refuse the second.
find "$srpm_dir" \( -name '*.src.rpm' -o -name '*.nosrc.rpm' \) -not -path '*/rpm-rs/v4/*' | sort > "$work/srpms"
count=$(wc -l < "$work/srpms")
bytes=$(xargs du -cb < "$work/srpms" | tail -1 | cut -f1)

now() { date +%s.%N; }

shell_import() {
    local out="$1" srpm name dir file hash
    mkdir -p "$out/git" "$out/lookaside"
    while read -r srpm; do
        name=$(rpm -qp --qf '%{NAME}' "$srpm" 2>/dev/null)
        dir="$out/git/$name"
        mkdir -p "$dir"
        git -C "$dir" init -q
        (cd "$dir" && rpm2cpio "$srpm" 2>/dev/null | cpio -idm --quiet 2>/dev/null) || true
        for file in "$dir"/*; do
            [ -f "$file" ] || continue
            if [ "$(file -b --mime-encoding "$file")" = binary ]; then
                hash=$(sha512sum "$file" | cut -d' ' -f1)
                mkdir -p "$out/lookaside/$name/${file##*/}/sha512/$hash"
                mv "$file" "$out/lookaside/$name/${file##*/}/sha512/$hash/"
                echo "SHA512 (${file##*/}) = $hash" >> "$dir/sources"
                echo "/${file##*/}" >> "$dir/.gitignore"
            fi
        done
        git -C "$dir" add -A
        git -C "$dir" -c user.name=bench -c user.email=bench@localhost commit --allow-empty -qm "import $name"
    done < "$work/srpms"
}

goose_import() {
    local out="$1"
    "$goose" init "$out" >/dev/null
    xargs "$goose" import-srpm --workspace "$out" --jobs 2 --quiet < "$work/srpms"
}

best() { sort -n | head -1; }

echo "import: $count SRPMs, $((bytes / 1024)) KiB, best of $rounds rounds"
for round in $(seq "$rounds"); do
    start=$(now); shell_import "$work/shell-$round"; end=$(now)
    echo "$end - $start" | bc >> "$work/shell.times"
    start=$(now); goose_import "$work/goose-$round"; end=$(now)
    echo "$end - $start" | bc >> "$work/goose.times"
done
shell_time=$(best < "$work/shell.times")
goose_time=$(best < "$work/goose.times")
printf '  shell pipeline           %8.3f s\n' "$shell_time"
printf '  goose import-srpm -j2    %8.3f s\n' "$goose_time"
printf '  ratio (shell / goose)    %8.2f x   (target >= 2)\n' "$(echo "$shell_time / $goose_time" | bc -l)"

size_mib="${GOOSE_BENCH_HASH_MIB:-1024}"
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/big.bin"
cat "$work/big.bin" > /dev/null
for round in $(seq "$rounds"); do
    start=$(now); sha512sum "$work/big.bin" > /dev/null; end=$(now)
    echo "$end - $start" | bc >> "$work/sha512sum.times"
    start=$(now); "$goose" lookaside hash "$work/big.bin" > /dev/null; end=$(now)
    echo "$end - $start" | bc >> "$work/goosehash.times"
done
sum_time=$(best < "$work/sha512sum.times")
hash_time=$(best < "$work/goosehash.times")
echo "sha-512: ${size_mib} MiB file, best of $rounds rounds"
printf '  sha512sum                %8.3f s  (%6.0f MiB/s)\n' "$sum_time" "$(echo "$size_mib / $sum_time" | bc -l)"
printf '  goose lookaside hash     %8.3f s  (%6.0f MiB/s)\n' "$hash_time" "$(echo "$size_mib / $hash_time" | bc -l)"
printf '  throughput ratio         %8.2f x   (target >= 0.9)\n' "$(echo "$sum_time / $hash_time" | bc -l)"
