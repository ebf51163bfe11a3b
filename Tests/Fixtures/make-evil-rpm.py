#!/usr/bin/env python3
"""make-evil-rpm.py - write a digest-valid RPM v4 *source* package whose cpio
payload holds caller-chosen (possibly hostile) entries.  Test fixture
generator for goose's SRPM importer.  Python 3 standard library only.

The output passes `rpmkeys -K --nosignature` / `rpm -K --nosignature`
("digests OK") with rpm 4.18: header SHA1 and SHA256, payload SHA256
(PAYLOADDIGEST, algo 8) and the legacy MD5 over header+payload are all
computed over the bytes actually written.  Entry names are written verbatim
into the "newc" (070701) cpio archive, so `rpm2cpio OUT | cpio -t` shows them
exactly as given ("../x", "/etc/x", "a/../../x", ...).

Usage:
  make-evil-rpm.py OUT.src.rpm [--name evil] [--version 1.0] [--release 1]
      [--spec NAME=PATH_OR_TEXT]   spec entry, always first in the payload.
                                   PATH_OR_TEXT: "@path" reads a file, an
                                   existing file path is read, anything else
                                   is the literal spec text.  Default: a
                                   built-in minimal valid spec "NAME.spec"
                                   listing every --file as a SourceN.
      [--file NAME=CONTENT ...]    regular file entry.  CONTENT is literal
                                   text; "@path" reads bytes from a file;
                                   "@@..." is a literal leading "@".
      [--symlink NAME=TARGET ...]  symlink entry (mode 0120777).
      [--hardlink NAME=EXISTING ...]
                                   hard link to an earlier --file EXISTING:
                                   same inode/dev in the cpio and in the
                                   header (FILEINODES/FILEDEVICES), nlink = set
                                   size.  Like rpm, the data travels with the
                                   LAST member of the set in payload order and
                                   the others have c_filesize 0
                                   (see --hardlink-data).
      [--hardlink-data last|first] which member of a hardlink set carries the
                                   bytes in the cpio (default: last, as rpm).
      [--mode NAME=OCTAL ...]      override the mode permission/type bits of an
                                   entry, e.g. --mode x=4755 (setuid).  Without
                                   file-type bits the entry's type is kept.
      [--mtime EPOCH]              mtime of every entry and BUILDTIME
                                   (default 1700000000; output is reproducible).
      [--digest-algo sha256|md5]   FILEDIGESTS algorithm (default sha256).
      [--source-tag NAME ...]      SOURCE header tag values (default: the
                                   names of the --file entries).
      [--omit sig:TAG|main:TAG ...]
                                   leave a tag out (numeric), e.g. main:5092
                                   (no payload digest) or sig:1004 (no MD5).
      [--corrupt-payload]          after all digests are computed, flip one
                                   payload byte.  By default the byte is in
                                   the gzip header MTIME field, so the payload
                                   still decompresses cleanly and only digest
                                   checks can catch it.
      [--corrupt-offset N]         flip the byte at offset N of the compressed
                                   payload instead (implies --corrupt-payload;
                                   negative N counts from the end).
      [--truncate N]               write only the first N bytes of the file.
      [--quiet]

Entries appear in the payload as: spec first, then --file/--symlink/
--hardlink in the order given on the command line.  NAME is split at the first
"=", so a NAME cannot contain "=".

The header's file list mirrors the payload: each name is split after its last
"/" into DIRNAMES (dirname with trailing "/", "" for a bare name, as rpmbuild
does for source packages) + BASENAMES, so dirname+basename == the cpio name,
byte for byte.  Like rpmbuild, the header list is sorted by full name; payload
order is the command-line order.  The spec carries RPMFILE_SPECFILE (1<<5).
SOURCERPM is absent and SOURCEPACKAGE (1106) = 1, so rpm treats the result as
a source package.

What rpm 4.18.0 -K needs (found by testing with --omit): at least one
header digest (SIG 269 SHA1 or 273 SHA256) AND one payload digest
(main 5092 PAYLOADDIGEST or SIG 1004 MD5).  SIZE/PAYLOADSIZE and
PAYLOADDIGESTALGO are not checked.  PAYLOADDIGESTALT (5097) is written as
rpmbuild does (SHA-256 of the *uncompressed* cpio), but when 5092 is
omitted rpm 4.18.0 compares 5097 with the digest of the *compressed* payload
and reports it BAD; so "--omit main:5092" alone fails, while
"--omit main:5092 --omit main:5097" passes through the MD5.

Examples:
  make-evil-rpm.py benign.src.rpm --file hello.txt=hello
  make-evil-rpm.py escape.src.rpm --file ../escape.txt=pwned
  make-evil-rpm.py abs.src.rpm --file /abs/evil.txt=pwned
  make-evil-rpm.py link.src.rpm --symlink link=../../../../etc/passwd
  make-evil-rpm.py hl.src.rpm --file ../outside=pwned --hardlink h=../outside
  make-evil-rpm.py bad.src.rpm --file hello.txt=hi --corrupt-payload
  make-evil-rpm.py short.src.rpm --file hello.txt=hi --truncate 200
"""

