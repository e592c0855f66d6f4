using System.Buffers.Binary;
using Hostnet.Engine.Dhcp;
using Hostnet.Model;
using Hostnet.Netlink.Dhcp;

namespace Hostnet.Engine.Tests.Dhcp;

/// <summary>Router advertisements and DHCPv6 answers on a routed vme, derived from the desired state.</summary>
public class Dhcp6ServerTests
{
    private static readonly Guid Vm1 = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");
    private static readonly MacAddress Mac1 = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly MacAddress Vme = MacAddress.Parse("fe:00:00:00:00:01");
    private static readonly IpAddress Address6 = IpAddress.Parse("2001:db8::201");
    private static readonly IpAddress ClientLinkLocal = IpAddress.Parse("fe80::1");
    private static readonly IpAddress Gateway6 = IpAddress.Parse("fe80::ffff:1:1");

    private static Dhcp6Lease Lease()
    {
        var state = DesiredState.Empty.AddNetwork(Network.HostRouted("Routed", "eth0") with { Dns = [IpAddress.Parse("192.0.2.53"), IpAddress.Parse("2001:db8::53")] })
            .AddVm(new Vm("vm1", Vm1, Guest.Tap, true,
                [new Adapter(0, "Routed", Mac1, [IpPrefix.Host(IpAddress.Parse("192.168.200.201")), IpPrefix.Host(Address6)], null)]));
        return Assert.Single(Dhcp6Lease.Of(state)).Value;
    }

    /// <summary>A client's frame: the layout of a server's reply with the ports swapped.</summary>
    private static byte[] Frame(Dhcp6Message m, MacAddress? source = null)
    {
        var frame = Ipv6Frame.Dhcp6Reply(source ?? Mac1, MacAddress.Parse("33:33:00:01:00:02"), ClientLinkLocal, IpAddress.Parse("ff02::1:2"), m);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(54), Ipv6Frame.Dhcp6ClientPort);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(56), Ipv6Frame.Dhcp6ServerPort);
        return frame;
    }

    private static Dhcp6Message Solicit(Dhcp6MessageType type = Dhcp6MessageType.Solicit, byte[]? serverId = null) => new()
    {
        Type = type,
        TransactionId = 0x123456,
        Options = [(Dhcp6Option.ClientId, [0, 3, 0, 1, 2, 0, 0, 0, 0, 1]), (Dhcp6Option.IaNa, new byte[12] { 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0 }),
            .. serverId is null ? Array.Empty<(ushort, byte[])>() : [(Dhcp6Option.ServerId, serverId)]],
    };

    private static (Dhcp6Message Message, IpAddress From, IpAddress To) Answer(byte[] request)
    {
        var frame = Dhcp6Server.Answer(Lease(), Vme, request);
        Assert.NotNull(frame);
        var ip = frame.AsSpan(14);
        Assert.Equal(546, BinaryPrimitives.ReadUInt16BigEndian(ip[42..]));
        return (Dhcp6Message.Read(ip[48..]), IpAddress.FromBytes(ip.Slice(8, 16)), IpAddress.FromBytes(ip.Slice(24, 16)));
    }

    [Fact]
    public void A_solicit_is_advertised_the_adapters_address_and_a_request_is_replied_with_it()
    {
        var (advertise, from, to) = Answer(Frame(Solicit()));
        Assert.Equal(Dhcp6MessageType.Advertise, advertise.Type);
        Assert.Equal(0x123456u, advertise.TransactionId);
        Assert.Equal(Gateway6, from);
        Assert.Equal(ClientLinkLocal, to);
        Assert.Equal(Dhcp6Server.ServerDuid(Vme), advertise.Option(Dhcp6Option.ServerId));
        var ia = advertise.Option(Dhcp6Option.IaNa)!;
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32BigEndian(ia));
        var (code, addr) = Assert.Single(Dhcp6Message.ReadOptions(ia.AsSpan(12)));
        Assert.Equal(Dhcp6Option.IaAddr, code);
        Assert.Equal(Address6, IpAddress.FromBytes(addr.AsSpan(0, 16)));
        // Only the IPv6 DNS servers of the network.
        Assert.Equal(IpAddress.Parse("2001:db8::53"), IpAddress.FromBytes(advertise.Option(Dhcp6Option.DnsServers)));

        var (reply, _, _) = Answer(Frame(Solicit(Dhcp6MessageType.Request, Dhcp6Server.ServerDuid(Vme))));
        Assert.Equal(Dhcp6MessageType.Reply, reply.Type);
        Assert.NotNull(reply.Option(Dhcp6Option.IaNa));
    }

    [Fact]
    public void Another_server_and_another_MAC_get_no_answer()
    {
        Assert.Null(Dhcp6Server.Answer(Lease(), Vme, Frame(Solicit(Dhcp6MessageType.Request, [0, 3, 0, 1, 9, 9, 9, 9, 9, 9]))));
        Assert.Null(Dhcp6Server.Answer(Lease(), Vme, Frame(Solicit(), source: MacAddress.Parse("02:00:00:00:00:02"))));
    }

    [Fact]
    public void A_router_advertisement_names_the_gateway_with_the_managed_flag_and_a_valid_checksum()
    {
        var ra = Dhcp6Server.Advertisement(Lease(), Vme);
        Assert.Equal("333300000001", Convert.ToHexString(ra, 0, 6));
        var ip = ra.AsSpan(14);
        Assert.Equal(255, ip[7]);
        Assert.Equal(Gateway6, IpAddress.FromBytes(ip.Slice(8, 16)));
        Assert.Equal(IpAddress.Parse("ff02::1"), IpAddress.FromBytes(ip.Slice(24, 16)));
        var icmp = ip[40..];
        Assert.Equal(134, icmp[0]);
        Assert.Equal(0xC0, icmp[5] & 0xC0);
        Assert.Equal(Dhcp6Server.RouterLifetime, BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]));
        uint pseudo = 0;
        for (int i = 8; i < 40; i += 2) pseudo += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        pseudo += (uint)icmp.Length + 58;
        // A message whose checksum is right sums to 0xffff in one's complement (RFC 1071).
        uint sum = pseudo;
        for (int i = 0; i + 1 < icmp.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(icmp[i..]);
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        Assert.Equal(0xffffu, sum);
    }
}
