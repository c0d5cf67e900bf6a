#!/usr/bin/env python3
"""Generates the seed corpora of fuzz/ from the LisaFS golden vectors.

    fuzz/tools/gen_corpus.py            # rewrites fuzz/corpus/*/gen-*
    fuzz/tools/gen_corpus.py --check    # exit 1 if the committed seeds are stale

Every seed it writes is named gen-*; files with other names in a corpus
directory (minimised finds, recorded sessions: rec-*) are left alone. The
input formats are documented at the top of each fuzz/*_fuzzer.cc and in
fuzz/README.md; this file mirrors them, so change both together.

Sources: gofer/wire/testdata/lisafs-messages.json (gVisor's golden vectors:
messages, negative and edge payloads, captured socket and channel frames),
oci/testdata/*.json (real OCI specs), and hand-written sessions below
(server_stateful: typical client sessions plus escape attempts).
"""

import argparse
import hashlib
import json
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ = os.path.dirname(HERE)
ROOT = os.path.dirname(FUZZ)
VECTORS = os.path.join(ROOT, "gofer", "wire", "testdata", "lisafs-messages.json")
OCI_TESTDATA = os.path.join(ROOT, "oci", "testdata")
EXAMPLE_BUNDLES = os.path.join(ROOT, "examples", "bundles")

MID = {
    "Error": 0, "Mount": 1, "Channel": 2, "FStat": 3, "SetStat": 4, "Walk": 5,
    "WalkStat": 6, "OpenAt": 7, "OpenCreateAt": 8, "Close": 9, "FSync": 10,
    "PWrite": 11, "PRead": 12, "MkdirAt": 13, "MknodAt": 14, "SymlinkAt": 15,
    "LinkAt": 16, "FStatFS": 17, "FAllocate": 18, "ReadLinkAt": 19, "Flush": 20,
    "Connect": 21, "UnlinkAt": 22, "RenameAt": 23, "Getdents64": 24,
    "FGetXattr": 25, "FSetXattr": 26, "FListXattr": 27, "FRemoveXattr": 28,
    "BindAt": 29, "Listen": 30, "Accept": 31, "ConnectWithCreds": 32,
    "RenameAt2": 33,
}


def u16(x): return struct.pack("<H", x & 0xFFFF)
def u32(x): return struct.pack("<I", x & 0xFFFFFFFF)
def u64(x): return struct.pack("<Q", x & 0xFFFFFFFFFFFFFFFF)
def sized(b): return u16(len(b)) + b


def load_vectors():
    with open(VECTORS) as f:
        return json.load(f)


# ---- FDID fields of each request, for rewriting golden payloads -------------
# (offset, kind) per MID; "array" = u16 count then u64 FDIDs. Kinds name the
# FDIDs the server_dispatch setup prefix creates (see dispatch_setup()).
FDID_FIELDS = {
    3: [(0, "file")], 4: [(0, "file")], 5: [(0, "root")], 6: [(0, "root")],
    7: [(0, "file")], 8: [(0, "dir")], 9: "array", 10: "array",
    11: [(8, "open")], 12: [(8, "open")], 13: [(0, "dir")], 14: [(0, "dir")],
    15: [(0, "dir")], 16: [(0, "dir"), (8, "file")], 17: [(0, "root")],
    18: [(0, "open")], 19: [(0, "symlink")], 20: [(0, "open")], 21: [(0, "sock")],
    22: [(0, "dir")], 23: [(0, "dir"), (8, "dir")], 24: [(0, "opendir")],
    25: [(0, "file")], 26: [(0, "file")], 27: [(0, "file")], 28: [(0, "file")],
    29: [(0, "dir")], 30: [(0, "bound")], 31: [(0, "bound")], 32: [(0, "sock")],
    33: [(0, "dir"), (8, "dir")],
}


