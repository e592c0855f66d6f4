using System.Buffers.Binary;

namespace Hostnet.Netlink.Dhcp;

/// <summary>DHCPv6 message types (RFC 8415 §7.3).</summary>
public enum Dhcp6MessageType : byte
{
    None = 0,
    Solicit = 1,
    Advertise = 2,
    Request = 3,
    Confirm = 4,
    Renew = 5,
    Rebind = 6,
    Reply = 7,
    Release = 8,
    Decline = 9,
    InformationRequest = 11,
}

/// <summary>DHCPv6 option codes Hostnet reads or writes (RFC 8415 §21, RFC 3646).</summary>
public static class Dhcp6Option
{
    public const ushort ClientId = 1;
    public const ushort ServerId = 2;
    public const ushort IaNa = 3;
    public const ushort IaAddr = 5;
    public const ushort OptionRequest = 6;
    public const ushort StatusCode = 13;
    public const ushort RapidCommit = 14;
    public const ushort DnsServers = 23;
}

/// <summary>
/// A DHCPv6 client/server message (RFC 8415 §8): its type, 24-bit transaction id and top-level options in their
/// order, values raw. Pure: no I/O.
/// </summary>
public sealed class Dhcp6Message
{
    public Dhcp6MessageType Type { get; init; }
    public uint TransactionId { get; init; }
    public IReadOnlyList<(ushort Code, byte[] Value)> Options { get; init; } = [];

    public byte[]? Option(ushort code)
    {
        foreach (var (c, v) in Options)
        {
            if (c == code) return v;
        }
        return null;
    }

    /// <summary>The IAID of the first IA_NA the client sent; null: it asked for no address.</summary>
    public uint? FirstIaid => Option(Dhcp6Option.IaNa) is { Length: >= 12 } ia ? BinaryPrimitives.ReadUInt32BigEndian(ia) : null;

    /// <summary>Reads a message from a UDP payload; throws <see cref="DhcpFormatException"/> for anything that does not read.</summary>
    public static Dhcp6Message Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4) throw new DhcpFormatException("dhcpv6 message: shorter than its header");
        return new Dhcp6Message
        {
            Type = (Dhcp6MessageType)data[0],
            TransactionId = (uint)(data[1] << 16 | data[2] << 8 | data[3]),
            Options = ReadOptions(data[4..]),
        };
    }

    /// <summary>Options as RFC 8415 §21.1 lays them out: code, length, value; throws when one overruns.</summary>
    public static IReadOnlyList<(ushort Code, byte[] Value)> ReadOptions(ReadOnlySpan<byte> data)
    {
        var options = new List<(ushort, byte[])>();
        while (data.Length > 0)
        {
            if (data.Length < 4) throw new DhcpFormatException("dhcpv6 message: a truncated option");
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(data);
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            if (data.Length < 4 + length) throw new DhcpFormatException($"dhcpv6 message: option {code} overruns the message");
            options.Add((code, data.Slice(4, length).ToArray()));
            data = data[(4 + length)..];
        }
        return options;
    }

    public byte[] ToBytes()
    {
        var options = WriteOptions(Options);
        var data = new byte[4 + options.Length];
        data[0] = (byte)Type;
        data[1] = (byte)(TransactionId >> 16);
        data[2] = (byte)(TransactionId >> 8);
        data[3] = (byte)TransactionId;
        options.CopyTo(data, 4);
        return data;
    }

    public static byte[] WriteOptions(IEnumerable<(ushort Code, byte[] Value)> options)
    {
        var bytes = new List<byte>();
        foreach (var (code, value) in options)
        {
            bytes.Add((byte)(code >> 8));
            bytes.Add((byte)code);
            bytes.Add((byte)(value.Length >> 8));
            bytes.Add((byte)value.Length);
            bytes.AddRange(value);
        }
        return [.. bytes];
    }

    /// <summary>An IA_NA (RFC 8415 §21.4) holding one address (§21.6) with its lifetimes.</summary>
    public static byte[] IaNa(uint iaid, uint t1, uint t2, IpAddress address, uint preferred, uint valid)
    {
        var iaAddr = new byte[24];
        address.WriteBytes(iaAddr);
        BinaryPrimitives.WriteUInt32BigEndian(iaAddr.AsSpan(16), preferred);
        BinaryPrimitives.WriteUInt32BigEndian(iaAddr.AsSpan(20), valid);
        var head = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(head, iaid);
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(4), t1);
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(8), t2);
        return [.. head, .. WriteOptions([(Dhcp6Option.IaAddr, iaAddr)])];
    }

    /// <summary>A status code option (RFC 8415 §21.13): 0 Success, 2 NoAddrsAvail, 4 NotOnLink.</summary>
    public static byte[] Status(ushort code, string message) =>
        [(byte)(code >> 8), (byte)code, .. System.Text.Encoding.UTF8.GetBytes(message)];
}
