#!/usr/bin/env python3
"""mkseeds_pcap.py - writes the seed corpus of fuzz_pcap (corpus/fuzz_pcap):
captures built from the packets of examples/sample.pcap (the demo's
traffic), valid and broken, so that the fuzzer starts from both sides of
every check libpcap and bpfrt_prog__run_pcap make.  Standard library only;
the output is the same every time.

  python3 tests/fuzz/mkseeds_pcap.py [ROOT]     ROOT: the repository (default ../..)

Valid: pcap little and big endian, micro- and nanosecond magic, an empty
packet, a 9,000-byte packet (past a test run's single buffer: refused, or
fragments for the multi-buffer program), pcapng with section, interface,
enhanced and simple packet blocks.  Broken: the file header cut, a record
header cut, a record cut mid-packet, a bad magic, snaplen 0, a caplen
larger than the snaplen and than libpcap's maximum, pcapng with a block
length that is not a multiple of 4, shorter than a block, longer than the
file, and trailing lengths that disagree.
"""
import os
import struct
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus", "fuzz_pcap")


def sample_packets():
    data = open(os.path.join(ROOT, "examples", "sample.pcap"), "rb").read()
    pkts, off = [], 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack_from("<IIII", data, off)
        pkts.append(data[off + 16 : off + 16 + caplen])
        off += 16 + caplen
    return pkts


def pcap(pkts, endian="<", magic=0xA1B2C3D4, snaplen=65535, caplens=None):
    out = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, 1)
    for i, p in enumerate(pkts):
        cl = caplens[i] if caplens else len(p)
        out += struct.pack(endian + "IIII", 1700000000 + i, i * 1000, cl, len(p)) + p
    return out


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng(pkts, simple=False):
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", 1, 0, 65535))
    for i, p in enumerate(pkts):
        if simple:
            out += block(3, struct.pack("<I", len(p)) + p)
        else:
            out += block(6, struct.pack("<IIIII", 0, 0, 1000 * i, len(p), len(p)) + p)
    return out


def main():
    pk = sample_packets()
    few = pk[:6]
    big = pk[0][:14] + bytes(range(256)) * 35
    seeds = {
        "valid_le": pcap(few),
        "valid_be": pcap(few, endian=">"),
        "valid_nsec": pcap(few, magic=0xA1B23C4D),
        "empty_and_big": pcap([b"", pk[0], big[:9000], pk[1][:8]]),
        "only_header": pcap([]),
        "ng_enhanced": pcapng(few),
        "ng_simple": pcapng(few[:3], simple=True),
        "ng_big": pcapng([big[:9000], b""]),
        "cut_file_header": pcap(few)[:13],
        "cut_record_header": pcap(few[:2])[: 24 + 16 + len(few[0]) + 7],
        "cut_mid_packet": pcap(few[:2])[: 24 + 16 + len(few[0]) + 16 + 10],
        "bad_magic": b"\xde\xad\xbe\xef" + pcap(few)[4:],
        "snaplen_0": pcap(few[:2], snaplen=0),
        "caplen_over_snaplen": pcap(few[:2], snaplen=64, caplens=[len(few[0]), 200]),
        "caplen_huge": pcap([few[0]], caplens=[0x7FFFFFF0]),
    }
    ng = pcapng(few[:2])
    shb_len = struct.unpack_from("<I", ng, 4)[0]
    seeds["ng_block_len_odd"] = ng[:4] + struct.pack("<I", shb_len + 1) + ng[8:]
    seeds["ng_block_len_short"] = ng[:shb_len] + struct.pack("<II", 1, 8) + ng[shb_len + 8 :]
    epb = len(ng) - (12 + 20 + len(few[1]) + (-len(few[1]) % 4))
    seeds["ng_block_len_long"] = ng[: epb + 4] + struct.pack("<I", 0x10000) + ng[epb + 8 :]
    seeds["ng_epb_len_huge"] = ng[: epb + 4] + struct.pack("<I", 0xFFFFFFF0) + ng[epb + 8 :]
    seeds["ng_trailer_mismatch"] = ng[:-4] + struct.pack("<I", 4)
    seeds["ng_cut"] = ng[: len(ng) - 9]
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


main()
