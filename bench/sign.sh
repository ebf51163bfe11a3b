#!/usr/bin/env bash
# Side-by-side benchmark of `goose sign rpm --jobs 2` against `rpmsign --addsign` (one call with all
# files, as people run it) on the same N copies of unsigned fixture RPMs, with a throwaway RSA key in
# a temporary GNUPGHOME. Checks that both results verify with rpmkeys, then prints packages/s and the
# ratio (> 1 means goose is faster). Usage: bench/sign.sh [COUNT] [JOBS] [KEY_TYPE]
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-500}"
jobs="${2:-2}"
key_type="${3:-rsa3072}"
fixtures="$root/../shared/fixtures/rpms"
goose="${GOOSE_BINARY:-}"
if [ -z "$goose" ]; then
    (cd "$root" && swift build -c release >/dev/null)
    goose="$(cd "$root" && swift build -c release --show-bin-path)/goose"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/goose-bench-sign.XXXXXX")"
export GNUPGHOME="$work/gnupg"
cleanup() { gpgconf --kill all 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'goose bench <bench@example.org>' "$key_type" sign never 2>/dev/null
fpr=$(gpg --with-colons --list-keys bench@example.org | awk -F: '/^fpr/ { print $10; exit }')
gpg --batch --armor --export "$fpr" > "$work/key.asc"

# Unsigned fixture packages that rpm 4.18 reads, copied round-robin to COUNT files per side.
sources=("$fixtures"/el7-git218/*.rpm "$fixtures"/go-rpmutils/*.rpm)
mkdir "$work/rpmsign" "$work/goose"
for i in $(seq 1 "$count"); do
    source="${sources[$(( (i - 1) % ${#sources[@]} ))]}"
    base=$(basename "$source" .rpm)
    install -m 644 "$source" "$work/rpmsign/$base-$i.rpm"
    install -m 644 "$source" "$work/goose/$base-$i.rpm"
done
# Warm the agent and the page cache so neither side pays for it.
echo warm | gpg --batch -u "$fpr" -sb >/dev/null
cat "$work"/rpmsign/*.rpm "$work"/goose/*.rpm > /dev/null

now() { date +%s.%N; }
start=$(now)
rpmsign --define "_gpg_name $fpr" --define '__gpg /usr/bin/gpg' --define '_gpg_digest_algo sha256' \
    --addsign "$work"/rpmsign/*.rpm > /dev/null 2> "$work/rpmsign.log" || { cat "$work/rpmsign.log" >&2; exit 1; }
rpmsign_seconds=$(echo "$(now) - $start" | bc -l)

start=$(now)
"$goose" sign rpm --quiet --jobs "$jobs" --key "$fpr" "$work/goose"
goose_seconds=$(echo "$(now) - $start" | bc -l)

mkdir "$work/db"
rpmkeys --dbpath "$work/db" --import "$work/key.asc"
for side in rpmsign goose; do
    bad=$(rpmkeys --dbpath "$work/db" --checksig "$work/$side"/*.rpm | grep -vc ': digests signatures OK$' || true)
    [ "$bad" = 0 ] || { echo "$side: $bad packages do not verify" >&2; exit 1; }
done

printf 'packages: %d, key: %s, goose --jobs %d, %d cores, load average %s\n' "$count" "$key_type" "$jobs" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'rpmsign --addsign: %7.2f s  %7.1f packages/s\n' "$rpmsign_seconds" "$(echo "$count / $rpmsign_seconds" | bc -l)"
printf 'goose sign rpm:    %7.2f s  %7.1f packages/s\n' "$goose_seconds" "$(echo "$count / $goose_seconds" | bc -l)"
printf 'ratio (rpmsign time / goose time): %.2f\n' "$(echo "$rpmsign_seconds / $goose_seconds" | bc -l)"