import argparse
import gzip
import hashlib
import os
import stat
import struct
import sys

# --- RPM constants ----------------------------------------------------------

# Header data types.
T_CHAR, T_INT8, T_INT16, T_INT32, T_INT64 = 1, 2, 3, 4, 5
T_STRING, T_BIN, T_STRING_ARRAY, T_I18NSTRING = 6, 7, 8, 9
ALIGN = {T_INT16: 2, T_INT32: 4, T_INT64: 8}

HEADER_MAGIC = b"\x8e\xad\xe8\x01\x00\x00\x00\x00"
LEAD_MAGIC = b"\xed\xab\xee\xdb"

# Region tags.
RPMTAG_HEADERSIGNATURES = 62
RPMTAG_HEADERIMMUTABLE = 63

# Signature header tags.
SIG_SHA1 = 269
SIG_SHA256 = 273
SIG_SIZE = 1000
SIG_MD5 = 1004
SIG_PAYLOADSIZE = 1007

# Main header tags.
TAG = dict(
    HEADERI18NTABLE=100, NAME=1000, VERSION=1001, RELEASE=1002, SUMMARY=1004,
    DESCRIPTION=1005, BUILDTIME=1006, BUILDHOST=1007, SIZE=1009, LICENSE=1014,
    GROUP=1016, SOURCE=1018, OS=1021, ARCH=1022, FILESIZES=1028,
    FILEMODES=1030, FILERDEVS=1033, FILEMTIMES=1034, FILEDIGESTS=1035,
    FILELINKTOS=1036, FILEFLAGS=1037, FILEUSERNAME=1039, FILEGROUPNAME=1040,
    FILEVERIFYFLAGS=1045, PROVIDENAME=1047, REQUIREFLAGS=1048,
    REQUIRENAME=1049, REQUIREVERSION=1050, RPMVERSION=1064, FILEDEVICES=1095,
    FILEINODES=1096, FILELANGS=1097, SOURCEPACKAGE=1106, PROVIDEFLAGS=1112,
    PROVIDEVERSION=1113, DIRINDEXES=1116, BASENAMES=1117, DIRNAMES=1118,
    PAYLOADFORMAT=1124, PAYLOADCOMPRESSOR=1125, PAYLOADFLAGS=1126,
    FILEDIGESTALGO=5011, ENCODING=5062, PAYLOADDIGEST=5092,
    PAYLOADDIGESTALGO=5093, PAYLOADDIGESTALT=5097, SPEC=5099,
)

PGPHASHALGO_MD5 = 1
PGPHASHALGO_SHA256 = 8
RPMFILE_SPECFILE = 1 << 5
RPMSENSE_LESS, RPMSENSE_EQUAL, RPMSENSE_RPMLIB = 1 << 1, 1 << 3, 1 << 24
RPMLEAD_SOURCE = 1
RPMSIGTYPE_HEADERSIG = 5

