using Hostnet.Engine.Intent;
using Hostnet.Model;
using Hostnet.Netlink;

namespace Hostnet.Engine.Trace;

/// <summary>
/// Explains a packet's way through the live server, hop by hop, from the kernel's own
/// answers — the route lookup (RTM_GETROUTE as if the packet came in on an interface),
/// the neighbour and proxy tables, the bridge ports and forwarding database — held
/// against the desired state, which says which VM and adapter own the destination.
/// Reads only; changes nothing. It holds no trace: each is a <see cref="TraceRun"/> of its
/// own, so traces on one tracer may run at once.
/// </summary>
public sealed class PathTracer
{
    private readonly NetNamespace _serverNs;
    private readonly RtnlSocket _socket;
    private readonly DesiredState _state;

    /// <param name="serverNs">The server's network namespace (sysctls are read there).</param>
    /// <param name="server">An rtnetlink socket opened in <paramref name="serverNs"/>.</param>
    /// <param name="state">The desired state: which VM and adapter own which address.</param>
    public PathTracer(NetNamespace serverNs, RtnlSocket server, DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(serverNs);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(state);
        _serverNs = serverNs;
        _socket = server;
        _state = state;
    }

    /// <summary>
    /// A packet from computer X on the LAN to <paramref name="destination"/>: who answers
    /// ARP for it, where it comes in, and how the server hands it to the VM.
    /// </summary>
    public PathTrace FromLan(IpAddress destination) => new TraceRun(_serverNs, _socket, _state).TraceFromLan(destination);

    /// <summary>
    /// A packet that VM <paramref name="vmName"/> sends to <paramref name="destination"/>: its
    /// gateway, the server's route out, and the way into the VM that owns the destination, if one does.
    /// </summary>
    public PathTrace FromVm(string vmName, IpAddress destination) => new TraceRun(_serverNs, _socket, _state).TraceFromVm(vmName, destination);
}

/// <summary>
/// One trace: its steps, its own look at the server (<see cref="LiveServer"/>), and what an earlier
/// step found. Made for one trace and dropped after it, so that no two traces share it.
/// </summary>
internal sealed partial class TraceRun
{
    private readonly DesiredState _state;
    private readonly List<TraceStep> _steps = [];
    private readonly LiveServer _server;
    private bool _forwardingOff;

    public TraceRun(NetNamespace serverNs, RtnlSocket server, DesiredState state)
    {
        _state = state;
        _server = new LiveServer(serverNs, server);
    }

    public PathTrace TraceFromLan(IpAddress destination)
    {
        if (Owner(destination) is { } owner)
        {
            if (owner.Network.Mode == NetworkMode.HostRouted) IntoRoutedFromLan(owner, destination, source: null);
            else IntoBridged(owner, destination, "computer X", entry: null);
        }
        return new PathTrace(destination.ToString(), "the LAN", _steps.ToList());
    }

    public PathTrace TraceFromVm(string vmName, IpAddress destination)
    {
        var vm = _state.GetVm(vmName);
        if (Depart(vm, destination) is { } departure)
        {
            if (departure.Sender.Network.Mode == NetworkMode.HostRouted) OutOfRoutedVm(departure, destination);
            else OutOfBridgedVm(departure, destination);
        }
        return new PathTrace(destination.ToString(), "VM " + vm.Name, _steps.ToList());
    }

    private void Add(string step, bool ok, string detail, Remedy? fix = null, Remedy? hint = null) =>
        _steps.Add(new TraceStep(step, ok, detail, ok ? null : fix, hint));

    /// <summary>A VM adapter with what the desired state knows of it.</summary>
    private sealed record Endpoint(Vm Vm, Adapter Adapter, Network Network)
    {
        public string HostInterface => Vm.HostInterface(Adapter.Index);

        public string GuestInterface => Naming.GuestInterface(Adapter.Index);

        public string Describe => $"VM {Vm.Name}, adapter {Adapter.Name}";

        public IpAddress Gateway => Network.Gateway ?? IpAddress.DefaultRoutedGateway;

