# ipv4.s - parse Ethernet + IPv4 in the data (r1 = data, r2 = its length)
# and check the IPv4 header checksum.
# Returns protocol << 32 | 1 when the checksum is valid, protocol << 32 when
# it is not, 0 when the data is not an IPv4 packet.
    r0 = 0
    if r2 < 34 goto out         # Ethernet (14) + minimal IPv4 header (20)
    r3 = *(u16 *)(r1 + 12)      # EtherType, network byte order
    r3 = be16 r3
    if r3 != 0x800 goto out
    r4 = *(u8 *)(r1 + 14)       # version and IHL
    r5 = r4
    r5 >>= 4
    if r5 != 4 goto out
    r4 &= 15
    r4 <<= 2                    # header length in bytes
    if r4 < 20 goto out
    r5 = r4
    r5 += 14
    if r5 > r2 goto out
    r6 = r1                     # ones' complement sum of the header words
    r6 += 14
    r7 = r6
    r7 += r4
    r8 = 0
loop:
    r9 = *(u16 *)(r6 + 0)
    r9 = be16 r9
    r8 += r9
    r6 += 2
    if r6 < r7 goto loop
fold:
    r9 = r8
    r9 >>= 16
    r8 &= 65535
    r8 += r9
    r9 = r8
    r9 >>= 16
    if r9 != 0 goto fold
    r0 = *(u8 *)(r1 + 23)       # protocol
    r0 <<= 32
    if r8 != 65535 goto out     # a valid header sums to 0xffff
    r0 |= 1
out:
    exit
