using System.Collections.Immutable;
using Hostnet.Engine;
using Hostnet.Engine.Observe;
using Hostnet.Model;
using Hostnet.Netlink;

namespace Hostnet.Agent.Demo;

/// <summary>One VM of the demo: the seed's name for it, its Hostnet name, UUID, guest namespace and address.</summary>
public sealed record DemoVm(string Title, string Name, Guid Uuid, string Netns, string Address, NetworkMode Mode)
{
    /// <summary>Its IPv6 address beside the IPv4 one (every demo VM is dual-stack).</summary>
    public required string Address6 { get; init; }
}

/// <summary>
/// The seed's world in network namespaces of the demo's own, all named
/// <c>hostnet-demo-…</c>: a LAN namespace holding a bridge, computer X on it,
/// and a server namespace whose <c>eth0</c> plugs into the LAN. The LAN, computer
/// X and the server are plumbed here over rtnetlink; the VMs are Hostnet's to make.
/// Nothing is created in the namespace the demo runs in: every veth is created
/// inside the LAN namespace with its peer directly in the other one.
/// </summary>
public static class DemoLab
{
    /// <summary>Every namespace of the demo begins with this; <see cref="RemoveAll"/> finds them by it.</summary>
    public const string Prefix = "hostnet-demo-";

    public const string LanNs = Prefix + "lan";
    public const string ComputerXNs = Prefix + "cx";
    public const string ServerNs = Prefix + "srv";

    /// <summary>The demo's own state directory (tmpfs: gone at reboot at the latest).</summary>
    public const string StateDir = "/run/hostnet-demo";

    public const string LanBridge = "lanbr";
    public const string Uplink = "eth0";
    public const string Bridge = "br1";
    public const string ComputerX = "192.168.200.10";
    public const string Server = "192.168.200.1";
    public const int LanPrefixLength = 24;

    // The LAN carries IPv6 too (documentation prefix): computer X and the server hold an address of it.
    public const string ComputerX6 = "2001:db8:200::10";
    public const string Server6 = "2001:db8:200::1";
    public const int Lan6PrefixLength = 64;

    public const string RoutedNetwork = "Routed";
    public const string BridgedNetwork = "Bridged";