        /// <summary>The gateway the VM sends <paramref name="family"/> through: the routed network's, or the adapter's own when bridged.</summary>
        public IpAddress? GatewayOf(IpFamily family) => Network.Mode == NetworkMode.HostRouted
            ? Network.GatewayOf(family) ?? (family == IpFamily.Ipv6 ? IpAddress.DefaultRoutedGateway6 : IpAddress.DefaultRoutedGateway)
            : Adapter.GatewayOf(family);
    }

    /// <summary>The "owner" step: which VM and adapter the desired state gives <paramref name="address"/>.</summary>
    private Endpoint? Owner(IpAddress address)
    {
        if (_state.FindAddressHolder(address) is not { } id)
        {
            Add("owner", false, $"{address} is not the address of any VM here", hint: new Remedy.ListVmsOrTraceFromVm());
            return null;
        }
        var vm = _state.GetVm(id.Vm);
        var adapter = vm.FindAdapter(id.Index)!;
        if (_state.FindNetwork(adapter.Network) is not { } network)
        {
            Add("owner", false, $"{address} belongs to VM {vm.Name}, adapter {adapter.Name}, on network {adapter.Network}, which does not exist");
            return null;
        }
        var who = new Endpoint(vm, adapter, network);
        if (!vm.Running)
        {
            Add("owner", false, $"{address} belongs to {who.Describe}, but VM {vm.Name} is stopped: nothing of it is on the server",
                new Remedy.StartVm(vm.Name));
            return null;
        }
        Add("owner", true, $"{address} belongs to {who.Describe} (network {network.Name}, {Network.ModeName(network.Mode)}, MAC {adapter.Mac}, server side {who.HostInterface})");
        return who;
    }

    /// <summary>How a VM sends a packet: from which adapter and address and, when the guest's kernel was asked, to which next hop.</summary>
    private sealed record Departure(Endpoint Sender, IpAddress Source, GuestRoute? Guest);

    /// <summary>The guest kernel's answer: the next hop (null: on-link) and the lookup as <c>ip route get</c> prints it.</summary>
    private sealed record GuestRoute(IpAddress? Via, string Said);

    /// <summary>
    /// The "vm" step: the adapter a VM sends from. A netns guest's own kernel is asked (its routing
    /// table decides); for a QEMU guest, whose tables the server cannot see, its first adapter.
    /// </summary>
    private Departure? Depart(Vm vm, IpAddress destination)
    {
        if (!vm.Running)
        {
            Add("vm", false, $"VM {vm.Name} is stopped: nothing of it is on the server", new Remedy.StartVm(vm.Name));
            return null;
        }
        if (vm.Guest.Kind == GuestKind.Netns && (vm.Guest.NetnsName ?? Naming.DefaultNetns(vm.Name)) is var ns && NetNamespace.Exists(ns))
            return DepartAsTheGuestSays(vm, ns, destination, out var departure) ? departure : null;

        foreach (var adapter in vm.Adapters.OrderBy(a => a.Index))
        {
            if (_state.FindNetwork(adapter.Network) is { } network && adapter.Addresses.Count > 0)
            {
                var who = new Endpoint(vm, adapter, network);
                var source = adapter.Addresses[0].Address;
                Add("vm", true, $"VM {vm.Name} sends from {source} on {who.GuestInterface} "
                    + $"(adapter {adapter.Name}, network {network.Name}, {Network.ModeName(network.Mode)}, MAC {adapter.Mac}; its first adapter: the server cannot see a QEMU guest's routing)");
                return new Departure(who, source, Guest: null);
            }
        }
        Add("vm", false, $"VM {vm.Name} has no adapter with an address on a network here", new Remedy.AddAdapter(vm.Name));
        return null;
    }

