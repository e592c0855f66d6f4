using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Hostnet.Netlink.Dhcp;

/// <summary>DHCP message types (RFC 2132 option 53).</summary>
public enum Dhcp4MessageType : byte
{
    None = 0,
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
}

/// <summary>Option codes Hostnet reads or writes (RFC 2132, RFC 3442).</summary>
public static class Dhcp4Option
{
    public const byte Pad = 0;
    public const byte SubnetMask = 1;
    public const byte Router = 3;
    public const byte DomainNameServer = 6;
    public const byte RequestedAddress = 50;
    public const byte LeaseTime = 51;
    public const byte MessageType = 53;
    public const byte ServerIdentifier = 54;
    public const byte ParameterRequestList = 55;
    public const byte Message = 56;
    public const byte RenewalTime = 58;
    public const byte RebindingTime = 59;
    public const byte ClientIdentifier = 61;
    public const byte ClasslessStaticRoutes = 121;
    public const byte End = 255;
}

/// <summary>A DHCP message (either family) that cannot be read: too short, not Ethernet BOOTP, options that overrun it.</summary>
public sealed class DhcpFormatException(string message) : Exception(message);

/// <summary>
/// A DHCPv4 message (RFC 2131 §2, the BOOTP layout): the fixed header and the options after the magic cookie,
/// in their order. Options are kept as raw values (an option that occurs more than once is concatenated, RFC 3396);
/// the typed accessors read the ones a server needs. Pure: no I/O.
/// </summary>
public sealed class Dhcp4Message
{
    /// <summary>op: 1 BOOTREQUEST (client to server), 2 BOOTREPLY.</summary>
    public const byte BootRequest = 1;
    public const byte BootReply = 2;

    /// <summary>The broadcast bit of <see cref="Flags"/>: the client cannot take unicast before it is configured.</summary>
    public const ushort BroadcastFlag = 0x8000;

    // op htype hlen hops xid(4) secs(2) flags(2) ciaddr yiaddr siaddr giaddr chaddr(16) sname(64) file(128)
    private const int FixedLength = 236;
    private const uint MagicCookie = 0x63825363;

    /// <summary>Replies are padded to BOOTP's 300 bytes: some clients drop shorter ones (RFC 1542 §3.1.1).</summary>
    public const int MinimumLength = 300;

    public byte Op { get; init; }
    public uint TransactionId { get; init; }
    public ushort Seconds { get; init; }
    public ushort Flags { get; init; }
    public IpAddress ClientAddress { get; init; }
    public IpAddress YourAddress { get; init; }
    public IpAddress ServerAddress { get; init; }
    public IpAddress RelayAddress { get; init; }
    public MacAddress ClientMac { get; init; }
    public IReadOnlyList<(byte Code, byte[] Value)> Options { get; init; } = [];

    public bool Broadcast => (Flags & BroadcastFlag) != 0;

    public byte[]? Option(byte code)
    {
        foreach (var (c, v) in Options)
        {
            if (c == code) return v;
        }
        return null;
    }

    public Dhcp4MessageType MessageType => Option(Dhcp4Option.MessageType) is [var t] ? (Dhcp4MessageType)t : Dhcp4MessageType.None;

    public IpAddress? RequestedAddress => Address(Dhcp4Option.RequestedAddress);

    public IpAddress? ServerIdentifier => Address(Dhcp4Option.ServerIdentifier);

    /// <summary>The options the client asked for (55); empty when it asked for none.</summary>
    public IReadOnlyList<byte> ParameterRequestList => Option(Dhcp4Option.ParameterRequestList) ?? [];

    private IpAddress? Address(byte code) => Option(code) is { Length: 4 } v ? IpAddress.FromBytes(v) : null;