DEFAULT_MTIME = 1700000000


# --- header encoding ----------------------------------------------------------

def _encode(ttype, value):
    """Return (bytes, count) for one tag value."""
    if ttype == T_STRING:
        return value.encode() + b"\0", 1
    if ttype in (T_STRING_ARRAY, T_I18NSTRING):
        if isinstance(value, str):
            value = [value]
        return b"".join(v.encode("utf-8", "surrogateescape") + b"\0"
                        for v in value), len(value)
    if ttype == T_BIN:
        return bytes(value), len(value)
    fmt = {T_INT16: "H", T_INT32: "I", T_INT64: "Q", T_INT8: "B",
           T_CHAR: "B"}[ttype]
    if isinstance(value, int):
        value = [value]
    return struct.pack(">%d%s" % (len(value), fmt), *value), len(value)


def build_header(region_tag, entries):
    """Serialise a header with an immutable region.

    entries: list of (tag, type, value).  They are written in ascending tag
    order with their data in the same order (rpm rejects data offsets that go
    backwards), each aligned for its type, and the region trailer last.
    """
    entries = sorted(entries, key=lambda e: e[0])
    il = len(entries) + 1
    index = []
    data = bytearray()
    for tag, ttype, value in entries:
        blob, count = _encode(ttype, value)
        pad = (-len(data)) % ALIGN.get(ttype, 1)
        data += b"\0" * pad
        index.append(struct.pack(">IIiI", tag, ttype, len(data), count))
        data += blob
    # Region trailer: an entry (tag, BIN, -il*16, 16) stored as data; the
    # leading region entry points at it.
    trailer_off = len(data)
    data += struct.pack(">IIiI", region_tag, T_BIN, -il * 16, 16)
    region = struct.pack(">IIiI", region_tag, T_BIN, trailer_off, 16)
    return (HEADER_MAGIC + struct.pack(">II", il, len(data)) + region +
            b"".join(index) + bytes(data))


def build_lead(nevr):
    name = nevr.encode()[:65]
    return (LEAD_MAGIC + struct.pack(">BBhh", 3, 0, RPMLEAD_SOURCE, 1) +
            name.ljust(66, b"\0") +
            struct.pack(">hh", 1, RPMSIGTYPE_HEADERSIG) + b"\0" * 16)


# --- cpio (newc) ------------------------------------------------------------

def newc_entry(name, ino, mode, nlink, mtime, data, rdev=0):
    bname = name.encode("utf-8", "surrogateescape") + b"\0"
    hdr = b"070701" + b"".join(b"%08X" % v for v in (
        ino, mode, 0, 0, nlink, mtime, len(data), 0, 0,
        os.major(rdev), os.minor(rdev), len(bname), 0))
    out = hdr + bname
    out += b"\0" * ((-len(out)) % 4)
    out += data
    out += b"\0" * ((-len(out)) % 4)
    return out


def newc_trailer():
    return newc_entry("TRAILER!!!", 0, 0, 1, 0, b"")


# --- model ------------------------------------------------------------------

class Entry:
    def __init__(self, name, kind, data=b"", target=""):
        self.name = name
        self.kind = kind            # "spec", "file", "symlink", "hardlink"
        self.data = data            # file content (symlink: target bytes)
        self.target = target        # symlink target / hardlink EXISTING name
        self.mode = None
        self.inode = 0
        self.nlink = 1
        self.carries_data = True
        self.flags = 0


def default_spec(name, version, release, sources):
    lines = ["Name: %s" % name, "Version: %s" % version,
             "Release: %s" % release, "Summary: goose test fixture",
             "License: MIT", "BuildArch: noarch"]
    lines += ["Source%d: %s" % (i, s) for i, s in enumerate(sources)]
    lines += ["", "%description", "Test fixture generated by make-evil-rpm.py.",
              "", "%prep", "", "%build", "", "%install", "", "%files", ""]
    return "\n".join(lines).encode()


