using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Hostnet.Model;

/// <summary>An IPv4 address as a host-order 32-bit number: cheap to compare, hash and sort.</summary>
public readonly record struct IpAddress(uint Value) : IComparable<IpAddress>
{
    public static IpAddress Any => new(0);

    /// <summary>The gateway the seed's system gives host-routed VMs (not in 169.254/16).</summary>
    public static IpAddress DefaultRoutedGateway => new(0xA9FF1E01); // 169.255.30.1

    public bool IsUnspecifiedNetwork => (Value >> 24) == 0;          // 0.0.0.0/8
    public bool IsLoopback => (Value >> 24) == 127;                   // 127.0.0.0/8
    public bool IsLinkLocal => (Value >> 16) == 0xA9FE;               // 169.254.0.0/16
    public bool IsMulticast => (Value >> 28) == 0xE;                  // 224.0.0.0/4
    public bool IsReservedOrBroadcast => (Value >> 28) == 0xF;        // 240.0.0.0/4, 255.255.255.255

    public static IpAddress Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not an IPv4 address");

    /// <summary>Strict dotted quad: four decimal parts 0–255, no leading zeros, nothing else.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out IpAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(text)) return false;
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        uint value = 0;
        foreach (var p in parts)
        {
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0')) return false;
            foreach (var c in p) if (c is < '0' or > '9') return false;
            var n = int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture);
            if (n > 255) return false;
            value = (value << 8) | (uint)n;
        }
        address = new IpAddress(value);
        return true;
    }

    /// <summary>The four bytes in network order, as the kernel wants them.</summary>
    public byte[] GetBytes()
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, Value);
        return b;
    }

    public static IpAddress FromBytes(ReadOnlySpan<byte> networkOrder) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(networkOrder));

    public int CompareTo(IpAddress other) => Value.CompareTo(other.Value);

    public static bool operator <(IpAddress a, IpAddress b) => a.Value < b.Value;
    public static bool operator >(IpAddress a, IpAddress b) => a.Value > b.Value;
    public static bool operator <=(IpAddress a, IpAddress b) => a.Value <= b.Value;
    public static bool operator >=(IpAddress a, IpAddress b) => a.Value >= b.Value;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Value >> 24}.{(Value >> 16) & 0xFF}.{(Value >> 8) & 0xFF}.{Value & 0xFF}");
}
