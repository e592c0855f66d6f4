using System.Text.Json.Serialization;

namespace Hostnet.Agent.Contracts;

// The JSON documents of export/import and of every `--json` output: a contract that scripts, `import`
// and (later) the HTTP API read. The order of the parameters is the order of the fields; a null field
// is left out unless it is marked to be written.

/// <summary>A network as export and import know it: name, mode, uplink, then bridge or gateway.</summary>
public sealed record NetworkDocument(string Name, string Mode, string Uplink, string? Bridge, string? Gateway)
{
    /// <summary>A host-routed network's IPv6 gateway on each vme; left out when it is the default <c>fe80::ffff:1:1</c>.</summary>
    public string? Gateway6 { get; init; }

    /// <summary>The ports the server opens to the network's VMs (<c>tcp/53</c>); left out when none.</summary>
    public IReadOnlyList<string>? ServerPorts { get; init; }

    /// <summary>Whether Hostnet answers the adapters' DHCP as set; left out: the mode's default (host-routed yes, bridged no).</summary>
    public bool? Dhcp { get; init; }

    /// <summary>The DNS servers handed to the guests; left out when none.</summary>
    public IReadOnlyList<string>? Dns { get; init; }
}

/// <summary><c>network show --json</c>: the network and the adapters on it.</summary>
public sealed record NetworkDetailsDocument(string Name, string Mode, string Uplink, string? Bridge, string? Gateway,
    IReadOnlyList<NetworkAdapterDocument> Adapters)
{
    /// <summary>A host-routed network's IPv6 gateway on each vme; left out when it is the default <c>fe80::ffff:1:1</c>.</summary>
    public string? Gateway6 { get; init; }

    /// <summary>The ports the server opens to the network's VMs (<c>tcp/53</c>); left out when none.</summary>
    public IReadOnlyList<string>? ServerPorts { get; init; }

    /// <summary>Whether Hostnet answers the adapters' DHCP as set; left out: the mode's default (host-routed yes, bridged no).</summary>
    public bool? Dhcp { get; init; }

    /// <summary>The DNS servers handed to the guests; left out when none.</summary>
    public IReadOnlyList<string>? Dns { get; init; }
}

/// <summary>An adapter as <c>network show</c> lists it.</summary>
public sealed record NetworkAdapterDocument(string Vm, string Adapter, string HostInterface, IReadOnlyList<string> Ips);

/// <summary>
/// A VM as <c>vm list|show --json</c> and <c>export</c> print it. <paramref name="PendingApply"/> is left out
/// of export; <paramref name="QemuArgs"/> is only in <c>vm show</c> of a tap guest.
/// </summary>
public sealed record VmDocument(string Name, string Uuid, string Guest, bool Running, bool? PendingApply,
    IReadOnlyList<AdapterDocument> Adapters, IReadOnlyList<string>? QemuArgs);

/// <summary>An adapter of a VM; the fields after <paramref name="Mac"/> (and name and mode) only in <c>vm show</c>.</summary>
public sealed record AdapterDocument(int Index, string? Name, string Network, string? Mode, IReadOnlyList<string> Ips,
    string? Gateway, string Mac, string? HostInterface, string? HostMac, string? GuestInterface)
{
    /// <summary>A dual-stack bridged adapter's IPv6 gateway beside the IPv4 one in <c>gateway</c>; left out otherwise.</summary>
    public string? Gateway6 { get; init; }

    /// <summary>
    /// The protections switched off (<c>mac</c>, <c>addresses</c>, <c>arp</c>, <c>guards</c>, <c>server</c>);
    /// left out when every one is on, as it is by default (<c>vm show</c>, <c>vm list</c>, export, import).
    /// </summary>
    public IReadOnlyList<string>? Unprotected { get; init; }
}

/// <summary>The whole desired state: what <c>export</c> prints and <c>import</c> reads.</summary>
public sealed record StateDocument(IReadOnlyList<NetworkDocument> Networks, IReadOnlyList<VmDocument> Vms);

/// <summary><c>plan --json</c>.</summary>
public sealed record PlanDocument(
    [property: JsonPropertyName("in_sync")] bool InSync,
    IReadOnlyList<PlanStepDocument> Steps,
    IReadOnlyList<string> Problems);

/// <summary>One step of a plan: add, change or remove; <paramref name="Now"/> is what a change replaces.</summary>
public sealed record PlanStepDocument(
    string Change,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Netns,
    string Object,
    string? Now);

/// <summary>A row of <c>arp --json</c>, in <c>arp -n</c>'s columns.</summary>
public sealed record ArpRowDocument(
    string Address,
    [property: JsonPropertyName("hwtype")] string HwType,
    [property: JsonPropertyName("hwaddress")] string HwAddress,
    string Flags,
    string Iface);

/// <summary>A route of <c>route --json</c>: one Hostnet owns, with the VM adapter behind it.</summary>
public sealed record RouteDocument(
    [property: JsonPropertyName("dst")] string Destination,
    string? Gateway,
    string Dev,
    string Scope,
    string Protocol,
    string? Vm,
    string? Adapter);

/// <summary>A step of <c>trace --json</c>; <paramref name="Fix"/> is the command that mends a missing step.</summary>
public sealed record TraceStepDocument(string Step, bool Ok, string Detail, string? Fix);

/// <summary><c>vm qemu-args --json</c>: what a tap guest's QEMU needs, and each adapter's guest side.</summary>
public sealed record QemuDocument(string Vm, bool Running, IReadOnlyList<string> QemuArgs, IReadOnlyList<QemuAdapterDocument> Adapters);

/// <summary>An adapter of <c>vm qemu-args --json</c>; <paramref name="Gateway"/> is written as null when there is none.</summary>
public sealed record QemuAdapterDocument(
    string Name,
    string Network,
    string Mode,
    string HostInterface,
    string GuestInterface,
    string Mac,
    IReadOnlyList<string> Addresses,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Gateway,
    bool OnLinkGateway,
    IReadOnlyList<string> IpCommands)
{
    /// <summary>
    /// A routed adapter with an IPv6 address: the network's IPv6 default gateway (<c>fe80::ffff:1:1</c> unless configured);
    /// a dual-stack bridged adapter: its own IPv6 gateway beside the IPv4 one; absent otherwise.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Gateway6 { get; init; }
}
