#!/usr/bin/env python3
"""gen_sample.py - writes examples/sample.pcap, the demo's capture (python3,
standard library only; the output is the same byte for byte every time).

  python3 examples/gen_sample.py [OUT]       default: examples/sample.pcap

Each packet is one line of PACKETS below: the traffic of network 10.0.0.0/8
around host 10.0.0.1, with what each demo program does to it: the XDP
firewall (examples/xdp_fw.c) answers pings to 10.0.0.1 (XDP_TX), drops DNS
queries from outside and then everything from their sources (XDP_DROP),
aborts truncated headers; the tc program (examples/tc_nat.c) rewrites the
source of traffic leaving 10.0.0.0/8 (checksums updated), drops telnet
(TC_ACT_SHOT) and leaves what is not IPv4 to others (TC_ACT_UNSPEC).  The
runt frame (8 bytes) is refused by the kernel's test run itself.  Every
checksum is valid.
"""
import struct
import sys

MAC_A = bytes.fromhex("020000000001")  # the sender's side
MAC_B = bytes.fromhex("020000000002")  # the receiver's side


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def eth(proto, payload, vlans=()):
    hdr = MAC_B + MAC_A
    for tpid, vid in vlans:
        hdr += struct.pack("!HH", tpid, vid)
    return hdr + struct.pack("!H", proto) + payload


def ipv4(src, dst, proto, l4, ident, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0x4000, ttl, proto, 0, ip4(src), ip4(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def pseudo(src, dst, proto, l4):
    return ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(l4))


def tcp(src, dst, sport, dport, flags, payload=b"", seq=1000, ack=0):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 0xFFFF, 0, 0) + payload
    c = csum(pseudo(src, dst, 6, h) + h)
    return ipv4(src, dst, 6, h[:16] + struct.pack("!H", c) + h[18:], ident=(sport * 7 + dport) & 0xFFFF)


def udp(src, dst, sport, dport, payload, zero_csum=False):
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = 0 if zero_csum else (csum(pseudo(src, dst, 17, h) + h) or 0xFFFF)
    return ipv4(src, dst, 17, h[:6] + struct.pack("!H", c) + h[8:], ident=(sport * 5 + dport) & 0xFFFF)


def ping(src, dst, seq, payload=b"pingpingpingpingpingpingpingping"):
    h = struct.pack("!BBHHH", 8, 0, 0, 0x1234, seq) + payload
    h = h[:2] + struct.pack("!H", csum(h)) + h[4:]
    return ipv4(src, dst, 1, h, ident=0x100 + seq)


def dns_query(name):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)


def ipv6(src, dst, nh, l4):
    return struct.pack("!IHBB16s16s", 6 << 28, len(l4), nh, 64, src, dst) + l4


V6A = bytes.fromhex("20010db8000000000000000000000001")
V6B = bytes.fromhex("20010db8000000000000000000000002")
DATA = bytes(range(256)) * 6

PACKETS = [
    # a TCP session inside the network: passes both programs unchanged
    eth(0x0800, tcp("10.0.0.1", "10.0.0.2", 40000, 80, 0x02)),
    eth(0x0800, tcp("10.0.0.2", "10.0.0.1", 80, 40000, 0x12, ack=1001)),
    eth(0x0800, tcp("10.0.0.1", "10.0.0.2", 40000, 80, 0x18, b"GET / HTTP/1.1\r\nHost: 10.0.0.2\r\n\r\n")),
    # DNS: a query from inside passes; one from outside is dropped (xdp)
    eth(0x0800, udp("10.0.0.5", "10.0.0.53", 5353, 53, dns_query("example.com"))),
    eth(0x0800, udp("192.0.2.7", "10.0.0.53", 33000, 53, dns_query("example.com"))),
    # ... and so is everything later from that source (blocklist)
    eth(0x0800, tcp("192.0.2.7", "10.0.0.2", 33001, 22, 0x02)),
    # pings: to 10.0.0.1 answered by the firewall (XDP_TX, changed); others pass
    eth(0x0800, ping("203.0.113.4", "10.0.0.1", 1)),
    eth(0x0800, ping("10.0.0.1", "8.8.8.8", 2)),
    eth(0x0800, ping("10.0.0.9", "10.0.0.1", 3)),
    # VLAN-tagged (xdp parses the tags; tc leaves non-IPv4 frames to others)
    eth(0x0800, tcp("10.1.0.1", "10.2.0.2", 43210, 443, 0x10), vlans=[(0x8100, 100)]),
    eth(0x0800, udp("203.0.113.4", "10.0.0.53", 40001, 53, dns_query("example.org")),
        vlans=[(0x88A8, 200), (0x8100, 100)]),
    # IPv6, ARP
    eth(0x86DD, ipv6(V6A, V6B, 17, struct.pack("!HHHH", 5000, 53, 8 + 12, 0) + dns_query("a.b")[:12])),
    eth(0x86DD, ipv6(V6A, V6B, 6, struct.pack("!HHIIBBHHH", 50000, 443, 1, 0, 0x50, 0x02, 0xFFFF, 0, 0))),
    eth(0x0806, bytes.fromhex("0001080006040001") + MAC_A + ip4("10.0.0.1") + bytes(6) + ip4("10.0.0.2")),
    # a runt (the kernel's test run refuses frames shorter than 14 bytes)
    MAC_B[:6] + MAC_A[:2],
    # a VLAN tag cut short: the firewall aborts it
    eth(0x8100, b"\x00"),
    # leaving the network: the tc program rewrites the source (SNAT)
    eth(0x0800, tcp("10.0.0.1", "93.184.216.34", 40001, 443, 0x02)),
    eth(0x0800, udp("10.0.0.7", "198.51.100.20", 5353, 123, bytes(48))),
    eth(0x0800, udp("10.0.0.8", "203.0.113.9", 9999, 9999, b"no checksum", zero_csum=True)),
    # telnet, dropped by the tc program whatever the destination
    eth(0x0800, tcp("10.0.0.3", "10.0.0.2", 50000, 23, 0x02)),
    eth(0x0800, tcp("10.0.0.4", "192.0.2.50", 50001, 23, 0x02)),
    # bulk data inside the network, from 64 to 1514 bytes on the wire
    eth(0x0800, tcp("10.0.0.2", "10.0.0.1", 80, 40000, 0x10, DATA[:76], ack=1035)),
    eth(0x0800, tcp("10.0.0.2", "10.0.0.1", 80, 40000, 0x10, DATA[:888], seq=1076, ack=1035)),
    eth(0x0800, tcp("10.0.0.2", "10.0.0.1", 80, 40000, 0x10, DATA[:1460], seq=1964, ack=1035)),
    eth(0x0800, tcp("10.0.0.1", "10.0.0.2", 40000, 80, 0x10, ack=3424)),
    # a second ping from the blocked source: dropped, not answered
    eth(0x0800, ping("192.0.2.7", "10.0.0.1", 4)),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "examples/sample.pcap"
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # pcap, microseconds, Ethernet
        for i, p in enumerate(PACKETS):
            f.write(struct.pack("<IIII", 1700000000 + i // 10, (i % 10) * 100000, len(p), len(p)) + p)
    print("%s: %d packets" % (out, len(PACKETS)))


main()
