namespace Hostnet.Model;

/// <summary>
/// What mends a refusal, a problem or a broken step, as an action with its arguments. The core names the
/// action; a front end says it in its own words (the CLI: the command or option to give, an API: its own).
/// </summary>
public abstract record Remedy
{
    private protected Remedy() { }

    /// <summary>List the networks (a name was not found).</summary>
    public sealed record ListNetworks : Remedy;

    /// <summary>List the VMs (a name was not found).</summary>
    public sealed record ListVms : Remedy;

    /// <summary>Show VM <paramref name="Vm"/> (an adapter was not found).</summary>
    public sealed record ShowVm(string Vm) : Remedy;

    /// <summary>Show VM <paramref name="Vm"/>, whose QEMU arguments hold the tap (a tap without carrier).</summary>
    public sealed record ShowVmNetdev(string Vm) : Remedy;

    /// <summary>List the VMs, or trace from one of them (an address no VM here holds).</summary>
    public sealed record ListVmsOrTraceFromVm : Remedy;

    /// <summary>Choose another name, or remove network <paramref name="Name"/> first.</summary>
    public sealed record RemoveNetwork(string Name) : Remedy;

    /// <summary>Choose another name, or remove VM <paramref name="Name"/> first.</summary>
    public sealed record RemoveVm(string Name) : Remedy;

    /// <summary>Change the adapter that is there instead of adding one.</summary>
    public sealed record SetAdapter(string Vm, string Adapter) : Remedy;

    /// <summary>Remove the adapters on a network, or move them to another, before removing it.</summary>
    public sealed record MoveAdapters : Remedy;

    /// <summary>Give adapter <paramref name="Adapter"/> of VM <paramref name="Vm"/> the MAC <paramref name="Mac"/>, and restart the guest with it.</summary>
    public sealed record SetAdapterMac(string Vm, string Adapter, MacAddress Mac) : Remedy;

    /// <summary>Give no MAC, so that one is generated.</summary>
    public sealed record GenerateMac : Remedy;

    /// <summary>Give another MAC, or none, so that one is generated.</summary>
    public sealed record OtherMac : Remedy;

    /// <summary>Give no UUID, so that one is generated.</summary>
    public sealed record GenerateUuid : Remedy;

    /// <summary>Give another UUID, or none, so that one is generated.</summary>
    public sealed record OtherUuid : Remedy;

    /// <summary>Give VM <paramref name="Vm"/> another UUID.</summary>
    public sealed record OtherVmUuid(string Vm) : Remedy;

    /// <summary>Give the VM another guest namespace.</summary>
    public sealed record OtherGuestNetns : Remedy;

    /// <summary>Give the bridged network a bridge.</summary>
    public sealed record GiveBridge : Remedy;

    /// <summary>Give a host-routed network no bridge.</summary>
    public sealed record OmitBridge : Remedy;

    /// <summary>Give the physical interface as the uplink.</summary>
    public sealed record PhysicalUplink : Remedy;

    /// <summary>Give the network another gateway.</summary>
    public sealed record OtherNetworkGateway : Remedy;

    /// <summary>Give the network another IPv6 gateway.</summary>
    public sealed record OtherNetworkGateway6 : Remedy;

    /// <summary>Give a bridged network no gateway, and each of its adapters one.</summary>
    public sealed record AdapterGateways : Remedy;

    /// <summary>Give the adapter another gateway (the other choice to another address).</summary>
    public sealed record OtherAdapterGateway : Remedy;

    /// <summary>Give the adapter an address.</summary>
    public sealed record GiveIp : Remedy;

    /// <summary>Give the adapter an address with its prefix as well.</summary>
    public sealed record GiveIpWithPrefix : Remedy;

    /// <summary>Give an adapter on a host-routed network no gateway (<paramref name="Gateway"/> was given).</summary>
    public sealed record OmitAdapterGateway(IpAddress Gateway) : Remedy;

    /// <summary>Add VM <paramref name="Vm"/> an adapter with an address on a network.</summary>
    public sealed record AddAdapter(string Vm) : Remedy;

    /// <summary>Give adapter <paramref name="Adapter"/> of VM <paramref name="Vm"/> a gateway.</summary>
    public sealed record SetAdapterGateway(string Vm, string Adapter) : Remedy;

    /// <summary>Start VM <paramref name="Vm"/>.</summary>
    public sealed record StartVm(string Vm) : Remedy;

    /// <summary>Apply: make the kernel match the state (what mends every missing kernel object of a running VM).</summary>
    public sealed record Apply : Remedy;

    /// <summary>Apply once the cause named before is mended.</summary>
    public sealed record ApplyAfter : Remedy;

    /// <summary>Apply to finish a move of the server's addresses that was left half-done.</summary>
    public sealed record ApplyToFinishMove : Remedy;

    /// <summary>Apply again: what the apply met has changed under it.</summary>
    public sealed record ApplyAgain : Remedy;

    /// <summary>Mend the cause, then apply.</summary>
    public sealed record MendThenApply : Remedy;

    /// <summary>Create or rename the missing interface, then apply.</summary>
    public sealed record CreateInterfaceThenApply : Remedy;

    /// <summary>Probe the LAN no more for the addresses claimed.</summary>
    public sealed record SkipProbe : Remedy;

    /// <summary>Apply once the address is free, or probe the LAN no more for it.</summary>
    public sealed record ApplyOrSkipProbe : Remedy;

    /// <summary>Run with the privilege to make the state directory, or name another one.</summary>
    public sealed record RootOrStateDir : Remedy;

    /// <summary>Name the server's network namespace as one under <c>/run/netns</c>.</summary>
    public sealed record NetnsUnderRunNetns : Remedy;

    /// <summary>Run <paramref name="Line"/>, a command of the system's own tools (<c>ip</c>, <c>bridge</c>), in the server's namespace.</summary>
    public sealed record SystemCommand(string Line) : Remedy;
}

/// <summary>
/// Something wrong that does not stop the request (a VM left out, a MAC the rules now refuse): a stable
/// <paramref name="Code"/>, the core's sentence, and what mends it.
/// </summary>
/// <param name="Code">What is wrong, as a stable machine word.</param>
/// <param name="Text">What is wrong, in one sentence that names no front end's commands.</param>
/// <param name="Remedy">What mends it, when something does.</param>
public sealed record Problem(string Code, string Text, Remedy? Remedy = null);
