using System.Globalization;
using System.Text;

namespace Hostnet.Model;

/// <summary>
/// How the guest end of one adapter is to be configured inside the VM: what Hostnet cannot
/// set from the server for a tap guest, and what the guest's own network setup must match.
/// </summary>
/// <param name="Adapter">The adapter (<c>net0</c>, its MAC, its network).</param>
/// <param name="Mode">The mode of the adapter's network.</param>
/// <param name="Addresses">
/// The addresses of <c>ethN</c>: /32 on a host-routed network, address/prefix on a bridged one;
/// none on a bridged adapter without static addresses (the guest's own DHCP).
/// </param>
/// <param name="Gateway">The default gateway: the network's (<c>169.255.30.1</c>) when routed, the adapter's own when bridged.</param>
/// <param name="OnLinkGateway">
/// Routed: the gateway lies outside every /32 of the guest, so the guest needs
/// <c>GW dev ethN scope link</c> before its default route.
/// </param>
public sealed record GuestAdapterSettings(Adapter Adapter, NetworkMode Mode, IReadOnlyList<IpPrefix> Addresses, IpAddress? Gateway, bool OnLinkGateway)
{
    /// <summary>
    /// Routed, with an IPv6 address: the network's IPv6 gateway (<c>fe80::ffff:1:1</c> unless configured),
    /// when link-local on the link already: no on-link route before the default route through it.
    /// Bridged, dual-stack: the adapter's own IPv6 gateway beside the IPv4 one.
    /// </summary>
    public IpAddress? Gateway6 { get; init; }

    /// <summary>The guest-side interface: <c>eth0</c> for <c>net0</c>.</summary>
    public string Interface => Naming.GuestInterface(Adapter.Index);

    /// <summary>
    /// The iproute2 commands that give <c>ethN</c> these settings inside the guest; the default route of
    /// <c>eth0</c> has no metric, that of <c>ethN</c> metric N, so that the first adapter's gateway wins.
    /// </summary>
    public IReadOnlyList<string> IpCommands()
    {
        var dev = Interface;
        var commands = new List<string> { $"ip link set {dev} up" };
        foreach (var c in Addresses) commands.Add($"ip addr add {c} dev {dev}");
        if (Gateway is { } gw)
        {
            // ethN after the first: a metric of N keeps its routes beside eth0's (the same prefix twice is refused).
            var metric = Adapter.Index == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" metric {Adapter.Index}");
            if (OnLinkGateway) commands.Add($"ip route add {gw} dev {dev} scope link{metric}");
            commands.Add($"ip route add default via {gw} dev {dev}{metric}");
            if (Mode == NetworkMode.HostRouted && Adapter.Index > 0)
            {
                // Replies from this adapter's addresses must leave by it: the server's rp_filter drops them elsewhere.
                var table = Naming.GuestRoutingTable(Adapter.Index).ToString(CultureInfo.InvariantCulture);
                commands.Add($"ip route add {gw} dev {dev} scope link table {table}");
                commands.Add($"ip route add default via {gw} dev {dev} table {table}");
                foreach (var c in Addresses)
                {
                    if (c.Family == gw.Family) commands.Add($"ip rule add from {c.Address} lookup {table} priority {table}");
                }
            }
        }
        if (Gateway6 is { } gw6)
        {
            var metric = Adapter.Index == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" metric {Adapter.Index}");
            // A routed network's global IPv6 gateway lies outside every /128 of the guest, like IPv4's.
            var onLink = Mode == NetworkMode.HostRouted && !gw6.IsLinkLocal;
            if (onLink) commands.Add($"ip -6 route add {gw6} dev {dev}{metric}");
            commands.Add($"ip -6 route add default via {gw6} dev {dev}{metric}");
            if (Mode == NetworkMode.HostRouted && Adapter.Index > 0)
            {
                var table = Naming.GuestRoutingTable(Adapter.Index).ToString(CultureInfo.InvariantCulture);
                if (onLink) commands.Add($"ip -6 route add {gw6} dev {dev} table {table}");
                commands.Add($"ip -6 route add default via {gw6} dev {dev} table {table}");
                foreach (var c in Addresses)
                {
                    if (c.Family == IpFamily.Ipv6) commands.Add($"ip -6 rule add from {c.Address} lookup {table} priority {table}");
                }
            }
        }
        return commands;
    }
}

