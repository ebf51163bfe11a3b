#!/usr/bin/env bash
# Side-by-side benchmark of `goose mirror-sync` against `rsync -a` on the same generated tree, both over
# loopback: an rsync daemon for rsync, python3's http.server for goose. Three rounds: first full sync,
# no-op re-sync, re-sync after 1% of the files changed. Prints wall times, goose/rsync ratios and the bytes
# each moved on the 1% update against the changed bytes.
# Targets (issue 8): full ≤ 1.2× rsync, no-op ≤ 1.0× rsync, 1% update bytes ≤ 1.1× changed bytes.
# Usage: bench/mirror-sync.sh            (10,000 files, ≥ 1 GiB: the issue's size)
#        BENCH_FILES=2000 BENCH_MIB=200 bench/mirror-sync.sh   (smaller, same method)
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
files="${BENCH_FILES:-10000}"
mib="${BENCH_MIB:-1100}"
jobs="${BENCH_JOBS:-4}"
goose="${GOOSE_BINARY:-}"
if [ -z "$goose" ]; then
    (cd "$root" && swift build -c release >/dev/null)
    goose="$(cd "$root" && swift build -c release --show-bin-path)/goose"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/goose-mirror-bench.XXXXXX")"
pids=""
cleanup() { for pid in $pids; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# The tree: repos of $files files in 20 repo roots; most files small, a few large, ~$mib MiB in total
# (like a distribution tree: many packages, some images).
master="$work/master"
echo "generating $files files, ~$mib MiB in $master"
python3 - "$master" "$files" "$mib" <<'PY'
import os, random, sys
top, count, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(8)
roots = [f"el9/{repo}/{arch}" for repo in ("BaseOS", "AppStream", "CRB", "extras", "HA") for arch in ("x86_64", "aarch64", "ppc64le", "s390x")]
large = max(1, count // 500)
large_size = (mib * 1048576 * 3 // 4) // large
small_size = (mib * 1048576 // 4) // max(1, count - large)
block = os.urandom(1 << 20)
for index in range(count):
    root = roots[index % len(roots)]
    path = f"{top}/{root}/Packages/{chr(97 + index % 26)}/pkg-{index}-1.el9.rpm"
    size = large_size if index < large else max(1, int(small_size * random.uniform(0.5, 1.5)))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(os.urandom(16))
        left = size - 16
        while left > 0:
            f.write(block[: min(left, len(block))]); left -= len(block)
for root in roots:
    os.makedirs(f"{top}/{root}/repodata", exist_ok=True)
    with open(f"{top}/{root}/repodata/repomd.xml", "w") as f:
        f.write(f"<repomd><revision>{random.random()}</revision></repomd>\n")
PY
"$goose" mirror manifest --jobs "$jobs" "$master" >/dev/null
total_bytes=$(du -sb "$master" | cut -f1)
echo "tree: $(find "$master" -type f | wc -l) files, $((total_bytes / 1048576)) MiB"

# Servers on loopback.
rsync_port=$(free_port)
printf 'use chroot = no\nmax connections = 0\n[master]\npath = %s\nread only = yes\n' "$master" > "$work/rsyncd.conf"
rsync --daemon --no-detach --config="$work/rsyncd.conf" --port="$rsync_port" --address=127.0.0.1 & pids="$pids $!"
http_port=$(free_port)
python3 -m http.server "$http_port" --bind 127.0.0.1 --directory "$master" 2>/dev/null & pids="$pids $!"
sleep 1

rsync_copy="$work/rsync-copy"; goose_copy="$work/goose-copy"
run_rsync() { rsync -a --delete --stats "rsync://127.0.0.1:$rsync_port/master/" "$rsync_copy/" > "$work/rsync.stats"; }
run_goose() { "$goose" mirror-sync --json --jobs "$jobs" "http://127.0.0.1:$http_port/" "$goose_copy" > "$work/goose.json"; }
timed() { local start end; sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; start=$(now); "$@"; end=$(now); echo "$end - $start" | bc; }
rsync_bytes() { grep 'Total bytes received' "$work/rsync.stats" | tr -dc '0-9'; }
goose_bytes() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["transferredBytes"])' "$work/goose.json"; }
ratio() { echo "scale=2; $1 / $2" | bc; }

printf '\n%-22s %10s %10s %8s\n' "round" "rsync s" "goose s" "ratio"
full_rsync=$(timed run_rsync); full_goose=$(timed run_goose)
printf '%-22s %10.2f %10.2f %8s\n' "full sync" "$full_rsync" "$full_goose" "$(ratio "$full_goose" "$full_rsync")"
noop_rsync=$(timed run_rsync); noop_goose=$(timed run_goose)
printf '%-22s %10.2f %10.2f %8s\n' "no-op re-sync" "$noop_rsync" "$noop_goose" "$(ratio "$noop_goose" "$noop_rsync")"

# 1% of the files change (new content, same names), and each repo gets a new repomd.xml.
changed=$(python3 - "$master" <<'PY'
import os, random, sys
top = sys.argv[1]
random.seed(1)
paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs if f.endswith(".rpm"))
total = 0
for path in random.sample(paths, max(1, len(paths) // 100)):
    size = os.path.getsize(path)
    with open(path, "wb") as f: f.write(os.urandom(size))
    total += size
for d, _, fs in os.walk(top):
    if d.endswith("/repodata"):
        p = os.path.join(d, "repomd.xml")
        with open(p, "a") as f: f.write("<!-- update -->\n")
        total += os.path.getsize(p)
print(total)
PY
)
"$goose" mirror manifest --jobs "$jobs" "$master" >/dev/null
update_rsync=$(timed run_rsync); rsync_moved=$(rsync_bytes)
update_goose=$(timed run_goose); goose_moved=$(goose_bytes)
printf '%-22s %10.2f %10.2f %8s\n' "1% update" "$update_rsync" "$update_goose" "$(ratio "$update_goose" "$update_rsync")"
printf '\nchanged bytes %s; moved: rsync %s (%sx), goose %s (%sx)\n' "$changed" "$rsync_moved" "$(ratio "$rsync_moved" "$changed")" \
    "$goose_moved" "$(ratio "$goose_moved" "$changed")"
diff -r -q -x .goose-sync -x fullfiletimelist "$master" "$goose_copy" && echo "goose copy identical to master (diff -r)"
diff -r -q "$master" "$rsync_copy" >/dev/null && echo "rsync copy identical to master (diff -r)"
echo "targets: full ≤ 1.20, no-op ≤ 1.00, 1% bytes ≤ 1.10x changed"
