using System.Buffers.Binary;

namespace Hostnet.Netlink;

/// <summary>The Internet checksum (RFC 1071) of the headers Hostnet writes itself: IPv4, UDP, ICMP and ICMPv6.</summary>
internal static class InternetChecksum
{
    /// <summary>The checksum of <paramref name="data"/> plus <paramref name="partial"/> (a pseudo-header's <see cref="Sum"/>); over data whose checksum is right, 0.</summary>
    public static ushort Of(ReadOnlySpan<byte> data, uint partial = 0)
    {
        uint sum = partial + Sum(data);
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>The 16-bit big-endian words of <paramref name="data"/> added up, an odd last byte as the high half of one more.</summary>
    public static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (uint)data[i] << 8;
        return sum;
    }
}
