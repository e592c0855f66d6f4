using Hostnet.Netlink;

namespace Hostnet.Engine.Intent;

/// <summary>Hostnet's marks on the kernel objects it owns.</summary>
public static class HostnetMarks
{
    /// <summary>
    /// The route protocol number of every route Hostnet makes (<c>ip route … proto hostnet</c>).
    /// Unassigned in iproute2's rt_protos; named there by /etc/iproute2/rt_protos.d/hostnet.conf.
    /// </summary>
    public const RouteProtocol RouteProtocol = (RouteProtocol)77;

    /// <summary>The ifalias of a host interface: <c>hostnet:VM/netN</c>.</summary>
    public const string AliasPrefix = "hostnet:";

    public static string Alias(string vmName, int adapterIndex) => $"{AliasPrefix}{vmName}/net{adapterIndex}";

    /// <summary>Splits an alias back into VM name and adapter index; null when it is not Hostnet's.</summary>
    public static (string Vm, int Adapter)? ParseAlias(string? alias)
    {
        if (alias is null || !alias.StartsWith(AliasPrefix, StringComparison.Ordinal)) return null;
        var rest = alias.AsSpan(AliasPrefix.Length);
        var slash = rest.LastIndexOf("/net", StringComparison.Ordinal);
        if (slash <= 0 || !int.TryParse(rest[(slash + 4)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            return null;
        return (rest[..slash].ToString(), index);
    }

    /// <summary>Interfaces Hostnet may own: vme…</summary>
    public static bool IsHostInterfaceName(string name) => name.StartsWith("vme", StringComparison.Ordinal);
}
