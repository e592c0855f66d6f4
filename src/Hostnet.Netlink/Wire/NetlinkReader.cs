using System.Buffers.Binary;
using System.Text;

namespace Hostnet.Netlink.Wire;

/// <summary>One netlink message: header fields and the payload after nlmsghdr.</summary>
internal readonly ref struct NetlinkMessage
{
    public NetlinkMessage(ushort type, ushort flags, uint seq, uint portId, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Flags = flags;
        Seq = seq;
        PortId = portId;
        Payload = payload;
    }

    public ushort Type { get; }
    public ushort Flags { get; }
    public uint Seq { get; }
    public uint PortId { get; }
    public ReadOnlySpan<byte> Payload { get; }
}

/// <summary>
/// Walks the netlink messages of one datagram. A header that is truncated, says it is
/// shorter than a header, or runs past the end throws <see cref="NetlinkReadException"/>;
/// the walk always moves forward, so it cannot loop.
/// </summary>
internal ref struct NetlinkReader
{
    private ReadOnlySpan<byte> _rest;

    public NetlinkReader(ReadOnlySpan<byte> datagram) => _rest = datagram;

    public bool TryRead(out NetlinkMessage message)
    {
        if (_rest.IsEmpty)
        {
            message = default;
            return false;
        }
        if (_rest.Length < Native.NLMSG_HDRLEN) ThrowHelper.ThrowRead($"truncated nlmsghdr ({_rest.Length} bytes)");
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(_rest);
        if (len < Native.NLMSG_HDRLEN) ThrowHelper.ThrowRead($"nlmsg_len {len} is shorter than the header");
        if (len > (uint)_rest.Length) ThrowHelper.ThrowRead($"nlmsg_len {len} runs past the end ({_rest.Length} bytes left)");
        message = new NetlinkMessage(
            BinaryPrimitives.ReadUInt16LittleEndian(_rest[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(_rest[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(_rest[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(_rest[12..]),
            _rest[Native.NLMSG_HDRLEN..(int)len]);
        int advance = Math.Min(Native.Align((int)len), _rest.Length);
        _rest = _rest[advance..];
        return true;
    }
}

/// <summary>
/// Walks a run of rtattr/nlattr TLVs. Unknown types are the caller's to skip. A length
/// below 4 or past the end throws; trailing bytes shorter than a header throw.
/// </summary>
internal ref struct AttributeReader
{
    private ReadOnlySpan<byte> _rest;

    public AttributeReader(ReadOnlySpan<byte> attributes) => _rest = attributes;

    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        if (_rest.IsEmpty)
        {
            type = 0;
            value = default;
            return false;
        }
        if (_rest.Length < Native.NLA_HDRLEN) ThrowHelper.ThrowRead($"truncated attribute header ({_rest.Length} bytes)");
        ushort len = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        if (len < Native.NLA_HDRLEN) ThrowHelper.ThrowRead($"attribute length {len} is shorter than its header");
        if (len > _rest.Length) ThrowHelper.ThrowRead($"attribute length {len} runs past the end ({_rest.Length} bytes left)");
        type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & Native.NLA_TYPE_MASK);
        value = _rest[Native.NLA_HDRLEN..len];
        _rest = _rest[Math.Min(Native.Align(len), _rest.Length)..];
        return true;
    }
}

/// <summary>Bounds-checked decoding of fixed headers and attribute values.</summary>
internal static class Decode
{
    public static ReadOnlySpan<byte> Header(ReadOnlySpan<byte> payload, int size, string what)
    {
        if (payload.Length < size) ThrowHelper.ThrowRead($"{what} needs {size} bytes, got {payload.Length}");
        return payload[..size];
    }

    /// <summary>The attributes after a fixed header (aligned to 4).</summary>
    public static ReadOnlySpan<byte> AfterHeader(ReadOnlySpan<byte> payload, int size) =>
        payload.Length <= Native.Align(size) ? default : payload[Native.Align(size)..];

    public static byte U8(ReadOnlySpan<byte> v) => v.Length >= 1 ? v[0] : ThrowHelper.ThrowRead<byte>("u8 attribute too short");

    public static ushort U16(ReadOnlySpan<byte> v) =>
        v.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(v) : ThrowHelper.ThrowRead<ushort>("u16 attribute too short");

    public static uint U32(ReadOnlySpan<byte> v) =>
        v.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(v) : ThrowHelper.ThrowRead<uint>("u32 attribute too short");

    public static int S32(ReadOnlySpan<byte> v) => (int)U32(v);

    /// <summary>An array of 32-bit values (IFLA_INET_CONF, IFLA_INET6_CONF); a trailing partial value is ignored.</summary>
    public static int[] S32Array(ReadOnlySpan<byte> v)
    {
        var result = new int[v.Length / 4];
        for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(v[(i * 4)..]);
        return result;
    }

    public static IpAddress IPv4(ReadOnlySpan<byte> v) =>
        v.Length == 4 ? IpAddress.FromBytes(v) : ThrowHelper.ThrowRead<IpAddress>($"IPv4 attribute of {v.Length} bytes");

    /// <summary>An IPv4 (4 bytes) or IPv6 (16 bytes) address.</summary>
    public static IpAddress IP(ReadOnlySpan<byte> v) =>
        v.Length is 4 or 16 ? IpAddress.FromBytes(v) : ThrowHelper.ThrowRead<IpAddress>($"address attribute of {v.Length} bytes");

    /// <summary>An address of the message's family: 4 bytes for AF_INET, 16 for AF_INET6.</summary>
    public static IpAddress IP(byte family, ReadOnlySpan<byte> v) =>
        v.Length == (family == Interop.Libc.AF_INET ? 4 : 16) ? IpAddress.FromBytes(v)
        : ThrowHelper.ThrowRead<IpAddress>($"{(family == Interop.Libc.AF_INET ? "IPv4" : "IPv6")} attribute of {v.Length} bytes");

    /// <summary>A NUL-terminated (or not) string.</summary>
    public static string String(ReadOnlySpan<byte> v)
    {
        int nul = v.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? v[..nul] : v);
    }

    /// <summary>An Ethernet address; null for a link-layer address of another length (a tunnel's, say).</summary>
    public static MacAddress? Mac(ReadOnlySpan<byte> v) => v.Length == MacAddress.Length ? MacAddress.FromBytes(v) : null;
}
