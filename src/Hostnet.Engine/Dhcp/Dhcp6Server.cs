using Hostnet.Model;
using Hostnet.Netlink.Dhcp;

namespace Hostnet.Engine.Dhcp;

/// <summary>
/// What Hostnet tells a host-routed adapter's guest over IPv6 on its vme: router advertisements naming the
/// network's IPv6 gateway (<c>fe80::ffff:1:1</c>) the default router, with the managed flag, and DHCPv6 handing
/// out the adapter's first IPv6 address as a /128, with the network's IPv6 DNS servers. To <paramref name="Mac"/> only.
/// </summary>
public sealed record Dhcp6Lease(string Interface, MacAddress Mac, IpAddress Address, IpAddress Router, IReadOnlyList<IpAddress> Dns)
{
    public bool Equals(Dhcp6Lease? other) =>
        other is not null && Interface == other.Interface && Mac == other.Mac && Address == other.Address && Router == other.Router
        && Dns.SequenceEqual(other.Dns);

    public override int GetHashCode() => HashCode.Combine(Interface, Mac, Address);

    /// <summary>The IPv6 leases of the running host-routed adapters with an IPv6 address, on networks that answer DHCP, by vme.</summary>
    public static IReadOnlyDictionary<string, Dhcp6Lease> Of(DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var leases = new Dictionary<string, Dhcp6Lease>(StringComparer.Ordinal);
        foreach (var vm in state.Vms)
        {
            if (!vm.Running) continue;
            foreach (var adapter in vm.Adapters)
            {
                if (state.FindNetwork(adapter.Network) is not { AnswersDhcp: true, Mode: NetworkMode.HostRouted } network) continue;
                if (adapter.Addresses.FirstOrDefault(a => a.Family == IpFamily.Ipv6) is not { PrefixLength: > 0 } address) continue;
                var vme = vm.HostInterface(adapter.Index);
                leases[vme] = new Dhcp6Lease(vme, adapter.Mac, address.Address, network.Gateway6 ?? IpAddress.DefaultRoutedGateway6,
                    network.Dns.Where(d => d.IsIpv6).ToList());
            }
        }
        return leases;
    }
}

/// <summary>
/// The answers to a guest's IPv6 requests on its vme (RFC 8415, RFC 4861): an advertisement for a router
/// solicitation; for DHCPv6 an advertise for a solicit (a reply when it asks for rapid commit), a reply with the
/// lease for a request, renew or rebind, a reply for a confirm, release, decline or information request; nothing
/// for another MAC or for a message meant for another server. Pure.
/// </summary>
public static class Dhcp6Server
{
    /// <summary>How long the guest keeps the router: RFC 4861's default, three times the longest advertisement interval.</summary>
    public const ushort RouterLifetime = 1800;

    /// <summary>The server's DUID on a vme: DUID-LL (type 3, Ethernet) of the vme's own MAC, the same across restarts.</summary>
    public static byte[] ServerDuid(MacAddress vmeMac)
    {
        var duid = new byte[10];
        duid[1] = 3;
        duid[3] = 1;
        vmeMac.WriteBytes(duid.AsSpan(4));
        return duid;
    }