def patch_fdids(mid, payload, ids):
    """Rewrites the FDIDs of a request payload to the FDIDs in `ids`."""
    spec = FDID_FIELDS.get(mid)
    b = bytearray(payload)
    if spec == "array":
        if len(b) >= 2:
            n = struct.unpack_from("<H", b, 0)[0]
            for i in range(n):
                off = 2 + 8 * i
                if off + 8 <= len(b):
                    struct.pack_into("<Q", b, off, ids["open"] if i % 2 == 0 else ids["file"])
        return bytes(b)
    for off, kind in spec or []:
        if off + 8 <= len(b):
            struct.pack_into("<Q", b, off, ids[kind])
    return bytes(b)


# ---- wire_decode ------------------------------------------------------------
def gen_wire_decode(vectors):
    out = {}
    for i, v in enumerate(vectors):
        data = bytes.fromhex(v["hex"])
        name = "%s-%03d-%s-%s" % (v["kind"], i, v.get("message", "x"), v.get("direction", "x"))
        if v["kind"] == "frame":
            mode = 2 if v["framing"] == "socket" else 3
            out[name] = bytes([v["mid"], mode]) + data
        else:
            mode = 1 if v["direction"] == "response" else 0
            out[name] = bytes([v["mid"], mode]) + data
            if v["kind"] == "message" and v["direction"] == "request":
                # The same request framed for the socket and for a channel.
                out[name + "-sock"] = bytes([v["mid"], 2]) + u32(len(data)) + u16(v["mid"]) + u16(0) + data
                out[name + "-chan"] = bytes([v["mid"], 3]) + u16(v["mid"]) + b"\0\0" + data
    out["unknown-mid-34"] = bytes([34, 0]) + b"\x01\x00\x00\x00\x00\x00\x00\x00"
    out["unknown-mid-255"] = bytes([255, 1])
    return out


# ---- server_dispatch ---------------------------------------------------------
def walk_req(dirfd, names):
    return u64(dirfd) + u16(len(names)) + b"".join(sized(n.encode()) for n in names)


def open_req(fd, flags):
    return u64(fd) + u32(flags) + u32(0)


def record(mid, payload, route=0):
    return bytes([mid, route]) + u16(len(payload)) + payload


def dispatch_setup(vectors):
    """Records that make FDIDs of every kind on the null backend, and their ids."""
    bind = [v for v in vectors if v["kind"] == "message" and v["message"] == "BindAt"
            and v["direction"] == "request"][0]
    bind_payload = bytearray(bytes.fromhex(bind["hex"]))
    struct.pack_into("<Q", bind_payload, 0, 2)
    recs = [
        record(5, walk_req(1, ["d", "f"])),      # 2 = dir d, 3 = file d/f
        record(7, open_req(3, 2)),               # 4 = open d/f O_RDWR
        record(7, open_req(2, 0)),               # 5 = open dir d
        record(5, walk_req(1, ["l"])),           # 6 = symlink l
        record(5, walk_req(1, ["s"])),           # 7 = socket s
        record(29, bytes(bind_payload)),         # 8 = socket file, 9 = bound socket
    ]
    ids = {"root": 1, "dir": 2, "file": 3, "open": 4, "opendir": 5, "symlink": 6,
           "sock": 7, "bound": 9}
    return b"".join(recs), ids


def gen_server_dispatch(vectors):
    out = {}
    setup, ids = dispatch_setup(vectors)
    reqs = [v for v in vectors if v["kind"] in ("message", "edge") and v["direction"] == "request"]
    for i, v in enumerate(reqs):
        payload = patch_fdids(v["mid"], bytes.fromhex(v["hex"]), ids)
        # cfg 0: read-write, server walks, default limits, implicit Mount.
        out["golden-%03d-%s" % (i, v["message"])] = b"\x00\x00" + setup + record(v["mid"], payload)
        # The same request over a flipcall channel (Channel first).
        out["golden-%03d-%s-chan" % (i, v["message"])] = (
            b"\x00\x00" + setup + record(2, b"") + record(v["mid"], payload, route=1))
    neg = [v for v in vectors if v["kind"] == "negative" and v["direction"] == "request"]
    for i, v in enumerate(neg):
        out["negative-%03d-%s" % (i, v["message"])] = b"\x00\x00" + setup + record(v["mid"], bytes.fromhex(v["hex"]))
    out["readonly-walkstat"] = b"\x03\x00" + setup + record(6, walk_req(1, ["", "d", "f"]))
    out["no-mount"] = b"\x08\x00" + record(3, u64(1)) + record(1, b"") + record(1, b"")
    out["limits"] = b"\x04\x00" + record(5, walk_req(1, ["d"] * 9)) + record(2, b"") * 3
    out["unknown-mids"] = b"\x00\x00" + record(0, b"") + record(34, b"") + record(200, b"\x01")
    return out


