namespace Hostnet.Model;

public static partial class StateRules
{
    /// <summary>
    /// A host-routed network's IPv6 gateway, on every vme: an IPv6 address a host can hold. Link-local
    /// is what it usually is (<c>fe80::ffff:1:1</c>, <c>fe80::1</c>): one address serves every link.
    /// </summary>
    public static void CheckRoutedGateway6(IpAddress gateway6)
    {
        if (gateway6.IsIpv4)
        {
            throw new ValidationException("gateway-family-mismatch",
                $"{gateway6} is an IPv4 address: a network's IPv6 gateway is an IPv6 one, e.g. {IpAddress.DefaultRoutedGateway6}");
        }
        if (!gateway6.IsLinkLocal && SpecialRange(gateway6) is { } range)
        {
            throw new ValidationException(
                "gateway-not-unicast", $"{gateway6} is {range} and cannot be a gateway: give a unicast address such as {IpAddress.DefaultRoutedGateway6}");
        }
    }

    /// <summary>
    /// An adapter's own gateways as a user gives them: <paramref name="gateway"/> of either family,
    /// <paramref name="gateway6"/> an IPv6 one beside it; at most one per family.
    /// </summary>
    public static (IpAddress? First, IpAddress? Second) ParseAdapterGateways(string? gateway, string? gateway6)
    {
        var first = gateway is null ? (IpAddress?)null : ParseAddress(gateway);
        var second = gateway6 is null ? (IpAddress?)null : ParseAddress(gateway6);
        if (second is { } g6 && first is { } g && g.Family == g6.Family)
        {
            throw new ValidationException("gateway-family-twice",
                $"{g} and {g6} are both {(g.IsIpv4 ? "IPv4" : "IPv6")} gateways: an adapter has one gateway per family (one IPv4, one IPv6)");
        }
        if (second is { IsIpv4: true } v4)
        {
            throw new ValidationException("gateway-family-mismatch", $"{v4} is an IPv4 address: the adapter's IPv6 gateway is an IPv6 one (its IPv4 gateway is gateway)");
        }
        return (first, second);
    }

    /// <summary>
    /// The gateways a user gave (<c>--gateway</c>, once per family) as an adapter's IPv4 (or only) gateway and
    /// the IPv6 one beside it.
    /// </summary>
    public static (string? Gateway, string? Gateway6) SplitGateways(IReadOnlyList<string>? given)
    {
        if (given is not { Count: > 0 }) return (null, null);
        if (given.Count > 2)
        {
            throw new ValidationException("gateway-family-twice",
                $"{given.Count} gateways given: an adapter has one gateway per family (one IPv4, one IPv6)");
        }
        if (given.Count == 1) return (given[0], null);
        // IPv4 first: the second is the IPv6 one beside it.
        return IpAddress.TryParse(given[0], out var a) && a.IsIpv6 && IpAddress.TryParse(given[1], out var b) && b.IsIpv4
            ? (given[1], given[0])
            : (given[0], given[1]);
    }

    /// <summary>A bridged adapter's own gateway: a router on the LAN, in the subnet of one of its addresses of the family.</summary>
    private static void CheckBridgedGateway(Adapter adapter, IpAddress gateway)
    {
        if (!adapter.Addresses.Any(c => c.Family == gateway.Family))
        {
            throw new ValidationException("gateway-off-subnet",
                $"gateway {gateway} needs an {(adapter.Addresses.Count == 0 ? "" : gateway.IsIpv4 ? "IPv4 " : "IPv6 ")}address of the adapter in its subnet", new Remedy.GiveIpWithPrefix(), ("gateway", gateway.ToString()));
        }
        if (gateway.IsIpv6 && (gateway.IsLinkLocal ? null : SpecialRange(gateway)) is { } range6)
        {
            throw new ValidationException("gateway-not-unicast", $"{gateway} is {range6} and cannot be a gateway: give the LAN router's address");
        }
        // An IPv6 router is often known by its link-local address alone (fe80::1): it is on every link.
        if (!gateway.IsLinkLocal && !adapter.Addresses.Any(c => c.Contains(gateway)))
        {
            var first = adapter.Addresses.First(c => c.Family == gateway.Family);
            var subnet = new IpPrefix(first.Network, first.PrefixLength);
            throw new ValidationException(
                "gateway-outside-subnet", $"gateway {gateway} is outside the subnet of {first}: give a gateway in {subnet}");
        }
        foreach (var c in adapter.Addresses)
        {
            if (!c.Contains(gateway) || !c.Address.IsIpv4 || c.PrefixLength > 30) continue;
            var subnet = new IpPrefix(c.Network, c.PrefixLength);
            if (gateway == c.Network || gateway == c.Broadcast)
            {
                throw new ValidationException(
                    "gateway-not-a-host", $"gateway {gateway} is the {(gateway == c.Network ? "network" : "broadcast")} address of {subnet}, not a host: give the LAN router's address");
            }
        }
    }
}
