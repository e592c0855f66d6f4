namespace Hostnet.Engine.Intent;

/// <summary>
/// The few facts about the live server that decide what the intent is: which
/// bridge (if any) holds an uplink — then the bridge is the L3 uplink that
/// answers ARP for routed VMs — and whether IPv6 is there to be told to
/// ignore router advertisements on the vme interfaces.
/// </summary>
public sealed record ServerFacts(IReadOnlyDictionary<string, string?> MasterOfLink, bool HasIpv6)
{
    public static ServerFacts None { get; } = new(new Dictionary<string, string?>(), HasIpv6: false);

    public string? MasterOf(string link) => MasterOfLink.TryGetValue(link, out var m) ? m : null;
}