    /// <summary>VM #1 and #2 carry the vme names of the seed's figure (vme7b9a73a1.0, vme4980d06a.0).</summary>
    public static readonly ImmutableArray<DemoVm> Vms =
    [
        new("VM #1", "vm1", Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001"), Prefix + "vm1", "192.168.200.201", NetworkMode.HostRouted) { Address6 = "2001:db8:200::201" },
        new("VM #2", "vm2", Guid.Parse("4980d06a-5c2e-4d1a-9f3b-000000000002"), Prefix + "vm2", "192.168.200.202", NetworkMode.HostRouted) { Address6 = "2001:db8:200::202" },
        new("VM #3", "vm3", Guid.Parse("5c1f0e27-5c2e-4d1a-9f3b-000000000003"), Prefix + "vm3", "192.168.200.203", NetworkMode.Bridged) { Address6 = "2001:db8:200::203" },
    ];

    /// <summary>The namespaces of a demo (this one's or an earlier one's) that exist now.</summary>
    public static IReadOnlyList<string> Namespaces() =>
        NetNamespace.List().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToList();

    /// <summary>Whether anything of a demo is left on this machine.</summary>
    public static bool Exists() => Namespaces().Count > 0 || Directory.Exists(StateDir);

    /// <summary>
    /// Removes every namespace with the demo's prefix and the demo's state
    /// directory; what is already gone is skipped. Guests go before the server and
    /// the server before the LAN, so no veth outlives its namespace for long.
    /// Returns the namespaces removed.
    /// </summary>
    public static IReadOnlyList<string> RemoveAll()
    {
        var names = Namespaces().OrderBy(DeleteOrder).ThenBy(n => n, StringComparer.Ordinal).ToList();
        var removed = new List<string>();
        var errors = new List<string>();
        foreach (var name in names)
        {
            try
            {
                // A file a killed `ip netns add` left half-made is no namespace, but it still blocks the name.
                if (!NetNamespace.Exists(name) && !NetNamespace.IsStale(name)) continue;
                NetNamespace.Delete(name);
                removed.Add(name);
            }
            catch (NetlinkException e)
            {
                errors.Add(e.Message);
            }
        }
        try
        {
            if (Directory.Exists(StateDir)) Directory.Delete(StateDir, recursive: true);
        }
        catch (IOException e)
        {
            errors.Add($"remove {StateDir}: {e.Message}");
        }
        if (errors.Count > 0) throw new InvalidOperationException("could not remove all of the demo: " + string.Join("; ", errors));
        return removed;
    }

    private static int DeleteOrder(string name) => name switch
    {
        LanNs => 3,
        ServerNs => 2,
        ComputerXNs => 1,
        _ => 0,
    };

    /// <summary>
    /// Builds the LAN, computer X (<see cref="ComputerX"/>/24) and the server with
    /// <see cref="Server"/>/24 on its <c>eth0</c>, as a freshly installed server is
    /// before Hostnet: the bridge <c>br1</c> is Hostnet's to make.
    /// <paramref name="step"/> is called between steps (to stop when interrupted).
    /// </summary>
    public static void Build(Action step)
    {
        using var lan = NetNamespace.Create(LanNs);
        step();
        using var cx = NetNamespace.Create(ComputerXNs);
        step();
        using var server = NetNamespace.Create(ServerNs);
        step();

        using (var s = RtnlSocket.Open(lan))
        {
            s.Execute(new CreateBridge(LanBridge, Up: true));
            var bridge = s.GetLink(LanBridge) ?? throw new InvalidOperationException($"{LanBridge} vanished in {LanNs}");
            foreach (var (port, peer) in new[] { ("cx-port", cx), ("srv-port", server) })
            {
                s.Execute(new CreateVeth(port, Uplink, peer));
                var link = s.GetLink(port) ?? throw new InvalidOperationException($"{port} vanished in {LanNs}");
                s.Execute(new SetLink(link.Index, port) { MasterIndex = bridge.Index, Up = true });
                step();
            }
        }
        Plug(cx, ComputerX, ComputerX6);
        step();
        Plug(server, Server, Server6);
    }

    /// <summary>lo and eth0 up, the LAN's IPv4 and IPv6 addresses on eth0 (no DAD: the demo's LAN is its own).</summary>
    private static void Plug(NetNamespace ns, string address, string address6)
    {
        using var s = RtnlSocket.Open(ns);
        var lo = s.GetLink("lo") ?? throw new InvalidOperationException($"no lo in {ns}");
        var eth = s.GetLink(Uplink) ?? throw new InvalidOperationException($"no {Uplink} in {ns}");
        s.CreateBatch()
            .Add(new SetLink(lo.Index, "lo") { Up = true })
            .Add(new SetLink(eth.Index, Uplink) { Up = true })
            .Add(new AddAddress(eth.Index, Uplink, IpAddress.Parse(address), LanPrefixLength))
            .Add(new AddAddress(eth.Index, Uplink, IpAddress.Parse(address6), Lan6PrefixLength, NoDad: true))
            .SendOrThrow();
    }

    /// <summary>
    /// The desired state of the demo's server: a host-routed network and a bridged
    /// one on the same uplink (a mixed server), VM #1 and #2 routed, VM #3 bridged
    /// with its own gateways on the LAN; every VM dual-stack; all three netns guests, not yet started.
    /// </summary>
    public static DesiredState Desired()
    {
        var state = DesiredState.Empty
            .AddNetwork(Network.HostRouted(RoutedNetwork, Uplink))
            .AddNetwork(Network.Bridged(BridgedNetwork, Bridge, Uplink));
        foreach (var vm in Vms)
        {
            var network = vm.Mode == NetworkMode.HostRouted ? RoutedNetwork : BridgedNetwork;
            state = state.AddVm(new Vm(vm.Name, vm.Uuid, Guest.Netns(vm.Netns), Running: false, ImmutableList<Adapter>.Empty));
            var routed = vm.Mode == NetworkMode.HostRouted;
            string[] ips = routed ? [vm.Address, vm.Address6] : [$"{vm.Address}/{LanPrefixLength}", $"{vm.Address6}/{Lan6PrefixLength}"];
            state = state.AddAdapter(vm.Name, state.NewAdapter(vm.Name, network, ips, routed ? null : Server, mac: null, routed ? null : Server6));
        }
        return state;
    }

    /// <summary>Writes the demo's desired state (<see cref="Desired"/>) into its own state directory.</summary>
    public static void Save(DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Directory.CreateDirectory(StateDir);
        using var store = HostAgent.SqliteStores(StateDir).Open();
        store.State.Write(tx =>
        {
            foreach (var n in state.Networks) tx.AddNetwork(n);
            foreach (var vm in state.Vms) tx.AddVm(vm);
        });
    }

    /// <summary>Starts <paramref name="vms"/> and makes the kernel follow, in one apply; returns the kernel changes it made.</summary>
    public static int Start(IEnumerable<DemoVm> vms)
    {
        using var store = HostAgent.SqliteStores(StateDir).Open();
        store.State.Write(tx =>
        {
            foreach (var vm in vms) tx.SetRunning(vm.Name, true);
        });
        using var engine = new HostEngine(ServerNs, new StoreLedger(store.Ledger));
        return engine.Apply(engine.Prepare(store.State.Load()), new ApplyOptions()).Steps.Count;
    }
}
