namespace Hostnet.Model;

/// <summary>What sits at the guest end of a VM's adapters.</summary>
public enum GuestKind
{
    /// <summary>A QEMU/KVM guest: the adapter is a persistent tap that QEMU opens.</summary>
    Tap,

    /// <summary>A network namespace (a container, a lab VM): the adapter is a veth pair.</summary>
    Netns,
}

/// <summary>A guest kind, with the namespace name for <see cref="GuestKind.Netns"/>.</summary>
public sealed record Guest(GuestKind Kind, string? NetnsName)
{
    public static Guest Tap { get; } = new(GuestKind.Tap, null);

    public static Guest Netns(string name) => new(GuestKind.Netns, name);

    /// <summary><c>tap</c> or <c>netns:NAME</c>, as the CLI and export print it.</summary>
    public override string ToString() => Kind == GuestKind.Tap ? "tap" : $"netns:{NetnsName}";
}

/// <summary>One network adapter of a VM.</summary>
/// <param name="Index">0, 1, … — shown as <c>net0</c>, <c>net1</c>; the guest interface is <c>eth&lt;Index&gt;</c>.</param>
/// <param name="Network">The name of the network it is connected to.</param>
/// <param name="Mac">The guest-side MAC.</param>
/// <param name="Addresses">IPv4 addresses: /32 on a host-routed network, address/prefix on a bridged one.</param>
/// <param name="Gateway">Bridged only: the VM's own default gateway on the LAN (IPv4, or IPv6 on an IPv6-only adapter).</param>
public sealed record Adapter(int Index, string Network, MacAddress Mac, IReadOnlyList<IpPrefix> Addresses, IpAddress? Gateway)
{
    public string Name => $"net{Index}";

    /// <summary>Bridged, dual-stack: the IPv6 gateway beside the IPv4 one in <see cref="Gateway"/>; null otherwise.</summary>
    public IpAddress? Gateway6 { get; init; }

    /// <summary>The adapter's own gateways, IPv4 first: none, one, or one of each family.</summary>
    public IEnumerable<IpAddress> Gateways
    {
        get
        {
            if (Gateway is { } gw) yield return gw;
            if (Gateway6 is { } gw6) yield return gw6;
        }
    }

    /// <summary>The adapter's own gateway of <paramref name="family"/>, if it has one.</summary>
    public IpAddress? GatewayOf(IpFamily family) =>
        Gateway is { } gw && gw.Family == family ? gw : Gateway6 is { } gw6 && gw6.Family == family ? gw6 : null;

    /// <summary>
    /// The adapter with <paramref name="first"/> and <paramref name="second"/> as its own gateways (at most one per family, already checked):
    /// the IPv4 one in <see cref="Gateway"/> and the IPv6 one beside it, or an IPv6-only adapter's in <see cref="Gateway"/>.
    /// </summary>
    public Adapter WithGateways(IpAddress? first, IpAddress? second)
    {
        var v4 = first is { IsIpv4: true } ? first : second is { IsIpv4: true } ? second : null;
        var v6 = first is { IsIpv6: true } ? first : second is { IsIpv6: true } ? second : null;
        return this with { Gateway = v4 ?? v6, Gateway6 = v4 is null ? null : v6 };
    }

    /// <summary>What Hostnet stops the guest from doing through this adapter; all of it unless switched off.</summary>
    public Protections Protections { get; init; } = Protections.All;

    public bool Equals(Adapter? other) =>
        other is not null && Index == other.Index && Network == other.Network && Mac == other.Mac
        && Gateway == other.Gateway && Gateway6 == other.Gateway6 && Protections == other.Protections && Addresses.SequenceEqual(other.Addresses);

    public override int GetHashCode() => HashCode.Combine(Index, Network, Mac, Gateway, Addresses.Count);
}

/// <summary>A virtual machine as the state database holds it.</summary>
public sealed record Vm(string Name, Guid Uuid, Guest Guest, bool Running, IReadOnlyList<Adapter> Adapters)
{
    /// <summary>The server-side interface of adapter <paramref name="index"/>: <c>vme7b9a73a1.0</c>.</summary>
    public string HostInterface(int index) => Naming.HostInterface(Uuid, index);

    /// <summary>The adapter with index <paramref name="index"/>, if the VM has one.</summary>
    public Adapter? FindAdapter(int index)
    {
        foreach (var a in Adapters)
        {
            if (a.Index == index) return a;
        }
        return null;
    }

    public bool Equals(Vm? other) =>
        other is not null && Name == other.Name && Uuid == other.Uuid && Guest == other.Guest
        && Running == other.Running && Adapters.SequenceEqual(other.Adapters);

    public override int GetHashCode() => HashCode.Combine(Name, Uuid, Guest, Running, Adapters.Count);
}
