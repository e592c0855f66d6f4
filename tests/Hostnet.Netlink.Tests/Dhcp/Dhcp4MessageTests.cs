using System.Buffers.Binary;
using Hostnet.Netlink.Dhcp;

namespace Hostnet.Netlink.Tests.Dhcp;

public class Dhcp4MessageTests
{
    /// <summary>
    /// A DHCPDISCOVER as ISC dhclient 4.4 sent it (captured with tcpdump on the other end of a veth pair):
    /// Ethernet broadcast from 02:00:00:00:00:01, 0.0.0.0:68 → 255.255.255.255:67, xid 0x7f0ed010, options
    /// 53 (discover) and 55 (1, 28, 2, 3, 15, 6, 12), padded to 300 bytes of BOOTP.
    /// </summary>
    private const string DhclientDiscover =
        "ffffffffffff020000000001080045100148000000008011399600000000ffffffff0044004301348ca1010106007f0ed01000000000000000000000000000000000000000000200000000"
        + "010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        + "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000638253633501013707011c02030f060cff0000000000"
        + "000000000000000000000000000000000000000000000000000000000000000000000000000000000000";

    [Fact]
    public void Reads_a_discover_as_dhclient_sends_it()
    {
        var frame = Convert.FromHexString(DhclientDiscover);
        Assert.True(Dhcp4Frame.TryReadRequest(frame, out var source, out var m));
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:01"), source);
        Assert.Equal(Dhcp4Message.BootRequest, m.Op);
        Assert.Equal(0x7f0ed010u, m.TransactionId);
        Assert.Equal(Dhcp4MessageType.Discover, m.MessageType);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:01"), m.ClientMac);
        Assert.Equal(IpAddress.Any, m.ClientAddress);
        Assert.False(m.Broadcast);
        Assert.Equal(new byte[] { 1, 28, 2, 3, 15, 6, 12 }, m.ParameterRequestList);
        Assert.Null(m.RequestedAddress);
        Assert.Null(m.ServerIdentifier);
    }

    [Fact]
    public void A_frame_that_is_not_a_request_to_port_67_is_not_read()
    {
        var frame = Convert.FromHexString(DhclientDiscover);
        var toClientPort = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(toClientPort.AsSpan(36), 68);
        Assert.False(Dhcp4Frame.TryReadRequest(toClientPort, out _, out _));
        var fragment = (byte[])frame.Clone();
        fragment[20] = 0x20; // more fragments
        Assert.False(Dhcp4Frame.TryReadRequest(fragment, out _, out _));
        var noCookie = (byte[])frame.Clone();
        noCookie[14 + 20 + 8 + 236] = 0;
        Assert.False(Dhcp4Frame.TryReadRequest(noCookie, out _, out _));
        Assert.False(Dhcp4Frame.TryReadRequest(frame.AsSpan(0, 100), out _, out _));
        var reply = (byte[])frame.Clone();
        reply[14 + 20 + 8] = Dhcp4Message.BootReply;
        Assert.False(Dhcp4Frame.TryReadRequest(reply, out _, out _));
    }

    [Fact]
    public void An_option_that_overruns_the_message_is_a_format_error()
    {
        var payload = Convert.FromHexString(DhclientDiscover)[(14 + 20 + 8)..];
        // Option 55 claims 200 bytes where 7 follow before the padding ends the message.
        var bad = payload[..(236 + 4 + 3 + 2)].ToArray();
        bad[^1] = 200;
        Assert.Throws<DhcpFormatException>(() => Dhcp4Message.Read(bad));
        Assert.False(Dhcp4Message.TryRead(bad, out _));
    }

    [Fact]
    public void A_message_round_trips_and_is_padded_to_300_bytes()
    {
        var m = new Dhcp4Message
        {
            Op = Dhcp4Message.BootReply,
            TransactionId = 0x01020304,
            Flags = Dhcp4Message.BroadcastFlag,
            YourAddress = IpAddress.Parse("192.168.200.201"),
            ClientMac = MacAddress.Parse("02:00:00:00:00:01"),
            Options = [(Dhcp4Option.MessageType, [(byte)Dhcp4MessageType.Offer]), (Dhcp4Option.ServerIdentifier, Dhcp4Message.Addresses([IpAddress.Parse("169.255.30.1")])),
                (Dhcp4Option.DomainNameServer, new byte[300])],
        };
        var bytes = m.ToBytes();
        Assert.True(bytes.Length >= Dhcp4Message.MinimumLength);
        var back = Dhcp4Message.Read(bytes);
        Assert.Equal(0x01020304u, back.TransactionId);
        Assert.True(back.Broadcast);
        Assert.Equal(Dhcp4MessageType.Offer, back.MessageType);
        Assert.Equal(IpAddress.Parse("169.255.30.1"), back.ServerIdentifier);
        Assert.Equal(IpAddress.Parse("192.168.200.201"), back.YourAddress);
        // RFC 3396: a value over 255 bytes is split into two options and read back as one.
        Assert.Equal(300, back.Option(Dhcp4Option.DomainNameServer)!.Length);
    }

    [Fact]
    public void Classless_routes_are_written_as_RFC_3442_says()
    {
        // RFC 3442 §5's encoding: the on-link /32 to the gateway, then the default route via it.
        var value = Dhcp4Message.ClasslessRoutes([
            (IpPrefix.Host(IpAddress.Parse("169.255.30.1")), IpAddress.Any),
            (IpPrefix.Default(IpFamily.Ipv4), IpAddress.Parse("169.255.30.1")),
            (new IpPrefix(IpAddress.Parse("10.17.0.0"), 16), IpAddress.Parse("10.0.0.1")),
        ]);
        Assert.Equal(Convert.FromHexString("20a9ff1e0100000000" + "00a9ff1e01" + "100a110a000001"), value);
        var back = Dhcp4Message.ReadClasslessRoutes(value);
        Assert.Equal(3, back.Count);
        Assert.Equal((new IpPrefix(IpAddress.Parse("10.17.0.0"), 16), IpAddress.Parse("10.0.0.1")), back[2]);
    }

    [Fact]
    public void A_reply_frame_carries_valid_IP_and_UDP_checksums()
    {
        var m = new Dhcp4Message { Op = Dhcp4Message.BootReply, TransactionId = 7, ClientMac = MacAddress.Parse("02:00:00:00:00:01"),
            Options = [(Dhcp4Option.MessageType, [(byte)Dhcp4MessageType.Ack])] };
        var frame = Dhcp4Frame.Reply(MacAddress.Parse("fe:00:00:00:00:01"), MacAddress.Parse("02:00:00:00:00:01"),
            IpAddress.Parse("169.255.30.1"), IpAddress.Parse("192.168.200.201"), m);
        Assert.Equal("020000000001", Convert.ToHexString(frame, 0, 6).ToLowerInvariant());
        var ip = frame.AsSpan(14);
        // A header (or datagram with its pseudo-header) whose checksum is right sums to zero.
        Assert.Equal(0, InternetChecksum.Of(ip[..20]));
        var udp = ip[20..];
        uint pseudo = 0;
        for (int i = 12; i < 20; i += 2) pseudo += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        pseudo += 17 + (uint)udp.Length;
        Assert.Equal(0, InternetChecksum.Of(udp, pseudo));
        Assert.Equal(67, BinaryPrimitives.ReadUInt16BigEndian(udp));
        Assert.Equal(68, BinaryPrimitives.ReadUInt16BigEndian(udp[2..]));
        Assert.Equal(Dhcp4MessageType.Ack, Dhcp4Message.Read(udp[8..]).MessageType);
    }
}
