using Hostnet.Netlink.Dhcp;

namespace Hostnet.Engine.Dhcp;

/// <summary>
/// The answers of a DHCP server that knows one lease per vme (RFC 2131 §4.3): an offer for a discover, an ack for
/// a request of the lease's address, a nak for a request of another, an ack without lease for an inform, and
/// silence for everyone else's MAC, for a request that chose another server, for a release or a decline (the
/// lease is the desired state's and outlives both). Pure: the frame in, the frame out.
/// </summary>
public static class Dhcp4Server
{
    /// <summary>The reply frame to <paramref name="frame"/> on <paramref name="lease"/>'s vme, whose own MAC is <paramref name="ownMac"/>; null: none.</summary>
    public static byte[]? Answer(DhcpLease lease, MacAddress ownMac, ReadOnlySpan<byte> frame)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!Dhcp4Frame.TryReadRequest(frame, out var source, out var request)) return null;
        // Another guest behind the same port (or one that claims another's hardware address) gets nothing.
        if (source != lease.Mac || request.ClientMac != lease.Mac || request.RelayAddress != IpAddress.Any) return null;
        var reply = Reply(lease, request);
        if (reply is null) return null;
        // RFC 2131 §4.1: to a client that has its address, at it; a client that asked for broadcast, or is told no, by broadcast;
        // otherwise to the address given, at the client's MAC (which the server knows, so no ARP is needed).
        var to = reply.MessageType == Dhcp4MessageType.Nak || request.Broadcast ? new IpAddress(0xFFFFFFFF)
            : request.ClientAddress != IpAddress.Any ? request.ClientAddress
            : reply.YourAddress;
        return Dhcp4Frame.Reply(ownMac, lease.Mac, lease.ServerIdentifier, to, reply);
    }

    /// <summary>The message that answers <paramref name="request"/>; null: none.</summary>
    public static Dhcp4Message? Reply(DhcpLease lease, Dhcp4Message request)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(request);
        switch (request.MessageType)
        {
            case Dhcp4MessageType.Discover:
                return Lease(lease, request, Dhcp4MessageType.Offer);
            case Dhcp4MessageType.Request:
                // SELECTING names its server: an offer of another server's was taken.
                if (request.ServerIdentifier is { } chosen && chosen != lease.ServerIdentifier) return null;
                var wanted = request.RequestedAddress ?? request.ClientAddress;
                return wanted == lease.Address.Address ? Lease(lease, request, Dhcp4MessageType.Ack) : Nak(lease, request);
            case Dhcp4MessageType.Inform:
                return Message(lease, request, Dhcp4MessageType.Ack, IpAddress.Any, withLease: false);
            default:
                return null;
        }
    }

    private static Dhcp4Message Lease(DhcpLease lease, Dhcp4Message request, Dhcp4MessageType type) =>
        Message(lease, request, type, lease.Address.Address, withLease: true);

    private static Dhcp4Message Message(DhcpLease lease, Dhcp4Message request, Dhcp4MessageType type, IpAddress yours, bool withLease)
    {
        var options = new List<(byte, byte[])>
        {
            (Dhcp4Option.MessageType, [(byte)type]),
            (Dhcp4Option.ServerIdentifier, Dhcp4Message.Addresses([lease.ServerIdentifier])),
        };
        if (withLease)
        {
            options.Add((Dhcp4Option.LeaseTime, Dhcp4Message.Seconds32(DhcpLease.LeaseSeconds)));
            options.Add((Dhcp4Option.RenewalTime, Dhcp4Message.Seconds32(DhcpLease.LeaseSeconds / 2)));
            options.Add((Dhcp4Option.RebindingTime, Dhcp4Message.Seconds32(DhcpLease.LeaseSeconds / 8 * 7)));
        }
        options.Add((Dhcp4Option.SubnetMask, Dhcp4Message.Addresses([Mask(lease.Address.PrefixLength)])));
        // RFC 3442: sent to a client that asks for it, which then ignores option 3; option 3 for every other client.
        if (lease.Routes.Count > 0 && request.ParameterRequestList.Contains(Dhcp4Option.ClasslessStaticRoutes))
            options.Add((Dhcp4Option.ClasslessStaticRoutes, Dhcp4Message.ClasslessRoutes(lease.Routes)));
        if (lease.Router is { } router) options.Add((Dhcp4Option.Router, Dhcp4Message.Addresses([router])));
        if (lease.Dns.Count > 0) options.Add((Dhcp4Option.DomainNameServer, Dhcp4Message.Addresses(lease.Dns)));
        return Reply(request, yours, options);
    }

    private static Dhcp4Message Nak(DhcpLease lease, Dhcp4Message request) => Reply(request, IpAddress.Any,
    [
        (Dhcp4Option.MessageType, [(byte)Dhcp4MessageType.Nak]),
        (Dhcp4Option.ServerIdentifier, Dhcp4Message.Addresses([lease.ServerIdentifier])),
        (Dhcp4Option.Message, "requested address is not this client's"u8.ToArray()),
    ]);

    private static Dhcp4Message Reply(Dhcp4Message request, IpAddress yours, List<(byte, byte[])> options) => new()
    {
        Op = Dhcp4Message.BootReply,
        TransactionId = request.TransactionId,
        Flags = request.Flags,
        ClientAddress = request.MessageType == Dhcp4MessageType.Discover ? IpAddress.Any : request.ClientAddress,
        YourAddress = yours,
        ClientMac = request.ClientMac,
        Options = options,
    };

    private static IpAddress Mask(int prefixLength) => new(prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength));
}
