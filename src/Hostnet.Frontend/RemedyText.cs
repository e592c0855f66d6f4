using Hostnet.Model;

namespace Hostnet.Frontend;

/// <summary>
/// The CLI's words for what mends a refusal, a problem or a broken trace step: the command to run or the
/// option to give. The core names the action (<see cref="Remedy"/>); only here does it become a command line.
/// </summary>
public static class RemedyText
{
    /// <summary>A problem as one line: the core's sentence, then what mends it.</summary>
    public static string Line(Problem problem) => problem.Text + Tail(problem.Remedy);

    /// <summary>Several problems as one line, in the order met.</summary>
    public static string Line(IEnumerable<Problem> problems) => string.Join("; ", problems.Select(Line));

    /// <summary>What follows the core's sentence: the remedy in the CLI's words, with the words that join it on.</summary>
    public static string Tail(Remedy? remedy) => remedy switch
    {
        null => "",
        Remedy.ListNetworks => ": see 'hostnet network list'",
        Remedy.ListVms => ": see 'hostnet vm list'",
        Remedy.ShowVm r => $": see 'hostnet vm show {r.Vm}'",
        Remedy.ShowVmNetdev r => $" (see `hostnet vm show {r.Vm}` for its -netdev)",
        Remedy.ListVmsOrTraceFromVm => " (see `hostnet vm list`); `hostnet trace ADDR --from-vm VM` follows a packet from a VM to any address",
        Remedy.RemoveNetwork r => $", or remove it first with 'hostnet network rm {r.Name}'",
        Remedy.RemoveVm r => $", or remove it first with 'hostnet vm rm {r.Name}'",
        Remedy.SetAdapter r => $": change it with 'hostnet adapter set {r.Vm} {r.Adapter}'",
        Remedy.MoveAdapters => ": remove those adapters or move them with 'hostnet adapter set' first",
        Remedy.SetAdapterMac r => $"; give it another with 'hostnet adapter set {r.Vm} {r.Adapter} --mac {r.Mac}' and restart the guest with it",
        Remedy.GenerateMac => ", or leave --mac out to generate one",
        Remedy.OtherMac => ": give another --mac, or leave --mac out to generate one",
        Remedy.GenerateUuid => ", or leave --uuid out to generate one",
        Remedy.OtherUuid => ": give another --uuid, or leave it out to generate one",
        Remedy.OtherVmUuid r => $"; give {r.Vm} another --uuid",
        Remedy.OtherGuestNetns => ": give --guest netns:OTHERNAME",
        Remedy.GiveBridge => ": give --bridge BR (e.g. br1)",
        Remedy.OmitBridge => ": leave --bridge out",
        Remedy.PhysicalUplink => ": give the physical interface as --uplink",
        Remedy.OtherNetworkGateway => ": give another --gateway",
        Remedy.OtherNetworkGateway6 => ": give another --gateway6",
        Remedy.AdapterGateways => ": leave --gateway out and give each adapter its --gateway",
        Remedy.OtherAdapterGateway => " or --gateway",
        Remedy.GiveIp => ": give --ip ADDR",
        Remedy.GiveIpWithPrefix => ": give --ip ADDR/PREFIX too",
        Remedy.OmitAdapterGateway r => $", so --gateway {r.Gateway} cannot be given: leave --gateway out",
        Remedy.Apply => "; then run `hostnet apply`",
        Remedy.ApplyAfter => ", then run `hostnet apply`",
        Remedy.ApplyToFinishMove => "; run `hostnet apply` to finish the move",
        Remedy.ApplyAgain => "; run `hostnet apply` again",
        Remedy.MendThenApply => ". Fix the cause, then run `hostnet apply`",
        Remedy.SkipProbe => "; --no-probe skips this check",
        Remedy.ApplyOrSkipProbe => ", then run `hostnet apply`; --no-probe skips this check",
        Remedy.RootOrStateDir => " (run as root, or give --state-dir DIR)",
        Remedy.NetnsUnderRunNetns => " (--netns names one under /run/netns)",
        _ => $": {Command(remedy, new Globals("hostnet", ""))}",
    };

    /// <summary>How a command is run against the server a command ran with: <c>hostnet --netns SRV</c>, <c>-n SRV</c>.</summary>
    /// <param name="Hostnet">The start of a hostnet command, global options included.</param>
    /// <param name="NetnsOption">What the system's tools take to reach the server (<c> -n SRV</c>), or empty.</param>
    public sealed record Globals(string Hostnet, string NetnsOption);

    /// <summary>The command that mends a broken trace step, to be pasted as it is.</summary>
    public static string Command(Remedy remedy, Globals globals) => remedy switch
    {
        Remedy.Apply => $"{globals.Hostnet} apply",
        Remedy.StartVm r => $"{globals.Hostnet} vm start {r.Vm}",
        Remedy.AddAdapter r => $"{globals.Hostnet} adapter add {r.Vm} --network NET --ip ADDR",
        Remedy.SetAdapterGateway r => $"{globals.Hostnet} adapter set {r.Vm} {r.Adapter} --gateway ADDR",
        Remedy.CreateInterfaceThenApply => "create or rename the interface, then hostnet apply",
        Remedy.SystemCommand r when r.Line.IndexOf(' ', StringComparison.Ordinal) is var space and > 0 =>
            r.Line[..space] + globals.NetnsOption + r.Line[space..],
        Remedy.SystemCommand r => r.Line,
        _ => throw new ArgumentOutOfRangeException(nameof(remedy), remedy, "no command mends this"),
    };
}