    /// <summary>An unsolicited advertisement to all nodes on the vme.</summary>
    public static byte[] Advertisement(Dhcp6Lease lease, MacAddress ownMac)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return Ipv6Frame.RouterAdvert(ownMac, Ipv6Frame.AllNodesMac, lease.Router, Ipv6Frame.AllNodes, RouterLifetime);
    }

    /// <summary>The frame that answers <paramref name="frame"/>; null: none.</summary>
    public static byte[]? Answer(Dhcp6Lease lease, MacAddress ownMac, ReadOnlySpan<byte> frame)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var (source, from, message, solicitation) = Ipv6Frame.Read(frame);
        if (source != lease.Mac) return null;
        if (solicitation) return Advertisement(lease, ownMac);
        if (message is null || Reply(lease, ownMac, message) is not { } reply) return null;
        return Ipv6Frame.Dhcp6Reply(ownMac, lease.Mac, lease.Router, from, reply);
    }

    /// <summary>The message that answers <paramref name="request"/>; null: none.</summary>
    public static Dhcp6Message? Reply(Dhcp6Lease lease, MacAddress ownMac, Dhcp6Message request)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(request);
        var duid = ServerDuid(ownMac);
        if (request.Option(Dhcp6Option.ServerId) is { } named && !named.AsSpan().SequenceEqual(duid)) return null;
        var client = request.Option(Dhcp6Option.ClientId);
        if (client is null && request.Type != Dhcp6MessageType.InformationRequest) return null;
        var options = new List<(ushort, byte[])>();
        if (client is not null) options.Add((Dhcp6Option.ClientId, client));
        options.Add((Dhcp6Option.ServerId, duid));
        Dhcp6MessageType type;
        switch (request.Type)
        {
            case Dhcp6MessageType.Solicit:
                bool rapid = request.Option(Dhcp6Option.RapidCommit) is not null;
                type = rapid ? Dhcp6MessageType.Reply : Dhcp6MessageType.Advertise;
                if (rapid) options.Add((Dhcp6Option.RapidCommit, []));
                AddLease(options, lease, request);
                break;
            case Dhcp6MessageType.Request or Dhcp6MessageType.Renew or Dhcp6MessageType.Rebind:
                type = Dhcp6MessageType.Reply;
                AddLease(options, lease, request);
                break;
            case Dhcp6MessageType.Confirm:
                type = Dhcp6MessageType.Reply;
                options.Add((Dhcp6Option.StatusCode, Confirms(lease, request) ? Dhcp6Message.Status(0, "on link") : Dhcp6Message.Status(4, "not this client's address")));
                break;
            case Dhcp6MessageType.Release or Dhcp6MessageType.Decline:
                type = Dhcp6MessageType.Reply;
                options.Add((Dhcp6Option.StatusCode, Dhcp6Message.Status(0, "the lease stays the adapter's")));
                break;
            case Dhcp6MessageType.InformationRequest:
                type = Dhcp6MessageType.Reply;
                AddDns(options, lease);
                break;
            default:
                return null;
        }
        return new Dhcp6Message { Type = type, TransactionId = request.TransactionId, Options = options };
    }

    private static void AddLease(List<(ushort, byte[])> options, Dhcp6Lease lease, Dhcp6Message request)
    {
        if (request.FirstIaid is { } iaid)
        {
            options.Add((Dhcp6Option.IaNa, Dhcp6Message.IaNa(iaid, DhcpLease.LeaseSeconds / 2, DhcpLease.LeaseSeconds / 8 * 7, lease.Address,
                DhcpLease.LeaseSeconds, DhcpLease.LeaseSeconds)));
        }
        AddDns(options, lease);
    }

    private static void AddDns(List<(ushort, byte[])> options, Dhcp6Lease lease)
    {
        if (lease.Dns.Count == 0) return;
        var value = new byte[16 * lease.Dns.Count];
        for (int i = 0; i < lease.Dns.Count; i++) lease.Dns[i].WriteBytes(value.AsSpan(i * 16, 16));
        options.Add((Dhcp6Option.DnsServers, value));
    }

    /// <summary>Whether every address a confirm names (in its IA_NAs) is the lease's.</summary>
    private static bool Confirms(Dhcp6Lease lease, Dhcp6Message request)
    {
        foreach (var (code, value) in request.Options)
        {
            if (code != Dhcp6Option.IaNa || value.Length < 12) continue;
            foreach (var (inner, addr) in Dhcp6Message.ReadOptions(value.AsSpan(12)))
            {
                if (inner == Dhcp6Option.IaAddr && addr.Length >= 16 && IpAddress.FromBytes(addr.AsSpan(0, 16)) != lease.Address) return false;
            }
        }
        return true;
    }
}
