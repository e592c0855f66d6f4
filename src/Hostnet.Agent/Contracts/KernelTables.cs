using System.Globalization;
using System.Text;
namespace Hostnet.Agent.Contracts;

/// <summary>
/// The live server's tables as the tools people know print them (<c>arp -n</c>, <c>ip route</c>), from the
/// documents <c>--json</c> prints: one layout for every front end (the CLI, the demo).
/// </summary>
public static class KernelTables
{
    /// <summary>The neighbour table in <c>arp -n</c>'s columns (the mask column is always empty).</summary>
    public static string Arp(IEnumerable<ArpRowDocument> rows)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{"Address",-25}{"HWtype",-8}{"HWaddress",-20}{"Flags",-6}{"Mask",-16}Iface\n");
        foreach (var r in rows)
        {
            var hwType = r.HwAddress == "(incomplete)" ? "" : r.HwType;
            sb.Append(CultureInfo.InvariantCulture, $"{r.Address,-25}{hwType,-8}{r.HwAddress,-20}{r.Flags,-6}{"",-16}{r.Iface}\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The IPv6 neighbour table in <see cref="Arp"/>'s columns, the address column wide enough for an
    /// IPv6 address (39 characters at most).
    /// </summary>
    public static string Ndp(IEnumerable<ArpRowDocument> rows)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{"Address",-41}{"HWtype",-8}{"HWaddress",-20}{"Flags",-6}Iface\n");
        foreach (var r in rows)
        {
            var hwType = r.HwAddress == "(incomplete)" ? "" : r.HwType;
            sb.Append(CultureInfo.InvariantCulture, $"{r.Address,-41}{hwType,-8}{r.HwAddress,-20}{r.Flags,-6}{r.Iface}\n");
        }
        return sb.ToString();
    }

    /// <summary>The routes Hostnet owns as <c>ip route</c> prints them, with the VM adapter behind each.</summary>
    public static string Routes(IEnumerable<RouteDocument> routes)
    {
        var sb = new StringBuilder();
        foreach (var r in routes)
        {
            sb.Append(r.Destination);
            if (r.Gateway is { } gw) sb.Append(" via ").Append(gw);
            sb.Append(" dev ").Append(r.Dev).Append(" proto ").Append(r.Protocol);
            if (r.Scope == "link") sb.Append(" scope link");
            if (r.Vm is not null) sb.Append("    # ").Append(r.Vm).Append('/').Append(r.Adapter);
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
