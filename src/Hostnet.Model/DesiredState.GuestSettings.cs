namespace Hostnet.Model;

public sealed partial record DesiredState
{
    /// <summary>
    /// The state with network <paramref name="name"/>'s DHCP switch (<paramref name="dhcp"/>, null: the mode's
    /// default) and DNS servers replaced.
    /// </summary>
    public DesiredState SetGuestSettings(string name, bool? dhcp, IReadOnlyList<IpAddress> dns)
    {
        var network = GetNetwork(name);
        var changed = network with { Dhcp = dhcp, Dns = dns };
        var index = Index;
        var networks = AsImmutable(Networks).Replace(network, changed, ReferenceEqualityComparer.Instance);
        return With(networks, Vms, index with { Networks = index.Networks.SetItem(name, changed) });
    }
}

/// <summary>The settings a network hands its guests (DHCP, cloud-init) as the CLI and the API give them.</summary>
public static class GuestSettingsRules
{
    /// <summary>DNS servers as given (<c>--dns 192.0.2.53,2001:db8::53</c>, repeatable): each one an address, in order, once.</summary>
    public static IReadOnlyList<IpAddress> ParseDns(IReadOnlyList<string>? texts)
    {
        var result = new List<IpAddress>();
        foreach (var text in texts ?? [])
        {
            foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!IpAddress.TryParse(item, out var a) || a.IsUnspecifiedNetwork || a.IsMulticast || a.IsReservedOrBroadcast)
                {
                    throw new ValidationException(RefusalCodes.NotADnsServer,
                        $"'{item}' is not a DNS server address", null, ("dns", item));
                }
                if (!result.Contains(a)) result.Add(a);
            }
        }
        return result;
    }
}