# ---- socket_transport ---------------------------------------------------------
def gen_socket_transport(vectors):
    out = {}
    frames = [bytes.fromhex(v["hex"]) for v in vectors if v["kind"] == "frame" and v["framing"] == "socket"]
    stream = b"".join(frames)
    def chunk(data, nfds_sel=0):
        recs = b""
        for k in range(0, len(data), 200):
            part = data[k:k + 200]
            recs += bytes([nfds_sel if k == 0 else 0, len(part)]) + part
        return recs
    for side in (0, 1):
        for max_sel in (2, 7):
            cfg = side | (max_sel << 2)
            out["golden-stream-side%d-max%d" % (side, max_sel)] = bytes([cfg, 2]) + chunk(stream, 1)
    # A synthetic header that claims more than the max, then its payload.
    out["too-large"] = bytes([0 | (2 << 2), 0]) + bytes([0x08, 0x20, 0x00, 5, 40]) + b"A" * 40
    out["huge-claim"] = bytes([0 | (7 << 2), 0]) + bytes([0x18, 0x00, 0x00, 1, 3]) + b"abc"
    out["fds-split"] = bytes([1 | (7 << 2), 3]) + bytes([0x0B, 4, 0, 7, 0]) + bytes([0x02, 4]) + b"wxyz"
    reqs = [v for v in vectors if v["kind"] == "message" and v["direction"] == "response"][:20]
    body = b""
    for i, v in enumerate(reqs):
        p = bytes.fromhex(v["hex"])[:255]
        body += bytes([i % 8]) + u16(v["mid"]) + b"\0" + bytes([len(p)]) + p
    out["roundtrip-golden"] = bytes([2 | (7 << 2), 2]) + body
    out["roundtrip-big"] = bytes([2 | (7 << 2), 1]) + bytes([0x21]) + u16(7) + b"\0" + bytes([255]) + bytes(range(255))
    return out


# ---- flipcall_window ------------------------------------------------------------
def flip_message(mid, payload, num_fds=0, len_mode=0, raw_len=0):
    b = bytes([0]) + u16(mid) + bytes([num_fds, len_mode])
    if len_mode == 1:
        b += u32(raw_len)
    payload = payload[:255]
    return b + bytes([len(payload)]) + payload


def gen_flipcall_window(vectors):
    out = {}
    reqs = [v for v in vectors if v["kind"] == "message" and v["direction"] == "request"]
    resps = [v for v in vectors if v["kind"] == "message" and v["direction"] == "response"]
    for max_sel in (1, 2, 3):
        cfg = max_sel << 1
        body = b"".join(flip_message(v["mid"], bytes.fromhex(v["hex"])) for v in reqs[:12])
        out["server-golden-max%d" % max_sel] = bytes([cfg]) + body
    mut = bytes([1, 4]) + b"".join(bytes([s]) + u16(o) + bytes([0xFF]) for s, o in
                                     ((0, 4), (5, 16), (20, 17), (40, 20)))
    out["server-mutate"] = bytes([2 << 1]) + mut + flip_message(5, bytes.fromhex(reqs[4]["hex"]))
    out["server-malformed"] = bytes([2 << 1]) + flip_message(3, b"\x01" * 8, num_fds=1) + \
        flip_message(3, b"", len_mode=2) + flip_message(3, b"", len_mode=3) + \
        flip_message(3, b"", len_mode=1, raw_len=0xFFFFFFFF) + flip_message(3, u64(1))
    out["server-scribble"] = bytes([2 << 1]) + flip_message(3, u64(1)) + bytes([2]) + u32(7) + flip_message(3, u64(1))
    out["server-fds-shutdown"] = bytes([2 << 1]) + bytes([3, 5]) + flip_message(3, u64(1)) + bytes([4])
    for hs in (1, 2, 3):
        out["server-handshake%d" % hs] = bytes([(2 << 1) | (hs << 3)]) + flip_message(3, u64(1))
    body = b"".join(flip_message(v["mid"], bytes.fromhex(v["hex"]), num_fds=(1 if v["mid"] in (1, 7, 8) else 0))
                    for v in resps[:12])
    out["client-golden"] = bytes([1 | (2 << 1)]) + bytes([3, 2]) + body
    out["client-mutate"] = bytes([1 | (2 << 1)]) + mut + flip_message(7, u64(3), num_fds=1)
    out["client-bad"] = bytes([1 | (2 << 1)]) + flip_message(0, b"", len_mode=2) + flip_message(7, u64(3), num_fds=9)
    return out


