namespace Hostnet.Model;

/// <summary>How the adapters of a network reach the LAN (the seed's two figures).</summary>
public enum NetworkMode
{
    /// <summary>Adapters are ports of a bridge with the uplink; each VM answers ARP with its own MAC.</summary>
    Bridged,

    /// <summary>The server routes each VM address and answers ARP for it with its own MAC.</summary>
    HostRouted,
}

/// <summary>A LAN the server's VMs are connected to.</summary>
/// <param name="Name">The admin's name for it (<c>Routed</c>, <c>Bridged</c>).</param>
/// <param name="Mode">Bridged or host-routed.</param>
/// <param name="Uplink">The server's physical interface on the LAN (<c>eth0</c>).</param>
/// <param name="Bridge">Bridged only: the bridge that holds the uplink and the adapters (<c>br1</c>).</param>
/// <param name="Gateway">Host-routed only: the address the VMs route through (<c>169.255.30.1</c>).</param>
public sealed record Network(string Name, NetworkMode Mode, string Uplink, string? Bridge, IpAddress? Gateway)
{
    /// <summary>The ports on the server's own addresses that its VMs may reach (protected adapters reach no other).</summary>
    public IReadOnlyList<ServerPort> ServerPorts { get; init; } = [];

    /// <summary>Whether Hostnet answers its adapters' DHCP as the admin set it; null: the mode's default (<see cref="AnswersDhcp"/>).</summary>
    public bool? Dhcp { get; init; }

    /// <summary>The DNS servers the network hands its guests (DHCP, cloud-init), in order.</summary>
    public IReadOnlyList<IpAddress> Dns { get; init; } = [];

    /// <summary>Whether Hostnet answers the DHCP of the network's adapters: a host-routed network does unless told not to, a bridged one only when told to.</summary>
    public bool AnswersDhcp => Dhcp ?? Mode == NetworkMode.HostRouted;

    public bool Equals(Network? other) =>
        other is not null && Name == other.Name && Mode == other.Mode && Uplink == other.Uplink && Bridge == other.Bridge
        && Gateway == other.Gateway && Gateway6Given == other.Gateway6Given && ServerPorts.SequenceEqual(other.ServerPorts)
        && Dhcp == other.Dhcp && Dns.SequenceEqual(other.Dns);

    public override int GetHashCode() => HashCode.Combine(Name, Mode, Uplink, Bridge, Gateway);

    public static Network HostRouted(string name, string uplink, IpAddress? gateway = null) =>
        new(name, NetworkMode.HostRouted, uplink, null, gateway ?? IpAddress.DefaultRoutedGateway);

    public static Network Bridged(string name, string bridge, string uplink) =>
        new(name, NetworkMode.Bridged, uplink, bridge, null);

    /// <summary>
    /// Host-routed only: the IPv6 address the VMs route through, on every vme; <c>fe80::ffff:1:1</c>
    /// (the seed's system's) unless the network was given another. Link-local, so one address serves every adapter.
    /// </summary>
    public IpAddress? Gateway6
    {
        get => Gateway6Given ?? (Mode == NetworkMode.HostRouted ? IpAddress.DefaultRoutedGateway6 : null);
        // The default given by name is the default: one network, one stored form.
        init => Gateway6Given = value == IpAddress.DefaultRoutedGateway6 && Mode == NetworkMode.HostRouted ? null : value;
    }

    /// <summary>The IPv6 gateway the network was given; null when it routes through the default <c>fe80::ffff:1:1</c>.</summary>
    public IpAddress? Gateway6Given { get; private init; }

    /// <summary>The gateway of <paramref name="family"/> a host-routed network's VMs route through.</summary>
    public IpAddress? GatewayOf(IpFamily family) => family == IpFamily.Ipv6 ? Gateway6 : Gateway;

    public static string ModeName(NetworkMode mode) => mode == NetworkMode.Bridged ? "bridged" : "host-routed";
}
