namespace Hostnet.Model.Tests;

/// <summary>The seed's mixed server: a host-routed and a bridged network on eth0, VM #1 routed.</summary>
internal static class Seed
{
    public static readonly Guid Vm1Uuid = Guid.Parse("7b9a73a1-5c2e-4d1a-9f3b-000000000001");
    public static readonly Guid Vm2Uuid = Guid.Parse("4980d06a-0000-4000-8000-000000000002");

    public static DesiredState State()
    {
        var state = DesiredState.Empty
            .AddNetwork(Network.HostRouted("Routed", "eth0"))
            .AddNetwork(Network.Bridged("Bridged", "br1", "eth0"))
            .AddVm(new Vm("vm1", Vm1Uuid, Guest.Tap, false, []));
        return state.AddAdapter("vm1", state.NewAdapter("vm1", "Routed", ["192.168.200.201"], null, null));
    }

    /// <summary>The state with vm2 (no adapters) added.</summary>
    public static DesiredState WithVm2() => State().AddVm(new Vm("vm2", Vm2Uuid, Guest.Tap, false, []));

    /// <summary>The refusal an edit meets: the core's sentence, then <c>| </c> and the remedy when there is one.</summary>
    public static string Refusal(Func<object?> edit)
    {
        var e = Assert.Throws<ValidationException>(() => edit());
        // Every refusal of the model says what it is as a code, for a front end to key its words on.
        Assert.NotEqual(ValidationException.Unspecified, e.Code);
        Assert.Matches("^[a-z]+(-[a-z]+)*$", e.Code);
        return e.Remedy is null ? e.Message : $"{e.Message} | {e.Remedy}";
    }
}
