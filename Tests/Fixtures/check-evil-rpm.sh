#!/bin/sh
# check-evil-rpm.sh - generate fixtures with make-evil-rpm.py and verify them
# with the real rpm tools (rpm, rpmkeys, rpm2cpio, cpio).  Exits non-zero if
# any check fails.  Hostile payloads are only listed (cpio -t), never
# extracted; only the benign package is extracted, inside a temp dir.
#
# Usage: Tests/Fixtures/check-evil-rpm.sh [-k]    (-k keeps the temp dir)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
GEN="python3 $HERE/make-evil-rpm.py"
KEEP=0
[ "${1:-}" = "-k" ] && KEEP=1
T=$(mktemp -d "${TMPDIR:-/tmp}/check-evil-rpm.XXXXXX") || exit 2
[ $KEEP = 1 ] && echo "temp dir: $T" || trap 'rm -rf "$T"' EXIT
FAIL=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAIL=$((FAIL + 1)); }

# gen FILE ARGS...
gen() { f=$1; shift; $GEN "$T/$f" --quiet "$@" || { fail "generate $f"; return 1; }; }

# digests_ok FILE: both rpm -K and rpmkeys -K must say "digests OK", exit 0.
digests_ok() {
    for tool in rpm rpmkeys; do
        out=$($tool -K --nosignature "$T/$1" 2>&1); rc=$?
        echo "    $tool -K --nosignature: $out"
        if [ $rc -eq 0 ] && [ "$out" = "$T/$1: digests OK" ]; then
            pass "$1: $tool -K digests OK"
        else
            fail "$1: $tool -K (rc=$rc)"
        fi
    done
}

# digests_bad FILE: both rpm -K and rpmkeys -K must fail.
digests_bad() {
    for tool in rpm rpmkeys; do
        out=$($tool -K --nosignature "$T/$1" 2>&1); rc=$?
        echo "    $tool -K --nosignature: $(echo "$out" | tr '\n' ' ')(rc=$rc)"
        if [ $rc -ne 0 ] && ! echo "$out" | grep -q 'digests OK'; then
            pass "$1: $tool -K rejects it"
        else
            fail "$1: $tool -K accepted a damaged package"
        fi
    done
}

# cpio_lists FILE NAME: `rpm2cpio FILE | cpio -t` has a line exactly NAME.
cpio_lists() {
    if rpm2cpio "$T/$1" | cpio -t --quiet 2>/dev/null | grep -Fxq -- "$2"; then
        pass "$1: cpio -t lists '$2'"
    else
        fail "$1: cpio -t does not list '$2'"
    fi
}

# same FILE DESC ACTUAL EXPECTED
same() {
    if [ "$3" = "$4" ]; then pass "$1: $2"; else fail "$1: $2: got '$3', want '$4'"; fi
}

echo "== 1. benign: spec + hello.txt"
if gen benign.src.rpm --name evil --version 1.0 --release 1 --file hello.txt=hello; then
    digests_ok benign.src.rpm
    same benign.src.rpm "rpm -qpl" "$(rpm -qpl "$T/benign.src.rpm" | tr '\n' ' ')" "evil.spec hello.txt "
    same benign.src.rpm "NAME ARCH SOURCERPM" \
        "$(rpm -qp --qf '%{NAME} %{ARCH} %{SOURCERPM}\n' "$T/benign.src.rpm")" "evil noarch (none)"
    same benign.src.rpm "SOURCEPACKAGE" "$(rpm -qp --qf '%{SOURCEPACKAGE}' "$T/benign.src.rpm")" "1"
    same benign.src.rpm "spec has RPMFILE_SPECFILE" \
        "$(rpm -qp --qf '[%{FILENAMES}:%{FILEFLAGS} ]' "$T/benign.src.rpm")" "evil.spec:32 hello.txt:0 "
    mkdir "$T/x" && (cd "$T/x" && rpm2cpio "$T/benign.src.rpm" | cpio -idmv --quiet) >/dev/null 2>&1 \
        && [ "$(cat "$T/x/hello.txt")" = "hello" ] && grep -q '^Name: evil$' "$T/x/evil.spec" \
        && pass "benign.src.rpm: rpm2cpio | cpio -idmv extracts evil.spec, hello.txt" \
        || fail "benign.src.rpm: extraction"