    /// <summary><c>ip -n GUEST route get DEST</c>: the guest's kernel picks the interface, the source and the next hop.</summary>
    private bool DepartAsTheGuestSays(Vm vm, string ns, IpAddress destination, out Departure? departure)
    {
        departure = null;
        using var guestNs = NetNamespace.Open(ns);
        using var guest = RtnlSocket.Open(guestNs);
        var lookup = $"`ip -n {ns} route get {destination}`";
        RouteEntry? route;
        string? refusal = null;
        try
        {
            route = guest.GetRoute(destination);
        }
        catch (NetlinkException e)
        {
            route = null;
            refusal = e.ErrnoName;
        }
        if (route is null)
        {
            Add("vm", false, $"{lookup}: no route ({refusal ?? "unreachable"}): VM {vm.Name} has no way to {destination}", TraceStep.Apply);
            return false;
        }
        var dev = route.OutIfIndex is { } i ? guest.GetLink(i) : null;
        if (route.Type == RouteType.Local)
        {
            Add("vm", true, $"{lookup}: local {destination} dev {dev?.Name ?? "lo"}: it is VM {vm.Name}'s own address and never leaves the VM");
            return false;
        }
        if (dev is null || !dev.Name.StartsWith("eth", StringComparison.Ordinal)
            || !int.TryParse(dev.Name.AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            || vm.FindAdapter(index) is not { } adapter || _state.FindNetwork(adapter.Network) is not { } network)
        {
            Add("vm", false, $"{lookup}: it leaves by {dev?.Name ?? "?"}, which is none of VM {vm.Name}'s adapters");
            return false;
        }
        var source = route.PreferredSource is { } src ? src
            : adapter.Addresses.Count > 0 ? adapter.Addresses[0].Address
            : IpAddress.Any;
        var via = route.Gateway;
        var who = new Endpoint(vm, adapter, network);
        Add("vm", true, $"VM {vm.Name} sends from {source} on {dev.Name} (adapter {adapter.Name}, network {network.Name}, {Network.ModeName(network.Mode)}, MAC {adapter.Mac})");
        departure = new Departure(who, source, new GuestRoute(via, $"{lookup}: {destination}" + (via is { } v ? $" via {v}" : "") + $" dev {dev.Name} src {source}"));
        return true;
    }

    /// <summary>The "vme" step: the VM's server-side interface exists, is Hostnet's for this adapter, and passes packets.</summary>
    private Link? HostLinkStep(Endpoint who, string? bridge)
    {
        var name = who.HostInterface;
        if (_server.Link(name) is not { } vme)
        {
            Add("vme", false, $"{name} ({who.Describe}) does not exist on the server", TraceStep.Apply);
            return null;
        }
        var problems = new List<string>();
        if (HostnetMarks.ParseAlias(vme.Alias) is not { } owner || owner.Vm != who.Vm.Name || owner.Adapter != who.Adapter.Index)
            problems.Add($"its alias is '{vme.Alias}', not '{HostnetMarks.Alias(who.Vm.Name, who.Adapter.Index)}'");
        if (bridge is not null && _server.MasterOf(vme)?.Name != bridge)
            problems.Add(_server.MasterOf(vme) is { } m ? $"it is a port of {m.Name}, not of {bridge}" : $"it is not a port of {bridge}");
        if (!vme.AdminUp) problems.Add("it is down");
        if (problems.Count > 0)
        {
            Add("vme", false, $"{name} ({who.Describe}): {string.Join("; ", problems)}", TraceStep.Apply);
            return vme;
        }
        if (!vme.OperUp)
        {
            if (who.Vm.Guest.Kind == GuestKind.Tap)
                Add("vme", false, $"{name} ({who.Describe}) is up but has no carrier: QEMU does not hold the tap open", hint: new Remedy.ShowVmNetdev(who.Vm.Name));
            else
                Add("vme", false, $"{name} ({who.Describe}) is up but has no carrier: the guest end {who.GuestInterface} is down", TraceStep.Apply);
            return vme;
        }
        Add("vme", true, $"{name} is up" + (bridge is null ? "" : $", a port of {bridge}") + $", MAC {LiveServer.Mac(vme.Mac)}: {who.Describe}");
        return vme;
    }

    /// <summary>The "forwarding" step: the kernel forwards what of <paramref name="family"/> comes in on <paramref name="input"/>.</summary>
    private bool ForwardingStep(TraceFamily family, string input, string why)
    {
        var globalPath = family.GlobalForwarding;
        var perLinkPath = family.Sysctl($"conf/{input}/forwarding");
        var global = _server.Sysctl(globalPath);
        var perLink = _server.Sysctl(perLinkPath);
        var off = new List<string>();
        if (global != "1") off.Add($"{TraceFamily.Dotted(globalPath)} = {global ?? "?"}");
        if (perLink != "1") off.Add($"{TraceFamily.Dotted(perLinkPath)} = {perLink ?? "?"}");
        if (off.Count > 0)
        {
            Add("forwarding", false, $"forwarding is off ({string.Join(", ", off)}): {why}", TraceStep.Apply);
            _forwardingOff = true;
            return false;
        }
        Add("forwarding", true, $"{TraceFamily.Dotted(globalPath)} = 1 and {TraceFamily.Dotted(perLinkPath)} = 1");
        return true;
    }

    /// <summary>The /32 (/128) route Hostnet made for <paramref name="address"/> (with its protocol), if the main table has it; another owner's is not it.</summary>
    private RouteEntry? OwnedRoute(IpAddress address) =>
        _server.Routes.FirstOrDefault(r => r.PrefixLength == IpPrefix.Host(address).PrefixLength && r.Protocol == HostnetMarks.RouteProtocol && r.Destination == address);

    /// <summary>The "guest" step: inside a netns guest, the adapter's interface is up and holds its address.</summary>
    private void GuestStep(Endpoint who, IpAddress? address, bool checkDefaultRoute)
    {
        if (who.Vm.Guest.Kind != GuestKind.Netns)
        {
            Add("guest", true, $"{who.GuestInterface} inside VM {who.Vm.Name} (a QEMU guest, MAC {who.Adapter.Mac}): the guest's own network settings are beyond the server's view");
            return;
        }
        var ns = who.Vm.Guest.NetnsName ?? Naming.DefaultNetns(who.Vm.Name);
        if (!NetNamespace.Exists(ns))
        {
            Add("guest", false, $"the guest namespace {ns} of VM {who.Vm.Name} does not exist", TraceStep.Apply);
            return;
        }
        using var guestNs = NetNamespace.Open(ns);
        using var guest = RtnlSocket.Open(guestNs);
        var eth = guest.GetLink(who.GuestInterface);
        if (eth is null)
        {
            Add("guest", false, $"{who.GuestInterface} does not exist in VM {who.Vm.Name} (netns {ns})", TraceStep.Apply);
            return;
        }
        var problems = new List<string>();
        if (!eth.AdminUp) problems.Add($"{eth.Name} is down");
        if (address is { } a && !guest.DumpAddresses(a.Family).Any(x => x.IfIndex == eth.Index && x.Address == a))
            problems.Add($"{eth.Name} does not hold {a}");
        string? gatewayText = null;
        if (checkDefaultRoute)
        {
            var defaults = guest.DumpRoutes(RouteTable.Main, address?.Family ?? IpFamily.Ipv4).Where(r => r.PrefixLength == 0).ToList();
            var expected = who.GatewayOf(address?.Family ?? IpFamily.Ipv4);
            if (expected is { } gw)
            {
                if (!defaults.Any(r => r.Gateway is { } g && g == gw && r.OutIfIndex == eth.Index))
                    problems.Add($"it has no default route via {gw} dev {eth.Name}");
                else gatewayText = $", default via {gw} dev {eth.Name}";
            }
        }
        if (problems.Count > 0)
        {
            Add("guest", false, $"in VM {who.Vm.Name} (netns {ns}): {string.Join("; ", problems)}", TraceStep.Apply);
            return;
        }
        Add("guest", true, $"{eth.Name} in VM {who.Vm.Name} (netns {ns}) is up, MAC {LiveServer.Mac(eth.Mac)}"
            + (address is { } held ? $", holds {held}" : "") + (gatewayText ?? ""));
    }
}
