using Hostnet.Engine.Dhcp;
using Hostnet.Model;
using Hostnet.Netlink.Dhcp;

namespace Hostnet.Engine.Tests.Dhcp;

/// <summary>The DHCP answers derived from the desired state: who gets what, and what each request is answered with.</summary>
public class Dhcp4ServerTests
{
    private static readonly Guid Vm1 = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");
    private static readonly Guid Vm2 = Guid.Parse("4980d06a-0000-4000-8000-000000000002");
    private static readonly MacAddress Mac1 = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly MacAddress Mac2 = MacAddress.Parse("02:00:00:00:00:02");
    private static readonly MacAddress Vme = MacAddress.Parse("fe:00:00:00:00:01");
    private static readonly IpAddress Gateway = IpAddress.Parse("169.255.30.1");
    private static readonly IpAddress Address1 = IpAddress.Parse("192.168.200.201");

    private static DesiredState State(bool? bridgedDhcp = null, bool running = true, IReadOnlyList<IpAddress>? dns = null)
    {
        var routed = Network.HostRouted("Routed", "eth0") with { Dns = dns ?? [] };
        var bridged = Network.Bridged("Bridged", "br1", "eth0") with { Dhcp = bridgedDhcp };
        return DesiredState.Empty.AddNetwork(routed).AddNetwork(bridged)
            .AddVm(new Vm("vm1", Vm1, Guest.Tap, running, [new Adapter(0, "Routed", Mac1, [IpPrefix.Host(Address1)], null)]))
            .AddVm(new Vm("vm2", Vm2, Guest.Tap, running,
                [new Adapter(0, "Bridged", Mac2, [new IpPrefix(IpAddress.Parse("192.168.200.203"), 24)], IpAddress.Parse("192.168.200.1"))]));
    }

    private static DhcpLease Routed(IReadOnlyList<IpAddress>? dns = null) => DhcpLease.Of(State(dns: dns))[Naming.HostInterface(Vm1, 0)];

    private static Dhcp4Message Request(Dhcp4MessageType type, MacAddress? mac = null, IpAddress? requested = null, IpAddress? serverId = null,
        IpAddress? client = null, bool broadcast = false, byte[]? prl = null)
    {
        var options = new List<(byte, byte[])> { (Dhcp4Option.MessageType, [(byte)type]) };
        if (requested is { } r) options.Add((Dhcp4Option.RequestedAddress, Dhcp4Message.Addresses([r])));
        if (serverId is { } s) options.Add((Dhcp4Option.ServerIdentifier, Dhcp4Message.Addresses([s])));
        options.Add((Dhcp4Option.ParameterRequestList, prl ?? [1, 3, 6, 121]));
        return new Dhcp4Message
        {
            Op = Dhcp4Message.BootRequest,
            TransactionId = 0xabcd,
            Flags = broadcast ? Dhcp4Message.BroadcastFlag : (ushort)0,
            ClientAddress = client ?? IpAddress.Any,
            ClientMac = mac ?? Mac1,
            Options = options,
        };
    }

    /// <summary>The request as the guest sends it, in its frame (client address or 0.0.0.0, to broadcast).</summary>
    private static byte[] Frame(Dhcp4Message request, MacAddress? source = null)
    {
        // A client's frame is the same layout as a server's, ports swapped: built here by hand.
        var reply = Dhcp4Frame.Reply(source ?? request.ClientMac, MacAddress.Parse("ff:ff:ff:ff:ff:ff"), request.ClientAddress,
            new IpAddress(0xFFFFFFFF), request);
        reply[14 + 20] = 0;
        reply[14 + 20 + 1] = 68;
        reply[14 + 20 + 2] = 0;
        reply[14 + 20 + 3] = 67;
        return reply;
    }

    private static (Dhcp4Message Message, IpAddress To, IpAddress From, MacAddress EthTo) Answer(DhcpLease lease, Dhcp4Message request, MacAddress? source = null)
    {
        var frame = Dhcp4Server.Answer(lease, Vme, Frame(request, source));
        Assert.NotNull(frame);
        var ip = frame.AsSpan(14);
        return (Dhcp4Message.Read(ip[28..]), IpAddress.FromBytes(ip.Slice(16, 4)), IpAddress.FromBytes(ip.Slice(12, 4)), MacAddress.FromBytes(frame.AsSpan(0, 6)));
    }

    [Fact]
    public void A_routed_adapter_gets_its_address_as_a_host_with_the_gateway_on_the_link()
    {
        var lease = Routed([IpAddress.Parse("192.0.2.53"), IpAddress.Parse("192.0.2.54")]);
        var (offer, to, from, ethTo) = Answer(lease, Request(Dhcp4MessageType.Discover));

        Assert.Equal(Dhcp4MessageType.Offer, offer.MessageType);
        Assert.Equal(0xabcdu, offer.TransactionId);
        Assert.Equal(Address1, offer.YourAddress);
        Assert.Equal(Mac1, offer.ClientMac);
        Assert.Equal(Gateway, offer.ServerIdentifier);
        Assert.Equal(new byte[] { 255, 255, 255, 255 }, offer.Option(Dhcp4Option.SubnetMask));
        Assert.Equal(Gateway.ToString(), IpAddress.FromBytes(offer.Option(Dhcp4Option.Router)).ToString());
        Assert.Equal([(IpPrefix.Host(Gateway), IpAddress.Any), (IpPrefix.Default(IpFamily.Ipv4), Gateway)],
            Dhcp4Message.ReadClasslessRoutes(offer.Option(Dhcp4Option.ClasslessStaticRoutes)));
        Assert.Equal(Convert.FromHexString("c0000235c0000236"), offer.Option(Dhcp4Option.DomainNameServer));
        Assert.Equal(Convert.FromHexString("00015180"), offer.Option(Dhcp4Option.LeaseTime));
        Assert.Equal(Convert.FromHexString("0000a8c0"), offer.Option(Dhcp4Option.RenewalTime));
        Assert.Equal(Convert.FromHexString("00012750"), offer.Option(Dhcp4Option.RebindingTime));
        // Unicast to the offered address at the client's MAC, from the gateway.
        Assert.Equal(Address1, to);
        Assert.Equal(Gateway, from);
        Assert.Equal(Mac1, ethTo);
    }