# ---- server_stateful -------------------------------------------------------------
# Mirrors the operand tables of server_stateful_fuzzer.cc.
S_NAMES = ["a", "b", "d", "f", "x", "y", "new", "empty", "fifo", "sock",
           "lnk_out", "lnk_abs", "lnk_dir", "lnk_sock", "lnk_fifo", "lnk_self", "lnk_loop", "up",
           "..", ".", "", "a/b", "../outside", "outside", "root", "z\0z",
           "secret", "top-canary"]
S_TARGETS = ["a", "../outside/secret", "..", "/", "d/../../outside", "lnk_out", "../../../../../..",
             "../outside/sock", "outside/secret", "a\0b"]
S_XATTRS = ["user.k", "user.new", "trusted.t", "security.s", "system.posix_acl_access", "user.", "", "k"]
OP = {n: i for i, n in enumerate([
    "Walk", "WalkStat", "OpenAt", "OpenCreateAt", "Close", "FSync", "PWrite", "PRead", "MkdirAt",
    "MknodAt", "SymlinkAt", "LinkAt", "FStatFS", "FAllocate", "ReadLinkAt", "Connect", "UnlinkAt",
    "RenameAt", "RenameAt2", "Getdents64", "FGetXattr", "FSetXattr", "FListXattr", "FRemoveXattr",
    "BindAt", "Listen", "Accept", "ConnectWithCreds", "SetStat", "FStat", "Channel", "Raw"])}


def op(name, route=0):
    return bytes([(route << 5) | OP[name]])


def nm(n):
    return bytes([S_NAMES.index(n)]) if n in S_NAMES else bytes([0xF0, len(n)]) + n.encode()


def tg(t):
    return bytes([S_TARGETS.index(t)])


def xn(n):
    return bytes([S_XATTRS.index(n)])


class Session:
    """A session in server_stateful's op format; refs are list indexes."""
    def __init__(self, cfg=0):
        self.b = bytes([cfg])

    def add(self, *parts):
        self.b += b"".join(parts)
        return self

    def walk(self, ref, names, route=0, stat=False):
        return self.add(op("WalkStat" if stat else "Walk", route), bytes([ref, len(names)]),
                        *[nm(n) for n in names])

    def openat(self, ref, flags_sel, route=0):
        return self.add(op("OpenAt", route), bytes([ref, flags_sel]))

    def pwrite(self, ref, data, off_sel=0, route=0):
        return self.add(op("PWrite", route), bytes([ref, off_sel, len(data)]), data)

    def pread(self, ref, count_sel=3, off_sel=0, route=0):
        return self.add(op("PRead", route), bytes([ref, off_sel, count_sel]))


