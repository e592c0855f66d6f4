using System.Buffers.Binary;
using System.Text;

namespace Hostnet.Netlink.Wire;

/// <summary>
/// Writes netlink messages into a span. Lengths are back-filled: <see cref="BeginMessage"/>
/// and <see cref="BeginNested"/> reserve the length field and return a token that
/// <see cref="EndMessage"/>/<see cref="EndNested"/> patch once the payload is known.
/// Every write is bounds-checked. Host byte order (little-endian on every platform we run on).
/// </summary>
internal ref struct NetlinkWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public NetlinkWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    private Span<byte> Take(int length)
    {
        if (length > Remaining) ThrowHelper.ThrowWriteOverflow(length, Remaining);
        var span = _buffer.Slice(_position, length);
        _position += length;
        return span;
    }

    private void Pad()
    {
        int padded = Native.Align(_position);
        if (padded > _buffer.Length) ThrowHelper.ThrowWriteOverflow(padded - _position, Remaining);
        _buffer[_position..padded].Clear();
        _position = padded;
    }

    /// <summary>Starts an nlmsghdr; nlmsg_len is patched by <see cref="EndMessage"/>.</summary>
    public int BeginMessage(ushort type, ushort flags, uint seq, uint portId = 0)
    {
        int start = _position;
        var h = Take(Native.NLMSG_HDRLEN);
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], portId);
        return start;
    }

    public void EndMessage(int token)
    {
        Pad();
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer[token..], (uint)(_position - token));
    }

    // Fixed family headers -------------------------------------------------------------

    /// <summary>Bytes as they are (a fixed header copied from a recorded message), padded to 4.</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Take(bytes.Length));
        Pad();
    }

    public void WriteIfinfomsg(byte family, int index, uint flags, uint change, ushort type = 0)
    {
        var s = Take(Native.SizeOfIfinfomsg);
        s[0] = family;
        s[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], type);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], change);
    }

    public void WriteIfaddrmsg(byte family, byte prefixLength, byte flags, byte scope, int index)
    {
        var s = Take(Native.SizeOfIfaddrmsg);
        s[0] = family;
        s[1] = prefixLength;
        s[2] = flags;
        s[3] = scope;
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
    }

    public void WriteRtmsg(byte family, byte dstLen, byte srcLen, byte table, byte protocol, byte scope, byte type, uint flags = 0)
    {
        var s = Take(Native.SizeOfRtmsg);
        s[0] = family;
        s[1] = dstLen;
        s[2] = srcLen;
        s[3] = 0; // tos
        s[4] = table;
        s[5] = protocol;
        s[6] = scope;
        s[7] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], flags);
    }

    public void WriteNdmsg(byte family, int ifIndex, ushort state, byte flags, byte type = 0)
    {
        var s = Take(Native.SizeOfNdmsg);
        s[0] = family;
        s[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], ifIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(s[8..], state);
        s[10] = flags;
        s[11] = type;
    }

    // Attributes -----------------------------------------------------------------------

    private Span<byte> BeginAttribute(ushort type, int payloadLength)
    {
        int total = Native.NLA_HDRLEN + payloadLength;
        if (total > ushort.MaxValue) ThrowHelper.ThrowWriteOverflow(total, ushort.MaxValue);
        var s = Take(total);
        BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)total);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], type);
        return s[Native.NLA_HDRLEN..];
    }

    public void WriteAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        value.CopyTo(BeginAttribute(type, value.Length));
        Pad();
    }

    public void WriteAttributeU8(ushort type, byte value)
    {
        BeginAttribute(type, 1)[0] = value;
        Pad();
    }

    public void WriteAttributeU16(ushort type, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(BeginAttribute(type, 2), value);
        Pad();
    }

    public void WriteAttributeU32(ushort type, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(BeginAttribute(type, 4), value);
        Pad();
    }

    /// <summary>A NUL-terminated string, as the kernel's NLA_STRING/NLA_NUL_STRING policies accept.</summary>
    public void WriteAttributeString(ushort type, string value)
    {
        int n = Encoding.UTF8.GetByteCount(value);
        var s = BeginAttribute(type, n + 1);
        Encoding.UTF8.GetBytes(value, s);
        s[n] = 0;
        Pad();
    }

    /// <summary>An address in network byte order: 4 bytes for IPv4, 16 for IPv6.</summary>
    public void WriteAttributeAddress(ushort type, IpAddress address)
    {
        address.WriteBytes(BeginAttribute(type, address.ByteLength));
        Pad();
    }

    public void WriteAttributeMac(ushort type, MacAddress mac)
    {
        mac.WriteBytes(BeginAttribute(type, MacAddress.Length));
        Pad();
    }

    /// <summary>Starts a nested attribute; <see cref="EndNested"/> patches its length.</summary>
    public int BeginNested(ushort type)
    {
        int start = _position;
        BeginAttribute(type, 0);
        return start;
    }

    public void EndNested(int token)
    {
        int length = _position - token;
        if (length > ushort.MaxValue) ThrowHelper.ThrowWriteOverflow(length, ushort.MaxValue);
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer[token..], (ushort)length);
    }
}
