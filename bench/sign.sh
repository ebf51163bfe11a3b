#!/usr/bin/env bash
# Side-by-side benchmark of `goose sign rpm --jobs 2` against `rpmsign --addsign` (one call with all
# files, as people run it) on the same N copies of unsigned fixture RPMs, with throwaway keys in a
# temporary GNUPGHOME: an RSA-3072 key and an Ed25519 key by default. goose runs with its default signer
# (gpg-agent signs for goose) and, for reference, with --signer gpg (one gpg per package, like rpmsign).
# Checks that every result verifies with rpmkeys, then prints packages/s and the ratios (> 1: goose faster).
# Each of ROUNDS rounds signs fresh copies on every side; the best time of each side is compared (the machine's
# noise only ever adds time), and every round's times are printed.
# Usage: bench/sign.sh [COUNT] [JOBS] [KEY_TYPES] [ROUNDS]    e.g. bench/sign.sh 500 2 "rsa3072 ed25519" 3
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-500}"
jobs="${2:-2}"
key_types="${3:-rsa3072 ed25519}"
rounds="${4:-3}"
fixtures="$root/../shared/fixtures/rpms"
goose="${GOOSE_BINARY:-}"
if [ -z "$goose" ]; then
    # As scripts/bootstrap builds the binary that ships: the Swift runtime linked in.
    (cd "$root" && swift build -c release --static-swift-stdlib >/dev/null)
    goose="$(cd "$root" && swift build -c release --static-swift-stdlib --show-bin-path)/goose"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/goose-bench-sign.XXXXXX")"
export GNUPGHOME="$work/gnupg"
cleanup() { gpgconf --kill all 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -m 700 "$GNUPGHOME"

# Unsigned fixture packages that rpm 4.18 reads, copied round-robin to COUNT files per side.
sources=("$fixtures"/el7-git218/*.rpm "$fixtures"/go-rpmutils/*.rpm)
prepare() {
    rm -rf "${work:?}/${1:?}"; mkdir "$work/$1"
    for i in $(seq 1 "$count"); do
        source="${sources[$(( (i - 1) % ${#sources[@]} ))]}"
        install -m 644 "$source" "$work/$1/$(basename "$source" .rpm)-$i.rpm"
    done
}
now() { date +%s.%N; }
rate() { echo "$count / $1" | bc -l; }

printf 'packages: %d, goose --jobs %d, %d cores, load average %s\n' "$count" "$jobs" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
for key_type in $key_types; do
    gpg --batch --quiet --passphrase '' --quick-gen-key "goose bench $key_type <$key_type@example.org>" "$key_type" sign never 2>/dev/null
    fpr=$(gpg --with-colons --list-keys "$key_type@example.org" | awk -F: '/^fpr/ { print $10; exit }')
    gpg --batch --armor --export "$fpr" > "$work/$key_type.asc"
    rpmsign_seconds=""; goose_seconds=""; gpg_seconds=""
    best() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
    for round in $(seq 1 "$rounds"); do
        for side in rpmsign goose goose-gpg; do prepare "$side"; done
        # Warm the agent and the page cache so no side pays for it.
        echo warm | gpg --batch -u "$fpr" -sb >/dev/null
        cat "$work"/rpmsign/*.rpm "$work"/goose/*.rpm "$work"/goose-gpg/*.rpm > /dev/null

        start=$(now)
        rpmsign --define "_gpg_name $fpr" --define '__gpg /usr/bin/gpg' --define '_gpg_digest_algo sha256' \
            --addsign "$work"/rpmsign/*.rpm > /dev/null 2> "$work/rpmsign.log" || { cat "$work/rpmsign.log" >&2; exit 1; }
        rpmsign_round=$(echo "$(now) - $start" | bc -l)
        start=$(now)
        "$goose" sign rpm --quiet --jobs "$jobs" --key "$fpr" "$work/goose"
        goose_round=$(echo "$(now) - $start" | bc -l)
        start=$(now)
        "$goose" sign rpm --quiet --signer gpg --jobs "$jobs" --key "$fpr" "$work/goose-gpg"
        gpg_round=$(echo "$(now) - $start" | bc -l)
        printf '  %s round %d: rpmsign %.2f s, goose %.2f s, goose --signer gpg %.2f s\n' "$key_type" "$round" "$rpmsign_round" "$goose_round" "$gpg_round"
        rpmsign_seconds=$(best "$rpmsign_seconds" "$rpmsign_round")
        goose_seconds=$(best "$goose_seconds" "$goose_round")
        gpg_seconds=$(best "$gpg_seconds" "$gpg_round")

        rm -rf "$work/db"; mkdir "$work/db"
        rpmkeys --dbpath "$work/db" --import "$work/$key_type.asc"
        for side in rpmsign goose goose-gpg; do
            bad=$(rpmkeys --dbpath "$work/db" --checksig "$work/$side"/*.rpm | grep -vc ': digests signatures OK$' || true)
            [ "$bad" = 0 ] || { echo "$side: $bad packages do not verify" >&2; exit 1; }
        done
    done

    printf '%s key (best of %d):\n' "$key_type" "$rounds"
    printf '  rpmsign --addsign:           %7.2f s  %7.1f packages/s\n' "$rpmsign_seconds" "$(rate "$rpmsign_seconds")"
    printf '  goose sign rpm:              %7.2f s  %7.1f packages/s  ratio %.2f\n' "$goose_seconds" "$(rate "$goose_seconds")" "$(echo "$rpmsign_seconds / $goose_seconds" | bc -l)"
    printf '  goose sign rpm --signer gpg: %7.2f s  %7.1f packages/s  ratio %.2f\n' "$gpg_seconds" "$(rate "$gpg_seconds")" "$(echo "$rpmsign_seconds / $gpg_seconds" | bc -l)"
done
printf 'ratio = rpmsign time / goose time; load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