def read_value(v, allow_path):
    if v.startswith("@@"):
        return v[1:].encode("utf-8", "surrogateescape")
    if v.startswith("@"):
        with open(v[1:], "rb") as f:
            return f.read()
    if allow_path and os.path.isfile(v):
        with open(v, "rb") as f:
            return f.read()
    return v.encode("utf-8", "surrogateescape")


def split_kv(s, opt):
    if "=" not in s:
        sys.exit("%s expects NAME=VALUE, got %r" % (opt, s))
    return s.split("=", 1)


class Ordered(argparse.Action):
    """Collect --file/--symlink/--hardlink in command-line order."""
    def __call__(self, parser, ns, value, option_string=None):
        ns.entries.append((self.dest, value))


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s OUT.src.rpm [options]")
    p.add_argument("out")
    p.add_argument("--name", default="evil")
    p.add_argument("--version", default="1.0")
    p.add_argument("--release", default="1")
    p.add_argument("--spec", metavar="NAME=PATH_OR_TEXT")
    p.add_argument("--file", dest="file", action=Ordered, metavar="NAME=CONTENT")
    p.add_argument("--symlink", dest="symlink", action=Ordered,
                   metavar="NAME=TARGET")
    p.add_argument("--hardlink", dest="hardlink", action=Ordered,
                   metavar="NAME=EXISTING")
    p.add_argument("--hardlink-data", choices=("last", "first"), default="last")
    p.add_argument("--mode", action="append", default=[], metavar="NAME=OCTAL")
    p.add_argument("--mtime", type=int, default=DEFAULT_MTIME)
    p.add_argument("--digest-algo", choices=("sha256", "md5"), default="sha256")
    p.add_argument("--source-tag", action="append", metavar="NAME")
    p.add_argument("--omit", action="append", default=[], metavar="sig:TAG|main:TAG")
    p.add_argument("--corrupt-payload", action="store_true")
    p.add_argument("--corrupt-offset", type=int)
    p.add_argument("--truncate", type=int, metavar="N")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(entries=[])
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    mtime = a.mtime

    # 1. Collect entries in payload order.
    entries = []
    for kind, spec in a.entries:
        n, v = split_kv(spec, "--" + kind)
        if kind == "file":
            entries.append(Entry(n, "file", read_value(v, False)))
        elif kind == "symlink":
            entries.append(Entry(n, "symlink", v.encode("utf-8", "surrogateescape"), v))
        else:
            entries.append(Entry(n, "hardlink", target=v))
    regular_names = [e.name for e in entries if e.kind == "file"]
    if a.spec:
        sname, sval = split_kv(a.spec, "--spec")
        sdata = read_value(sval, True)
    else:
        sname = a.name + ".spec"
        sdata = default_spec(a.name, a.version, a.release, regular_names)
    spec = Entry(sname, "spec", sdata)
    spec.flags = RPMFILE_SPECFILE
    entries.insert(0, spec)

    # 2. Modes, inodes, hardlink sets.
    for e in entries:
        e.mode = (stat.S_IFLNK | 0o777) if e.kind == "symlink" else (stat.S_IFREG | 0o644)
    for m in a.mode:
        n, v = split_kv(m, "--mode")
        bits = int(v, 8)
        hits = [e for e in entries if e.name == n]
        if not hits:
            sys.exit("--mode: no entry named %r" % n)
        for e in hits:
            e.mode = bits if stat.S_IFMT(bits) else (stat.S_IFMT(e.mode) | bits)
    sets = {}
    next_ino = 1
    for i, e in enumerate(entries):
        if e.kind == "hardlink":
            src = [x for x in entries[:i] if x.name == e.target and x.kind in ("file", "hardlink")]
            if not src:
                sys.exit("--hardlink %s=%s: no earlier --file named %r"
                         % (e.name, e.target, e.target))
            src = src[-1]
            e.inode, e.data, e.mode = src.inode, src.data, src.mode
            sets[e.inode].append(e)
        else:
            e.inode = next_ino
            next_ino += 1
            sets[e.inode] = [e]
    for members in sets.values():
        if len(members) > 1:
            carrier = members[-1] if a.hardlink_data == "last" else members[0]
            for m in members:
                m.nlink = len(members)
                m.carries_data = m is carrier

    # 3. Payload.
    archive = b"".join(
        newc_entry(e.name, e.inode, e.mode, e.nlink, mtime,
                   e.data if e.carries_data else b"") for e in entries
    ) + newc_trailer()
    payload = gzip.compress(archive, compresslevel=9, mtime=0)

    # 4. Main header.  File list sorted by full name, like rpmbuild.
    flist = sorted(entries, key=lambda e: e.name.encode("utf-8", "surrogateescape"))
    dirnames, dirindexes, basenames = [], [], []
    for e in flist:
        cut = e.name.rfind("/") + 1
        d, b = e.name[:cut], e.name[cut:]
        if d not in dirnames:
            dirnames.append(d)
        dirindexes.append(dirnames.index(d))
        basenames.append(b)
    halgo = hashlib.sha256 if a.digest_algo == "sha256" else hashlib.md5
    is_reg = lambda e: stat.S_ISREG(e.mode)
    digests = [halgo(e.data).hexdigest() if is_reg(e) else "" for e in flist]
    total = sum(len(s[0].data) for s in sets.values() if is_reg(s[0]))

    reqs = [("rpmlib(CompressedFileNames)", "3.0.4-1")]
    if a.digest_algo != "md5":
        reqs.append(("rpmlib(FileDigests)", "4.6.0-1"))
    sources = a.source_tag if a.source_tag is not None else regular_names
    evr = "%s-%s" % (a.version, a.release)
    n = len(flist)
    main_tags = [
        (TAG["HEADERI18NTABLE"], T_STRING_ARRAY, ["C"]),
        (TAG["NAME"], T_STRING, a.name),
        (TAG["VERSION"], T_STRING, a.version),
        (TAG["RELEASE"], T_STRING, a.release),
        (TAG["SUMMARY"], T_I18NSTRING, ["goose test fixture"]),
        (TAG["DESCRIPTION"], T_I18NSTRING, ["Test fixture generated by make-evil-rpm.py."]),
        (TAG["BUILDTIME"], T_INT32, mtime),
        (TAG["BUILDHOST"], T_STRING, "fixtures.invalid"),
        (TAG["SIZE"], T_INT32, total),
        (TAG["LICENSE"], T_STRING, "MIT"),
        (TAG["GROUP"], T_I18NSTRING, ["Unspecified"]),
        (TAG["OS"], T_STRING, "linux"),
        (TAG["ARCH"], T_STRING, "noarch"),
        (TAG["FILESIZES"], T_INT32, [len(e.data) for e in flist]),
        (TAG["FILEMODES"], T_INT16, [e.mode & 0xFFFF for e in flist]),
        (TAG["FILERDEVS"], T_INT16, [0] * n),
        (TAG["FILEMTIMES"], T_INT32, [mtime] * n),
        (TAG["FILEDIGESTS"], T_STRING_ARRAY, digests),
        (TAG["FILELINKTOS"], T_STRING_ARRAY,
         [e.target if e.kind == "symlink" else "" for e in flist]),
        (TAG["FILEFLAGS"], T_INT32, [e.flags for e in flist]),
        (TAG["FILEUSERNAME"], T_STRING_ARRAY, ["root"] * n),
        (TAG["FILEGROUPNAME"], T_STRING_ARRAY, ["root"] * n),
        (TAG["FILEVERIFYFLAGS"], T_INT32, [0xFFFFFFFF] * n),
        (TAG["PROVIDENAME"], T_STRING_ARRAY, [a.name]),
        (TAG["REQUIREFLAGS"], T_INT32,
         [RPMSENSE_RPMLIB | RPMSENSE_LESS | RPMSENSE_EQUAL] * len(reqs)),
        (TAG["REQUIRENAME"], T_STRING_ARRAY, [r[0] for r in reqs]),
        (TAG["REQUIREVERSION"], T_STRING_ARRAY, [r[1] for r in reqs]),
        (TAG["RPMVERSION"], T_STRING, "4.18.0"),
        (TAG["FILEDEVICES"], T_INT32, [1] * n),
        (TAG["FILEINODES"], T_INT32, [e.inode for e in flist]),
        (TAG["FILELANGS"], T_STRING_ARRAY, [""] * n),
        (TAG["SOURCEPACKAGE"], T_INT32, 1),
        (TAG["PROVIDEFLAGS"], T_INT32, [RPMSENSE_EQUAL]),
        (TAG["PROVIDEVERSION"], T_STRING_ARRAY, [evr]),
        (TAG["DIRINDEXES"], T_INT32, dirindexes),
        (TAG["BASENAMES"], T_STRING_ARRAY, basenames),
        (TAG["DIRNAMES"], T_STRING_ARRAY, dirnames),
        (TAG["PAYLOADFORMAT"], T_STRING, "cpio"),
        (TAG["PAYLOADCOMPRESSOR"], T_STRING, "gzip"),
        (TAG["PAYLOADFLAGS"], T_STRING, "9"),
        (TAG["FILEDIGESTALGO"], T_INT32,
         PGPHASHALGO_SHA256 if a.digest_algo == "sha256" else PGPHASHALGO_MD5),
        (TAG["ENCODING"], T_STRING, "utf-8"),
        (TAG["PAYLOADDIGEST"], T_STRING_ARRAY, [hashlib.sha256(payload).hexdigest()]),
        (TAG["PAYLOADDIGESTALGO"], T_INT32, PGPHASHALGO_SHA256),
        (TAG["PAYLOADDIGESTALT"], T_STRING_ARRAY, [hashlib.sha256(archive).hexdigest()]),
        (TAG["SPEC"], T_STRING, spec.data.decode("utf-8", "surrogateescape")),
    ]
    if sources:
        main_tags.append((TAG["SOURCE"], T_STRING_ARRAY, sources))
    omit = {"sig": set(), "main": set()}
    for o in a.omit:
        where, _, t = o.partition(":")
        if where not in omit or not t.isdigit():
            sys.exit("--omit expects sig:TAG or main:TAG, got %r" % o)
        omit[where].add(int(t))
    main_tags = [t for t in main_tags if t[0] not in omit["main"]]
    header = build_header(RPMTAG_HEADERIMMUTABLE, main_tags)

    # 5. Signature header (digests over the exact bytes written).
    sig_tags = [
        (SIG_SHA1, T_STRING, hashlib.sha1(header).hexdigest()),
        (SIG_SHA256, T_STRING, hashlib.sha256(header).hexdigest()),
        (SIG_SIZE, T_INT32, len(header) + len(payload)),
        (SIG_MD5, T_BIN, hashlib.md5(header + payload).digest()),
        (SIG_PAYLOADSIZE, T_INT32, len(archive)),
    ]
    sig_tags = [t for t in sig_tags if t[0] not in omit["sig"]]
    sig = build_header(RPMTAG_HEADERSIGNATURES, sig_tags)
    sig += b"\0" * ((-len(sig)) % 8)

    # 6. Negative-test mutations, after every digest is fixed.
    if a.corrupt_payload or a.corrupt_offset is not None:
        off = a.corrupt_offset if a.corrupt_offset is not None else 4  # gzip MTIME
        payload = bytearray(payload)
        payload[off] ^= 0xFF
        payload = bytes(payload)
    out = build_lead("%s-%s" % (a.name, evr)) + sig + header + payload
    if a.truncate is not None:
        out = out[:a.truncate]

    with open(a.out, "wb") as f:
        f.write(out)
    if not a.quiet:
        print("wrote %s (%d bytes; payload %d entries)" % (a.out, len(out), len(entries)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