def gen_server_stateful(vectors):
    out = {}
    # Reading: walk to d/f, open, read, getdents on d, close, reuse the closed FDID.
    s = Session().walk(0, ["d", "f"]).openat(2, 0).pread(3).walk(0, ["d"])
    s.openat(1, 0).add(op("Getdents64"), bytes([4, 3])).add(op("Close"), bytes([0, 3]))
    s.pread(3).add(op("FStat"), bytes([2]))
    out["read-session"] = s.b
    # Writing: create, write, stat, truncate, rename, unlink.
    s = Session().add(op("OpenCreateAt"), bytes([0]), nm("new"), bytes([0, 0, 0, 2]))
    s.pwrite(2, b"hello world").add(op("SetStat"), bytes([1, 2, 0, 0, 0, 1, 0, 0, 0, 0]))
    s.add(op("RenameAt"), bytes([0]), nm("new"), bytes([0]), nm("b"))
    s.add(op("UnlinkAt"), bytes([0]), nm("b"), bytes([0]))
    out["write-session"] = s.b
    # Directories, symlinks, hard links, mknod, xattrs.
    s = Session(8).add(op("MkdirAt"), bytes([0]), nm("x"), bytes([1, 0, 0]))
    s.add(op("SymlinkAt"), bytes([1]), nm("y"), tg("a"), bytes([0, 0]))
    s.walk(0, ["a"]).add(op("LinkAt"), bytes([1, 3]), nm("b"))
    s.add(op("MknodAt"), bytes([0]), nm("f"), bytes([4, 0, 0, 0, 0]))
    s.add(op("FSetXattr"), bytes([3]), xn("user.new"), bytes([3]), b"val", bytes([0]))
    s.add(op("FGetXattr"), bytes([3]), xn("user.k"), bytes([0]))
    s.add(op("FListXattr"), bytes([3, 2])).add(op("FRemoveXattr"), bytes([3]), xn("user.k"))
    s.add(op("ReadLinkAt"), bytes([2])).add(op("FStatFS"), bytes([0]))
    s.add(op("UnlinkAt"), bytes([0]), nm("x"), bytes([1]))
    out["tree-session"] = s.b
    # Escape attempts: every symlink, "..", renames and links out of the root.
    s = Session().walk(0, ["lnk_out"]).walk(0, ["lnk_dir", "secret"]).walk(0, ["..", "outside"])
    s.walk(0, ["d", "up", "outside"]).walk(0, ["lnk_abs"], stat=True).openat(1, 2).openat(1, 3)
    s.pwrite(1, b"pwned").add(op("SetStat"), bytes([1, 0, 2, 0, 0, 0, 0, 0, 0, 0]))
    s.add(op("RenameAt"), bytes([0]), nm("a"), bytes([0]), nm("../outside"))
    s.add(op("SymlinkAt"), bytes([0]), nm("x"), tg("../outside/secret"), bytes([0, 0]))
    s.walk(0, ["x"]).openat(5, 2).pwrite(6, b"x")
    s.add(op("UnlinkAt"), bytes([0]), nm(".."), bytes([1]))
    s.add(op("FSetXattr"), bytes([1]), xn("user.new"), bytes([1]), b"x", bytes([0]))
    out["escape-session"] = s.b
    # Host sockets and FIFOs (host UDS all, host FIFO open).
    s = Session(2 | 4).walk(0, ["lnk_sock"]).add(op("Connect"), bytes([1, 0]))
    s.add(op("BindAt"), bytes([0]), nm("sock"), bytes([0, 0, 0, 0]))
    s.add(op("Listen"), bytes([3, 2])).add(op("Accept"), bytes([3]))
    s.add(op("ConnectWithCreds"), bytes([2, 0, 1, 1])).walk(0, ["fifo"]).openat(4, 0)
    s.walk(0, ["lnk_fifo"]).openat(6, 1)
    out["socket-fifo-session"] = s.b
    # Several channels, requests spread over them, a channel per op class.
    s = Session().add(op("Channel"), op("Channel"), op("Channel"))
    s.walk(0, ["d", "f"], route=1).openat(2, 2, route=2).pwrite(3, b"abc", route=3)
    s.pread(3, route=1).add(op("FSync", 2), bytes([1, 3, 2])).add(op("Close", 3), bytes([0, 3]))
    s.pread(3, route=2)
    out["channels-session"] = s.b
    # Read-only mount and the fallback resolver.
    out["readonly-session"] = Session(1).walk(0, ["a"]).openat(1, 2).openat(1, 0).pread(2).b
    out["fallback-resolver"] = Session(32 | 64).walk(0, ["lnk_self", "d", "up", "a"]).walk(0, ["lnk_loop"]).b
    out["limits"] = Session(128).walk(0, ["d", "f", "d", "f", "d"]).add(op("Channel") * 3).b
    # Every golden request as a raw frame with its FDIDs pointing at the root.
    reqs = [v for v in vectors if v["kind"] == "message" and v["direction"] == "request"]
    ids = {k: 1 for k in ("root", "dir", "file", "open", "opendir", "symlink", "sock", "bound")}
    for i, v in enumerate(reqs):
        p = patch_fdids(v["mid"], bytes.fromhex(v["hex"]), ids)[:255]
        out["golden-raw-%03d-%s" % (i, v["message"])] = bytes([0]) + op("Raw") + bytes([v["mid"], len(p)]) + p
    return out