fi

echo "== 2. ../escape.txt"
if gen escape.src.rpm --file ../escape.txt=pwned; then
    digests_ok escape.src.rpm
    cpio_lists escape.src.rpm ../escape.txt
    same escape.src.rpm "rpm -qpl" "$(rpm -qpl "$T/escape.src.rpm" | tr '\n' ' ')" "../escape.txt evil.spec "
fi

echo "== 3. /abs/evil.txt"
if gen abs.src.rpm --file /abs/evil.txt=pwned; then
    digests_ok abs.src.rpm
    cpio_lists abs.src.rpm /abs/evil.txt
    same abs.src.rpm "rpm -qpl" "$(rpm -qpl "$T/abs.src.rpm" | tr '\n' ' ')" "/abs/evil.txt evil.spec "
fi

echo "== 3b. sub/../../x"
if gen dotdot.src.rpm --file sub/../../x=pwned; then
    digests_ok dotdot.src.rpm
    cpio_lists dotdot.src.rpm sub/../../x
fi

echo "== 4. symlink link -> ../../../../etc/passwd"
if gen symlink.src.rpm --symlink link=../../../../etc/passwd; then
    digests_ok symlink.src.rpm
    cpio_lists symlink.src.rpm link
    rpm2cpio "$T/symlink.src.rpm" | cpio -tv --quiet 2>/dev/null | grep -q '^l.* link -> \.\./\.\./\.\./\.\./etc/passwd$' \
        && pass "symlink.src.rpm: cpio -tv shows link -> ../../../../etc/passwd" \
        || fail "symlink.src.rpm: cpio -tv symlink target"
    same symlink.src.rpm "header FILELINKTOS" \
        "$(rpm -qp --qf '[%{FILENAMES}=%{FILELINKTOS} ]' "$T/symlink.src.rpm")" "evil.spec= link=../../../../etc/passwd "
fi

echo "== 5. hardlink h -> ../outside (shared inode)"
if gen hardlink.src.rpm --file ../outside=pwned --hardlink h=../outside; then
    digests_ok hardlink.src.rpm
    cpio_lists hardlink.src.rpm ../outside
    cpio_lists hardlink.src.rpm h
    same hardlink.src.rpm "cpio nlink of ../outside and h" \
        "$(rpm2cpio "$T/hardlink.src.rpm" | cpio -tv --quiet 2>/dev/null | awk '$NF=="../outside" || $NF=="h" {printf "%s ", $2}')" "2 2 "
    same hardlink.src.rpm "header FILEINODES agree" \
        "$(rpm -qp --qf '[%{FILENAMES}:%{FILEINODES} ]' "$T/hardlink.src.rpm")" "../outside:2 evil.spec:1 h:2 "
fi

echo "== 6a. --corrupt-payload (gzip header byte; still decompresses)"
if gen corrupt.src.rpm --file hello.txt=hello --corrupt-payload; then
    digests_bad corrupt.src.rpm
    rpm -K --nosignature "$T/corrupt.src.rpm" 2>&1 | grep -q 'DIGESTS NOT OK' \
        && pass "corrupt.src.rpm: rpm -K says DIGESTS NOT OK" || fail "corrupt.src.rpm: wording"
    cpio_lists corrupt.src.rpm hello.txt
fi

echo "== 6b. --corrupt-offset -20 (inside the deflate stream)"
gen corrupt2.src.rpm --file hello.txt=hello --corrupt-offset -20 && digests_bad corrupt2.src.rpm

echo "== 6c. --truncate"
gen full.src.rpm --file hello.txt=hello || exit 1
full=$(wc -c <"$T/full.src.rpm")
for n in 50 96 120 400 $((full - 10)); do
    gen trunc$n.src.rpm --file hello.txt=hello --truncate $n && digests_bad trunc$n.src.rpm
done

echo
if [ $FAIL -eq 0 ]; then echo "all checks passed"; else echo "$FAIL check(s) FAILED"; fi
[ $FAIL -eq 0 ]