/// <summary>What QEMU (directly or through libvirt) needs to open a tap guest's adapters, and what the guest must set.</summary>
public static class Qemu
{
    /// <summary>
    /// <c>-netdev tap,id=net0,ifname=vme7b9a73a1.0,script=no,downscript=no -device virtio-net-pci,netdev=net0,mac=…</c>
    /// for each adapter: QEMU opens the persistent tap Hostnet made and runs no scripts of its own.
    /// </summary>
    public static IReadOnlyList<string> NetdevArguments(Vm vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var args = new List<string>();
        foreach (var a in vm.Adapters)
        {
            args.Add("-netdev");
            args.Add(string.Create(CultureInfo.InvariantCulture,
                $"tap,id={a.Name},ifname={vm.HostInterface(a.Index)},script=no,downscript=no"));
            args.Add("-device");
            args.Add(string.Create(CultureInfo.InvariantCulture, $"virtio-net-pci,netdev={a.Name},mac={a.Mac}"));
        }
        return args;
    }

    /// <summary>The arguments as one shell-ready line (none of them holds a space or a shell metacharacter).</summary>
    public static string CommandLine(Vm vm)
    {
        var sb = new StringBuilder();
        foreach (var arg in NetdevArguments(vm))
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(arg);
        }
        return sb.ToString();
    }

    /// <summary>
    /// The guest-side settings of each adapter of <paramref name="vm"/>, in adapter order. Routed: the VM's
    /// addresses as /32 (/128), an on-link route to the network's gateway and the default route through it,
    /// and for IPv6 the default route through the network's IPv6 gateway (<c>fe80::ffff:1:1</c>).
    /// Bridged: address/prefix and the adapter's own gateways on the LAN (one per family), if it has them.
    /// </summary>
    /// <exception cref="ValidationException">An adapter names a network that does not exist.</exception>
    public static IReadOnlyList<GuestAdapterSettings> GuestSettings(Vm vm, DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(state);
        var settings = new List<GuestAdapterSettings>();
        foreach (var a in vm.Adapters)
        {
            var network = state.GetNetwork(a.Network);
            // A routed adapter routes each family it has addresses of through the network's gateway of that family.
            var hasIpv4 = a.Addresses.Any(c => c.Family == IpFamily.Ipv4);
            var hasIpv6 = a.Addresses.Any(c => c.Family == IpFamily.Ipv6);
            settings.Add(network.Mode == NetworkMode.HostRouted
                ? new GuestAdapterSettings(a, network.Mode, a.Addresses.Select(c => IpPrefix.Host(c.Address)).ToList(), hasIpv4 ? network.Gateway : null, OnLinkGateway: hasIpv4)
                {
                    Gateway6 = hasIpv6 ? network.Gateway6 : null,
                }
                : new GuestAdapterSettings(a, network.Mode, a.Addresses, a.Gateway, OnLinkGateway: false) { Gateway6 = a.Gateway6 });
        }
        return settings;
    }

    /// <summary>
    /// One libvirt <c>&lt;interface type='ethernet'&gt;</c> element per adapter, for the domain's
    /// <c>&lt;devices&gt;</c>: libvirt opens the tap Hostnet made (<c>managed='no'</c>: it neither creates,
    /// configures nor deletes it) and gives the guest a virtio NIC with the adapter's MAC.
    /// </summary>
    public static string LibvirtInterfaces(Vm vm, string indent = "")
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(indent);
        var sb = new StringBuilder();
        foreach (var a in vm.Adapters)
        {
            // Interface names and MACs hold no character that XML would need escaped (Naming, MacAddress).
            sb.Append(indent).Append("<interface type='ethernet'>\n");
            sb.Append(indent).Append("  <mac address='").Append(a.Mac.ToString()).Append("'/>\n");
            sb.Append(indent).Append("  <target dev='").Append(vm.HostInterface(a.Index)).Append("' managed='no'/>\n");
            sb.Append(indent).Append("  <model type='virtio'/>\n");
            sb.Append(indent).Append("</interface>\n");
        }
        return sb.ToString();
    }
}
