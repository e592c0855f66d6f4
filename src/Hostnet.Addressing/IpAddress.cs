using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Hostnet.Addressing;

/// <summary>
/// An IPv4 or IPv6 address: its family and its value as a host-order number (an IPv4 address in
/// the low 32 bits). Cheap to compare, hash and sort; IPv4 sorts before IPv6. <c>default</c> is 0.0.0.0.
/// </summary>
public readonly struct IpAddress : IEquatable<IpAddress>, IComparable<IpAddress>
{
    private readonly UInt128 _value;

    /// <summary>An IPv4 address from its host-order number (<c>0xC0A8C8C9</c> is 192.168.200.201).</summary>
    public IpAddress(uint ipv4)
    {
        _value = ipv4;
        Family = IpFamily.Ipv4;
    }

    /// <summary>An address of <paramref name="family"/> from its host-order number, which must fit the family.</summary>
    public IpAddress(IpFamily family, UInt128 value)
    {
        if (family == IpFamily.Ipv4 && value > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(value), "an IPv4 address has 32 bits");
        if (family is not (IpFamily.Ipv4 or IpFamily.Ipv6)) throw new ArgumentOutOfRangeException(nameof(family));
        _value = value;
        Family = family;
    }

    public IpFamily Family { get; }

    /// <summary>The value as a host-order number: 32 bits for IPv4, 128 for IPv6.</summary>
    public UInt128 Value => _value;

    public bool IsIpv4 => Family == IpFamily.Ipv4;

    public bool IsIpv6 => Family == IpFamily.Ipv6;

    /// <summary>0.0.0.0.</summary>
    public static IpAddress Any => default;

    /// <summary>::.</summary>
    public static IpAddress Ipv6Any => new(IpFamily.Ipv6, 0);

    /// <summary>The all-zero address of <paramref name="family"/>, the destination of a default route.</summary>
    public static IpAddress Unspecified(IpFamily family) => new(family, 0);

    /// <summary>The gateway the seed's system gives host-routed VMs (not in 169.254/16).</summary>
    public static IpAddress DefaultRoutedGateway => new(0xA9FF1E01); // 169.255.30.1

    /// <summary>The IPv6 gateway the seed's system gives host-routed VMs: fe80::ffff:1:1, on every vme.</summary>
    public static IpAddress DefaultRoutedGateway6 => new(IpFamily.Ipv6, ((UInt128)0xFE80 << 112) | 0xFFFF_0001_0001);

    private uint V4 => (uint)_value;

    private ushort V6Word(int i) => (ushort)(_value >> (112 - 16 * i));

    /// <summary>0.0.0.0/8 (IPv4's "this network"), or :: itself.</summary>
    public bool IsUnspecifiedNetwork => IsIpv4 ? (V4 >> 24) == 0 : _value == 0;

    /// <summary>127.0.0.0/8, ::1.</summary>
    public bool IsLoopback => IsIpv4 ? (V4 >> 24) == 127 : _value == 1;

    /// <summary>169.254.0.0/16, fe80::/10.</summary>
    public bool IsLinkLocal => IsIpv4 ? (V4 >> 16) == 0xA9FE : (V6Word(0) & 0xFFC0) == 0xFE80;

    /// <summary>224.0.0.0/4, ff00::/8.</summary>
    public bool IsMulticast => IsIpv4 ? (V4 >> 28) == 0xE : (V6Word(0) >> 8) == 0xFF;

    /// <summary>
    /// 240.0.0.0/4 with 255.255.255.255; for IPv6 (no broadcast) the reserved ::/8 other than ::, ::1
    /// and the IPv4-mapped ::ffff:0:0/96.
    /// </summary>
    public bool IsReservedOrBroadcast => IsIpv4
        ? (V4 >> 28) == 0xF
        : (V6Word(0) >> 8) == 0 && _value > 1 && !IsIpv4Mapped;

    /// <summary>An IPv4 address written as IPv6, ::ffff:0:0/96.</summary>
    public bool IsIpv4Mapped => IsIpv6 && (_value >> 32) == 0xFFFF;

    /// <summary>The number of bytes of the address on the wire: 4 or 16.</summary>
    public int ByteLength => Family.ByteLength();

    /// <summary>The address in network order, as the kernel wants it, into the first <see cref="ByteLength"/> bytes.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        if (destination.Length < ByteLength) throw new ArgumentException($"{this} needs {ByteLength} bytes", nameof(destination));
        if (IsIpv4) BinaryPrimitives.WriteUInt32BigEndian(destination, V4);
        else BinaryPrimitives.WriteUInt128BigEndian(destination, _value);
    }

    /// <summary>An address from its network-order bytes: 4 for IPv4, 16 for IPv6.</summary>
    public static IpAddress FromBytes(ReadOnlySpan<byte> networkOrder) => networkOrder.Length switch
    {
        4 => new IpAddress(BinaryPrimitives.ReadUInt32BigEndian(networkOrder)),
        16 => new IpAddress(IpFamily.Ipv6, BinaryPrimitives.ReadUInt128BigEndian(networkOrder)),
        _ => throw new ArgumentException($"an address has 4 or 16 bytes, not {networkOrder.Length}", nameof(networkOrder)),
    };

    public static IpAddress Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not an IP address");

    /// <summary>
    /// IPv4 as a strict dotted quad (four decimal parts 0–255, no leading zeros, nothing else), or IPv6
    /// text (RFC 4291: hex groups, one <c>::</c>, an optional dotted quad at the end; no zone, no brackets).
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out IpAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(text)) return false;
        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (!TryParseIpv6(text, out var v6)) return false;
            address = new IpAddress(IpFamily.Ipv6, v6);
            return true;
        }
        if (!TryParseIpv4(text, out var v4)) return false;
        address = new IpAddress(v4);
        return true;
    }

    private static bool TryParseIpv4(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        var parts = 0;
        foreach (var range in text.Split('.'))
        {
            var p = text[range];
            if (++parts > 4) return false;
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0')) return false;
            var n = 0;
            foreach (var c in p)
            {
                if (c is < '0' or > '9') return false;
                n = n * 10 + (c - '0');
            }
            if (n > 255) return false;
            value = (value << 8) | (uint)n;
        }
        return parts == 4;
    }

    private static bool TryParseIpv6(ReadOnlySpan<char> s, out UInt128 value)
    {
        value = 0;
        Span<ushort> head = stackalloc ushort[8], tail = stackalloc ushort[8];
        int heads = 0, tails = 0, i = 0;
        var compressed = false;
        if (s.StartsWith("::", StringComparison.Ordinal))
        {
            compressed = true;
            i = 2;
            if (i == s.Length) return true;
        }
        while (i < s.Length)
        {
            var colon = s[i..].IndexOf(':');
            var end = colon < 0 ? s.Length : i + colon;
            var part = s[i..end];
            ushort first, second = 0;
            var words = 1;
            if (end == s.Length && part.Contains('.'))
            {
                if (!TryParseIpv4(part, out var v4)) return false;
                first = (ushort)(v4 >> 16);
                second = (ushort)v4;
                words = 2;
            }
            else if (!TryParseGroup(part, out first))
            {
                return false;
            }
            if (heads + tails + words > (compressed ? 7 : 8)) return false;
            var into = compressed ? tail : head;
            ref var count = ref compressed ? ref tails : ref heads;
            into[count++] = first;
            if (words == 2) into[count++] = second;
            i = end;
            if (i == s.Length) break;
            i++; // the colon
            if (i == s.Length) return false; // a single colon at the end
            if (s[i] == ':')
            {
                if (compressed) return false; // a second ::
                compressed = true;
                i++;
            }
        }
        if (compressed ? heads + tails > 7 : heads != 8) return false;
        Span<ushort> all = stackalloc ushort[8];
        head[..heads].CopyTo(all);
        tail[..tails].CopyTo(all[(8 - tails)..]);
        foreach (var w in all) value = (value << 16) | w;
        return true;
    }

    private static bool TryParseGroup(ReadOnlySpan<char> p, out ushort group)
    {
        group = 0;
        if (p.Length is 0 or > 4) return false;
        foreach (var c in p)
        {
            var d = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => -1,
            };
            if (d < 0) return false;
            group = (ushort)((group << 4) | d);
        }
        return true;
    }

    public bool Equals(IpAddress other) => Family == other.Family && _value == other._value;

    public override bool Equals(object? obj) => obj is IpAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Family, _value);

    public int CompareTo(IpAddress other) =>
        Family != other.Family ? Family.CompareTo(other.Family) : _value.CompareTo(other._value);

    public static bool operator ==(IpAddress a, IpAddress b) => a.Equals(b);
    public static bool operator !=(IpAddress a, IpAddress b) => !a.Equals(b);
    public static bool operator <(IpAddress a, IpAddress b) => a.CompareTo(b) < 0;
    public static bool operator >(IpAddress a, IpAddress b) => a.CompareTo(b) > 0;
    public static bool operator <=(IpAddress a, IpAddress b) => a.CompareTo(b) <= 0;
    public static bool operator >=(IpAddress a, IpAddress b) => a.CompareTo(b) >= 0;

    /// <summary>As iproute2 prints it: a dotted quad, or IPv6 as glibc's inet_ntop writes it (RFC 5952).</summary>
    public override string ToString() => IsIpv4 ? Ipv4Text(V4) : Ipv6Text();

    private static string Ipv4Text(uint v) =>
        string.Create(CultureInfo.InvariantCulture, $"{v >> 24}.{(v >> 16) & 0xFF}.{(v >> 8) & 0xFF}.{v & 0xFF}");

    private string Ipv6Text()
    {
        // The first longest run of two or more zero groups becomes "::".
        int bestStart = -1, bestLength = 0;
        for (int i = 0; i < 8;)
        {
            if (V6Word(i) != 0)
            {
                i++;
                continue;
            }
            var start = i;
            while (i < 8 && V6Word(i) == 0) i++;
            if (i - start > bestLength)
            {
                bestStart = start;
                bestLength = i - start;
            }
        }
        if (bestLength < 2) bestStart = -1;
        var s = new StringBuilder(39);
        for (var i = 0; i < 8; i++)
        {
            if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLength)
            {
                if (i == bestStart) s.Append(':');
                continue;
            }
            if (i != 0) s.Append(':');
            // As inet_ntop: an IPv4-compatible (::a.b.c.d) or IPv4-mapped (::ffff:a.b.c.d) address ends in a dotted quad.
            if (i == 6 && bestStart == 0 && (bestLength == 6 || (bestLength == 5 && V6Word(5) == 0xFFFF)))
            {
                s.Append(Ipv4Text((uint)_value));
                return s.ToString();
            }
            s.Append(V6Word(i).ToString("x", CultureInfo.InvariantCulture));
        }
        if (bestStart >= 0 && bestStart + bestLength == 8) s.Append(':');
        return s.ToString();
    }
}
