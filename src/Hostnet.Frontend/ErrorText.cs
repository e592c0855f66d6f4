using Hostnet.Agent;
using Hostnet.Model;

namespace Hostnet.Frontend;

/// <summary>
/// The words a person reads for the errors of the application layer and the core: each code with its
/// arguments becomes one line — the CLI's after <c>hostnet: error: </c>, the daemon's problem detail — and
/// a remedy the command or option that mends it (<see cref="RemedyText"/>). Any other exception says its
/// own message.
/// </summary>
public static class ErrorText
{
    /// <summary>The error as the one line every front end says.</summary>
    public static string Line(Exception e) => Of(e).ReplaceLineEndings(" ").Trim();

    /// <summary>The error's stable machine word, or null for a failure that carries none.</summary>
    public static string? Code(Exception e) => e switch
    {
        AgentException a => a.Code,
        ValidationException v => v.Code,
        _ => Failures.Problems(e) is [var first, ..] ? first.Code : null,
    };

    public static string Of(Exception e) => e switch
    {
        AgentException a => Render(a),
        ValidationException v => Render(v),
        _ => Failures.Problems(e) is { } problems ? RemedyText.Line(problems) : e.Message,
    };

    private static string Render(ValidationException e) => e.Code switch
    {
        RefusalCodes.AddressesGivenAndCleared => "give --ip or --no-ip, not both",
        RefusalCodes.GatewayGivenAndCleared => "give --gateway or --no-gateway, not both",
        RefusalCodes.ProtectionOnAndOff => $"give --protect {e.Arguments["protection"]} or --no-protect {e.Arguments["protection"]}, not both",
        RefusalCodes.NotAProtection => $"'{e.Arguments["protection"]}' is not a protection: give mac, addresses, arp, guards, server or all",
        RefusalCodes.ServerPortsGivenAndCleared => "give --server-ports or --no-server-ports, not both",
        RefusalCodes.NotADnsServer => $"'{e.Arguments["dns"]}' is not a DNS server address: give addresses, e.g. --dns 192.0.2.53,2001:db8::53",
        RefusalCodes.DnsGivenAndCleared => "give --dns or --no-dns, not both",
        RefusalCodes.DhcpOnAndOff => "give --dhcp or --no-dhcp, not both",
        RefusalCodes.NothingToChange => ChangeHint.NothingToChange(
            e.Arguments.TryGetValue(ChangeHint.OptionsArgument, out var given) ? given.Split(' ') : ChangeHint.NetworkSetOptions),
        RefusalCodes.NotAServerPort => $"'{e.Arguments["port"]}' is not a server port: give tcp/PORT or udp/PORT (PORT 1-65535), e.g. --server-ports tcp/53,udp/53",
        _ => e.Message + RemedyText.Tail(e.Remedy),
    };

    private static string Render(AgentException e) => e.Code switch
    {
        ErrorCodes.NetnsNotFound => $"network namespace {e["netns"]} does not exist (--netns names one under /run/netns)",
        ErrorCodes.KernelNotFollowed when e is KernelNotFollowedException k =>
            $"{Of(k.InnerException!).ReplaceLineEndings(" ").TrimEnd('.')} ({Saved(k)})",
        ErrorCodes.KernelLockHeld => $"another hostnet{Pid(e["pid"])} is changing this server; try again when it is done",
        ErrorCodes.ResyncIntervalTooShort => $"--resync-seconds must be at least {e["minimumSeconds"]}",
        ErrorCodes.NotATapGuest =>
            $"VM {e["vm"]} is a {e["guest"]} guest, not a QEMU guest: its adapters are veth pairs that Hostnet configures itself",
        ErrorCodes.VmNotRunning => $"VM {e["vm"]} is stopped: start it with 'hostnet vm start {e["vm"]}' (its start tells the LAN)",
        ErrorCodes.NoAdapters => $"VM {e["vm"]} has no adapters: add one with 'hostnet adapter add {e["vm"]} --network NET'",
        ErrorCodes.HookNotHostnets =>
            $"{e["path"]} is not Hostnet's hook: left as it is (libvirt runs every file in qemu.d; move it away, or give --hooks-dir DIR)",
        ErrorCodes.HookNotWritten => $"cannot write {e["path"]}: {e["reason"]} (run as root, or give --hooks-dir DIR)",
        ErrorCodes.ImportTooLarge => $"{Reading(e["source"])} is larger than {e["limitMiB"]} MiB: import reads at most that much",
        ErrorCodes.ImportUnreadable => $"cannot read {Reading(e["source"])}: {e["reason"]}",
        ErrorCodes.ImportNotJson => $"{e["source"]} is not valid JSON: {e["reason"]}",
        ErrorCodes.ImportNotAState => $"{e["source"]} is not a Hostnet state: give an object {{\"networks\": [...], \"vms\": [...]}}",
        ErrorCodes.ImportEntryRefused => $"{e["where"]}: {Of(e.InnerException!)}",
        ErrorCodes.ImportNotAnObject => $"{e["where"]}: is not an object",
        ErrorCodes.ImportFieldMissing => $"{e["where"]}: \"{e["field"]}\" is missing",
        ErrorCodes.ImportFieldNotString => $"{e["where"]}: \"{e["field"]}\" is not a string",
        ErrorCodes.ImportFieldNotList => $"{e["where"]}: \"{e["field"]}\" is not a list",
        ErrorCodes.ImportRunningNotBoolean => $"{e["where"]}: \"running\" is not true or false",
        ErrorCodes.ImportIndexNotWholeNumber => $"{e["where"]}: \"index\" is not a whole number: give 0, 1, ...",
        ErrorCodes.ImportIpsNotStrings => $"{e["where"]}: \"ips\" holds something other than strings",
        ErrorCodes.ImportUnknownMode => $"{e["where"]}: '{e["mode"]}' is not a mode: give bridged or host-routed",
        _ => e.Message,
    };

    /// <summary>" (pid 1234)", or nothing when the pid is not known.</summary>
    internal static string Pid(string pid) => pid.Length == 0 ? "" : $" (pid {pid})";

    /// <summary>What a front end says once while a change waits for another hostnet's kernel lock.</summary>
    public static string WaitingForKernelLock(int? holderPid) =>
        $"waiting for another hostnet{Pid(holderPid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "")} that is changing this server…";

    /// <summary>The file an import reads, as a person calls it: <c>-</c> is standard input.</summary>
    private static string Reading(string source) => source == "-" ? "standard input" : source;

    private static string Saved(KernelNotFollowedException k) => k.Saved == SavedAs.Removed
        ? $"VM {k.Vm} is removed from the state; `hostnet apply` removes what is left of it"
        : $"VM {k.Vm} is saved {(k.Saved == SavedAs.Running ? "running" : "stopped")}, pending apply; `hostnet apply` finishes it";
}
