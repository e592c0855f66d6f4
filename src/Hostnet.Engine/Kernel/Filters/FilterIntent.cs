using Hostnet.Model;

namespace Hostnet.Engine.Kernel.Filters;

/// <summary>
/// The filter objects the running adapters need: Hostnet's tables where an adapter of their kind
/// runs, and each adapter's set elements (its MAC, its addresses, the protections it has on).
/// </summary>
internal sealed class FilterIntent
{
    private readonly Action<KernelObject> _want;
    private bool _bridged;
    private bool _routed;

    public FilterIntent(Action<KernelObject> want) => _want = want;

    /// <summary>A bridged adapter's elements, in the bridge family's table; the ports its network opens, by bridge, in the inet one.</summary>
    public void Bridged(Network network, Adapter adapter, string vme)
    {
        _bridged = true;
        Guest(FilterFamily.Bridge, adapter, vme, arp: true);
        DhcpAnswered(FilterFamily.Bridge, network, adapter, vme);
        if ((adapter.Protections & Protections.Server) != 0 && network.Bridge is { } bridge)
        {
            // The server's own input sees a bridged guest's packets as the bridge's: the ports are the network's.
            foreach (var p in network.ServerPorts) Element(FilterFamily.Inet, HostnetRuleset.ServerPorts, $"{bridge} . {p.Protocol} . {Num(p.Port)}");
        }
    }

    /// <summary>A routed adapter's elements: what it sends in the inet family, its ARP in the arp family.</summary>
    public void Routed(Network network, Adapter adapter, string vme)
    {
        _routed = true;
        Guest(FilterFamily.Inet, adapter, vme, arp: false);
        DhcpAnswered(FilterFamily.Inet, network, adapter, vme);
        if ((adapter.Protections & Protections.Arp) != 0)
        {
            Element(FilterFamily.Arp, HostnetRuleset.ArpOn, vme);
            Element(FilterFamily.Arp, HostnetRuleset.Mac, $"{vme} . {adapter.Mac}");
            foreach (var a in adapter.Addresses.Where(a => a.Family == IpFamily.Ipv4))
                Element(FilterFamily.Arp, HostnetRuleset.Addr4, $"{vme} . {a.Address}");
        }
        if ((adapter.Protections & Protections.Server) != 0)
        {
            foreach (var p in network.ServerPorts) Element(FilterFamily.Inet, HostnetRuleset.ServerPorts, $"{vme} . {p.Protocol} . {Num(p.Port)}");
        }
    }

    /// <summary>The tables: bridge where a bridged adapter runs, arp where a routed one does, inet (the server's own input) where any does.</summary>
    public void Tables()
    {
        if (_bridged) _want(new FilterTable(FilterFamily.Bridge, HostnetRuleset.Bridge.Shape));
        if (_routed) _want(new FilterTable(FilterFamily.Arp, HostnetRuleset.Arp.Shape));
        if (_bridged || _routed) _want(new FilterTable(FilterFamily.Inet, HostnetRuleset.Inet.Shape));
    }

    private void Guest(FilterFamily family, Adapter adapter, string vme, bool arp)
    {
        var p = adapter.Protections;
        if (p == Protections.None) return;
        Element(family, HostnetRuleset.Guests, vme);
        Element(family, HostnetRuleset.Mac, $"{vme} . {adapter.Mac}");
        // The inet table's one-lookup pass for a routed guest whose MAC and addresses are both held.
        var identity = family == FilterFamily.Inet && (p & (Protections.Mac | Protections.Addresses)) == (Protections.Mac | Protections.Addresses);
        var v4 = false;
        foreach (var a in adapter.Addresses)
        {
            var ipv4 = a.Family == IpFamily.Ipv4;
            v4 |= ipv4;
            Element(family, ipv4 ? HostnetRuleset.Addr4 : HostnetRuleset.Addr6, $"{vme} . {a.Address}");
            if (identity) Element(family, ipv4 ? HostnetRuleset.Ident4 : HostnetRuleset.Ident6, $"{vme} . {adapter.Mac} . {a.Address}");
        }
        if ((p & Protections.Mac) != 0) Element(family, HostnetRuleset.MacOn, vme);
        if ((p & Protections.Addresses) != 0)
        {
            Element(family, HostnetRuleset.AddressesOn, vme);
            if (!v4) Element(family, HostnetRuleset.Dhcp4On, vme);
        }
        if (arp && (p & Protections.Arp) != 0) Element(family, HostnetRuleset.ArpOn, vme);
        if ((p & Protections.Guards) != 0) Element(family, HostnetRuleset.GuardsOn, vme);
        if ((p & Protections.Server) != 0) Element(family, HostnetRuleset.ServerOn, vme);
    }

    /// <summary>
    /// An adapter whose DHCP Hostnet answers, with its guards on (what keeps a guest's DHCP off the LAN): its
    /// requests stop at the vme, where Hostnet has read them already.
    /// </summary>
    private void DhcpAnswered(FilterFamily family, Network network, Adapter adapter, string vme)
    {
        if (!network.AnswersDhcp || (adapter.Protections & Protections.Guards) == 0 || !adapter.Addresses.Any(a => a.Family == IpFamily.Ipv4)) return;
        Element(family, HostnetRuleset.DhcpAnswered, vme);
    }

    private void Element(FilterFamily family, string set, string key) => _want(new FilterElement(family, set, key));

    private static string Num(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