    /// <summary>Reads a message from a UDP payload; throws <see cref="DhcpFormatException"/> for anything else.</summary>
    public static Dhcp4Message Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < FixedLength + 4) Throw("shorter than a BOOTP header");
        if (data[1] != 1 || data[2] != MacAddress.Length) Throw("not an Ethernet client (htype/hlen)");
        if (BinaryPrimitives.ReadUInt32BigEndian(data[FixedLength..]) != MagicCookie) Throw("no DHCP magic cookie");
        var options = new List<(byte, byte[])>();
        var rest = data[(FixedLength + 4)..];
        while (rest.Length > 0)
        {
            byte code = rest[0];
            if (code == Dhcp4Option.End) break;
            if (code == Dhcp4Option.Pad)
            {
                rest = rest[1..];
                continue;
            }
            if (rest.Length < 2 || rest.Length < 2 + rest[1]) Throw($"option {code} overruns the message");
            var value = rest.Slice(2, rest[1]).ToArray();
            int seen = options.FindIndex(o => o.Item1 == code);
            if (seen >= 0) options[seen] = (code, [.. options[seen].Item2, .. value]);
            else options.Add((code, value));
            rest = rest[(2 + rest[1])..];
        }
        return new Dhcp4Message
        {
            Op = data[0],
            TransactionId = BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            Seconds = BinaryPrimitives.ReadUInt16BigEndian(data[8..]),
            Flags = BinaryPrimitives.ReadUInt16BigEndian(data[10..]),
            ClientAddress = IpAddress.FromBytes(data.Slice(12, 4)),
            YourAddress = IpAddress.FromBytes(data.Slice(16, 4)),
            ServerAddress = IpAddress.FromBytes(data.Slice(20, 4)),
            RelayAddress = IpAddress.FromBytes(data.Slice(24, 4)),
            ClientMac = MacAddress.FromBytes(data.Slice(28, MacAddress.Length)),
            Options = options,
        };
    }

    /// <summary>Whether <paramref name="data"/> reads as a message; the message when it does.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, [NotNullWhen(true)] out Dhcp4Message? message)
    {
        try
        {
            message = Read(data);
            return true;
        }
        catch (DhcpFormatException)
        {
            message = null;
            return false;
        }
    }

    /// <summary>The message on the wire, padded to <see cref="MinimumLength"/>; values longer than 255 bytes split (RFC 3396).</summary>
    public byte[] ToBytes()
    {
        int length = FixedLength + 4 + 1;
        foreach (var (_, v) in Options) length += (v.Length / 255 + 1) * 2 + v.Length;
        var data = new byte[Math.Max(length, MinimumLength)];
        var d = data.AsSpan();
        d[0] = Op;
        d[1] = 1;
        d[2] = MacAddress.Length;
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(d[8..], Seconds);
        BinaryPrimitives.WriteUInt16BigEndian(d[10..], Flags);
        V4(ClientAddress).WriteBytes(d.Slice(12, 4));
        V4(YourAddress).WriteBytes(d.Slice(16, 4));
        V4(ServerAddress).WriteBytes(d.Slice(20, 4));
        V4(RelayAddress).WriteBytes(d.Slice(24, 4));
        ClientMac.WriteBytes(d.Slice(28, MacAddress.Length));
        BinaryPrimitives.WriteUInt32BigEndian(d[FixedLength..], MagicCookie);
        int at = FixedLength + 4;
        foreach (var (code, value) in Options)
        {
            int from = 0;
            do
            {
                int n = Math.Min(255, value.Length - from);
                d[at++] = code;
                d[at++] = (byte)n;
                value.AsSpan(from, n).CopyTo(d[at..]);
                at += n;
                from += n;
            } while (from < value.Length);
        }
        d[at] = Dhcp4Option.End;
        return data;
    }

    /// <summary>The value of an option holding addresses (3, 6, 50, 54 …).</summary>
    public static byte[] Addresses(IEnumerable<IpAddress> addresses)
    {
        var list = addresses.ToList();
        var value = new byte[list.Count * 4];
        for (int i = 0; i < list.Count; i++) list[i].WriteBytes(value.AsSpan(i * 4, 4));
        return value;
    }

    /// <summary>A 32-bit value (lease, T1, T2).</summary>
    public static byte[] Seconds32(uint seconds)
    {
        var value = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(value, seconds);
        return value;
    }

    /// <summary>
    /// Option 121 (RFC 3442): each route as the prefix length, the significant octets of the destination, then the
    /// router (0.0.0.0 for a destination on the link).
    /// </summary>
    public static byte[] ClasslessRoutes(IEnumerable<(IpPrefix Destination, IpAddress Router)> routes)
    {
        var value = new List<byte>();
        Span<byte> a = stackalloc byte[4];
        foreach (var (destination, router) in routes)
        {
            value.Add((byte)destination.PrefixLength);
            destination.Network.WriteBytes(a);
            for (int i = 0; i < (destination.PrefixLength + 7) / 8; i++) value.Add(a[i]);
            router.WriteBytes(a);
            value.AddRange(a.ToArray());
        }
        return [.. value];
    }

    /// <summary>Reads option 121's value back into routes; throws <see cref="DhcpFormatException"/> when it does not read.</summary>
    public static IReadOnlyList<(IpPrefix Destination, IpAddress Router)> ReadClasslessRoutes(ReadOnlySpan<byte> value)
    {
        var routes = new List<(IpPrefix, IpAddress)>();
        Span<byte> a = stackalloc byte[4];
        while (value.Length > 0)
        {
            int length = value[0];
            int significant = (length + 7) / 8;
            if (length > 32 || value.Length < 1 + significant + 4) Throw("option 121 does not read as routes");
            a.Clear();
            value.Slice(1, significant).CopyTo(a);
            routes.Add((new IpPrefix(IpAddress.FromBytes(a), length), IpAddress.FromBytes(value.Slice(1 + significant, 4))));
            value = value[(1 + significant + 4)..];
        }
        return routes;
    }

    private static IpAddress V4(IpAddress a) => a.IsIpv4 ? a : IpAddress.Any;

    [DoesNotReturn]
    private static void Throw(string what) => throw new DhcpFormatException("dhcp message: " + what);
}