    [Fact]
    public void A_client_that_does_not_ask_for_option_121_gets_the_router_only()
    {
        var (offer, _, _, _) = Answer(Routed(), Request(Dhcp4MessageType.Discover, prl: [1, 3, 6]));
        Assert.Null(offer.Option(Dhcp4Option.ClasslessStaticRoutes));
        Assert.Equal(Dhcp4Message.Addresses([Gateway]), offer.Option(Dhcp4Option.Router));
        Assert.Null(offer.Option(Dhcp4Option.DomainNameServer));
    }

    [Fact]
    public void A_request_of_its_address_is_acked_and_of_another_naked()
    {
        var lease = Routed();
        var (ack, _, _, _) = Answer(lease, Request(Dhcp4MessageType.Request, requested: Address1, serverId: Gateway));
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(Address1, ack.YourAddress);

        // A renewal: the client has the address (ciaddr), names no server, and is answered at its address.
        var (renewed, to, _, _) = Answer(lease, Request(Dhcp4MessageType.Request, client: Address1));
        Assert.Equal(Dhcp4MessageType.Ack, renewed.MessageType);
        Assert.Equal(Address1, to);

        // A broadcast one (rebinding, or a client that asked for broadcast) is answered by broadcast.
        var (rebound, toAll, _, _) = Answer(lease, Request(Dhcp4MessageType.Request, client: Address1, broadcast: true));
        Assert.Equal(Dhcp4MessageType.Ack, rebound.MessageType);
        Assert.Equal(new IpAddress(0xFFFFFFFF), toAll);

        var (nak, nakTo, _, _) = Answer(lease, Request(Dhcp4MessageType.Request, requested: IpAddress.Parse("192.168.200.99")));
        Assert.Equal(Dhcp4MessageType.Nak, nak.MessageType);
        Assert.Equal(IpAddress.Any, nak.YourAddress);
        Assert.Equal(new IpAddress(0xFFFFFFFF), nakTo);
    }

    [Fact]
    public void Another_MAC_another_server_a_release_and_a_decline_get_no_answer()
    {
        var lease = Routed();
        Assert.Null(Dhcp4Server.Answer(lease, Vme, Frame(Request(Dhcp4MessageType.Discover, mac: Mac2))));
        // The hardware address of the adapter claimed from another MAC.
        Assert.Null(Dhcp4Server.Answer(lease, Vme, Frame(Request(Dhcp4MessageType.Discover), source: Mac2)));
        Assert.Null(Dhcp4Server.Answer(lease, Vme, Frame(Request(Dhcp4MessageType.Request, requested: Address1, serverId: IpAddress.Parse("192.168.200.1")))));
        Assert.Null(Dhcp4Server.Answer(lease, Vme, Frame(Request(Dhcp4MessageType.Release, client: Address1))));
        Assert.Null(Dhcp4Server.Answer(lease, Vme, Frame(Request(Dhcp4MessageType.Decline, requested: Address1))));
    }

    [Fact]
    public void An_inform_is_acked_without_a_lease()
    {
        var (ack, to, _, _) = Answer(Routed(), Request(Dhcp4MessageType.Inform, client: Address1));
        Assert.Equal(Dhcp4MessageType.Ack, ack.MessageType);
        Assert.Equal(IpAddress.Any, ack.YourAddress);
        Assert.Null(ack.Option(Dhcp4Option.LeaseTime));
        Assert.Equal(Address1, to);
    }

    [Fact]
    public void Leases_are_for_running_adapters_of_networks_that_answer()
    {
        // A host-routed network answers by default, a bridged one only when told to.
        Assert.Equal([Naming.HostInterface(Vm1, 0)], DhcpLease.Of(State()).Keys);
        Assert.Empty(DhcpLease.Of(State(running: false)));
        Assert.Equal([Naming.HostInterface(Vm1, 0)], DhcpLease.Of(State(bridgedDhcp: false)).Keys);

        var bridged = DhcpLease.Of(State(bridgedDhcp: true))[Naming.HostInterface(Vm2, 0)];
        Assert.Equal(Mac2, bridged.Mac);
        Assert.Equal(new IpPrefix(IpAddress.Parse("192.168.200.203"), 24), bridged.Address);
        Assert.Equal(IpAddress.Parse("192.168.200.1"), bridged.Router);
        Assert.Empty(bridged.Routes);
        var (offer, _, _, _) = Answer(bridged, Request(Dhcp4MessageType.Discover, mac: Mac2));
        Assert.Equal(new byte[] { 255, 255, 255, 0 }, offer.Option(Dhcp4Option.SubnetMask));
        Assert.Equal(Dhcp4Message.Addresses([IpAddress.Parse("192.168.200.1")]), offer.Option(Dhcp4Option.Router));
        Assert.Null(offer.Option(Dhcp4Option.ClasslessStaticRoutes));

        var off = State() with { };
        off = off.SetGuestSettings("Routed", false, []);
        Assert.Empty(DhcpLease.Of(off));
    }

    [Fact]
    public void A_lease_is_the_same_for_the_same_state()
    {
        // What a restarted daemon answers is what the one before did: the lease is derived, not remembered.
        Assert.Equal(DhcpLease.Of(State()), DhcpLease.Of(State()));
    }
}