# ---- OCI ---------------------------------------------------------------------------
def gen_oci_spec():
    out = {}
    for f in sorted(os.listdir(OCI_TESTDATA)):
        if f.endswith(".json"):
            with open(os.path.join(OCI_TESTDATA, f), "rb") as fh:
                out[f[:-5]] = fh.read()
    spec = {
        "ociVersion": "1.1.0",
        "process": {"args": ["sh"], "cwd": "/"},
        "root": {"path": "rootfs", "readonly": False},
        "mounts": [
            {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro"]},
            {"destination": "/cache", "type": "bind", "source": "cache", "options": ["rbind"]},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"},
            {"destination": "/img", "type": "erofs", "source": "/img.erofs"},
        ],
        "annotations": {
            "dev.gvisor.spec.mount.data.source": "/srv/data",
            "dev.gvisor.spec.mount.data.type": "bind",
            "dev.gvisor.spec.mount.data.share": "shared",
            "dev.gvisor.spec.mount.data.directfs": "off",
            "dev.gvisor.spec.mount.cache.source": "/bundle/cache",
            "dev.gvisor.spec.mount.cache.type": "bind",
            "dev.gvisor.spec.mount.cache.share": "pod",
            "dev.gvisor.spec.rootfs.source": "/bundle/rootfs",
            "dev.gvisor.spec.rootfs.type": "bind",
            "dev.gvisor.spec.rootfs.overlay": "memory",
            "dev.gvisor.flag.host-uds": "all",
            "dev.gvisor.flag.overlay2": "root:self",
            "dev.gvisor.bundle.experimental-high-performance": "true",
        },
        "linux": {"namespaces": [{"type": "mount"}, {"type": "user"}],
                  "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                  "rootfsPropagation": "rslave"},
    }
    out["hints-spec"] = json.dumps(spec, indent=1).encode()
    out["minimal"] = b'{"ociVersion":"1.0.2","process":{"args":["x"]},"root":{"path":"/r"}}'
    out["case-fold-key"] = b'{"ociVersion":"1.0.2","Mounts":[],"root":{"path":"/r"}}'
    return out


def gen_oci_mount_hints():
    return {
        "pod-hints": b"M.vol.source=/srv/vol\nM.vol.type=bind\nM.vol.share=pod\nM.vol.options=rw,rshared\n"
                     b"M.vol.directfs=off\nm=/vol|bind|/srv/vol|rbind\n",
        "shared-nfs": b"M.nfs.source=/mnt/nfs\nM.nfs.type=bind\nM.nfs.share=shared\nM.nfs.directfs=of\n",
        "tmpfs-container": b"M.t.source=t\nM.t.type=tmpfs\nM.t.share=container\nm=/t|tmpfs|t|\n",
        "rootfs": b"R.source=/img/root.erofs\nR.type=erofs\nR.overlay=self\nR.options=size=1g\nR.directfs=off\n",
        "flags": b"F.host-uds=all\nF.overlay2=all:memory\nF.directfs=false\nB.experimental-high-performance=true\n"
                 b"U=open\nD=true\nO=root:self,size=10m\n",
        "confs": b"C=lisafs:self,lisafs:none,none:memory\nm=/a|bind|/a|rbind\nm=/b|bind|/b|rbind,ro\n",
        "duplicate-source": b"M.a.source=/x\nM.a.type=bind\nM.a.share=pod\nM.b.source=/x\nM.b.type=bind\nM.b.share=pod\n",
        "bad-keys": b"M.a=1\nM..type=bind\nR.bogus=1\nM.a.b.c=1\n",
    }


# ---- policy_parser -------------------------------------------------------------------
def gen_policy_parser():
    out = {}
    if os.path.isdir(EXAMPLE_BUNDLES):
        for b in sorted(os.listdir(EXAMPLE_BUNDLES)):
            d = os.path.join(EXAMPLE_BUNDLES, b)
            for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
                if f.endswith(".textproto"):
                    with open(os.path.join(d, f), "rb") as fh:
                        out["example-%s-%s" % (b, f[:-len(".textproto")])] = fh.read()
    out["every-field"] = (
        b'host_sockets: CREATE\nmax_file_size: 4096\nxattr_namespace: "trusted"\n'
        b'mount { path: "/data" read_only: true max_file_size: 1 host_sockets: ALL }\n'
        b'mount { path: "/cache" read_only: false }\n'
        b'path_deny { pattern: "/data/x(/.*)?" mount: "/data" mount: "/cache" reason: "r" }\n'
        b'extension { name: "none" key_file: "/k" }\n')
    out["loosen-readonly"] = b'mount { path: "/etc/app" read_only: false }\n'
    out["unknown-mount"] = b'mount { path: "/nope" read_only: true }\n'
    out["bad-regex"] = b'path_deny { pattern: "(" }\n'
    out["bad-enum"] = b'host_sockets: SOMETIMES\n'
    out["unknown-field"] = b'hostsockets: OPEN\n'
    out["relative-key"] = b'extension { name: "x" key_file: "keys/k" }\n'
    out["bad-xattr"] = b'xattr_namespace: "os2"\n'
    out["empty"] = b""
    return out


# ---- seccomp_differential --------------------------------------------------------------
def gen_seccomp_differential():
    rng = random.Random(20261123)
    out = {}
    for i in range(24):
        stock = [0, 1, 3, 5, 8, 16, 31][i % 7]
        body = bytes([stock, rng.randrange(256)]) + bytes(rng.randrange(256) for _ in range(rng.randrange(16, 200)))
        out["random-%02d" % i] = body
    return out


GENERATORS = {
    "wire_decode": lambda v: gen_wire_decode(v),
    "server_dispatch": lambda v: gen_server_dispatch(v),
    "socket_transport": lambda v: gen_socket_transport(v),
    "flipcall_window": lambda v: gen_flipcall_window(v),
    "server_stateful": lambda v: gen_server_stateful(v),
    "oci_spec": lambda v: gen_oci_spec(),
    "oci_mount_hints": lambda v: gen_oci_mount_hints(),
    "seccomp_differential": lambda v: gen_seccomp_differential(),
    "policy_parser": lambda v: gen_policy_parser(),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only report whether the seeds are up to date")
    ap.add_argument("--out", default=os.path.join(FUZZ, "corpus"), help="corpus root (default fuzz/corpus)")
    args = ap.parse_args()
    vectors = load_vectors()
    stale = []
    for target, gen in GENERATORS.items():
        d = os.path.join(args.out, target)
        want = {"gen-" + k: v for k, v in gen(vectors).items()}
        have = {f for f in os.listdir(d) if f.startswith("gen-")} if os.path.isdir(d) else set()
        for f in sorted(have - set(want)):
            stale.append(os.path.join(d, f))
            if not args.check:
                os.unlink(os.path.join(d, f))
        for name, data in sorted(want.items()):
            p = os.path.join(d, name)
            cur = open(p, "rb").read() if os.path.exists(p) else None
            if cur != data:
                stale.append(p)
                if not args.check:
                    os.makedirs(d, exist_ok=True)
                    with open(p, "wb") as f:
                        f.write(data)
        if not args.check:
            print("%-22s %4d seeds" % (target, len(want)))
    if args.check and stale:
        print("stale seeds (run fuzz/tools/gen_corpus.py):\n  " + "\n  ".join(stale[:20]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
