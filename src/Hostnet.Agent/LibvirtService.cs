using System.Text;
using System.Xml;
using Hostnet.Model;

namespace Hostnet.Agent;

/// <summary>What libvirt's hook asked of Hostnet, and what it did.</summary>
public enum HookAction
{
    /// <summary>The operation is not one Hostnet acts on (<c>started</c>, <c>stopped</c>, <c>reconnect</c>, <c>attach</c>, …).</summary>
    None,

    /// <summary>The domain is no VM of Hostnet's: libvirt runs the hook for every domain.</summary>
    UnknownDomain,

    /// <summary>The VM's networking was started (or found started): its taps exist before QEMU opens them.</summary>
    Started,

    /// <summary>The VM's networking was stopped (or found stopped).</summary>
    Stopped,

    /// <summary>
    /// An incoming migration: the VM's networking was made ready (or found started) without telling the LAN, which
    /// is told once the guest runs here (<see cref="VmService.AnnounceWhenGuestRuns"/>).
    /// </summary>
    Readied,
}

/// <summary>The answer to one call of libvirt's hook: the VM the domain is, when Hostnet knows it, and what was done.</summary>
public sealed record HookResult(string? Vm, HookAction Action);

/// <summary>Where <see cref="LibvirtService.InstallHook"/> put the hook, and whether the file changed.</summary>
public sealed record HookInstalled(string Path, bool Changed);

/// <summary>
/// libvirt's QEMU hook: libvirt runs every executable file in <c>hooks/qemu.d</c> for every domain, with the
/// domain's name, an operation and a sub-operation as arguments and the domain's XML on standard input, and
/// waits for it. Hostnet's starts a VM's networking at <c>prepare begin</c> (before QEMU opens the taps that
/// <c>&lt;target dev='vme…' managed='no'/&gt;</c> names: libvirt refuses a domain whose tap is missing) and
/// stops it at <c>release end</c>. It never calls back into libvirt: libvirt waits for the hook, and a call
/// back would wait for libvirt.
/// </summary>
public sealed class LibvirtService
{
    /// <summary>libvirt's hooks folder on a standard installation.</summary>
    public const string DefaultHooksDir = "/etc/libvirt/hooks";

    /// <summary>The hook's path under the hooks folder: libvirt runs every file in <c>qemu.d</c>, in name order.</summary>
    public const string HookFile = "qemu.d/hostnet";

    /// <summary>The line that tells Hostnet's hook from anyone else's file of the same name.</summary>
    private const string Marker = "# Hostnet's libvirt QEMU hook: starts a VM's networking before libvirt starts its domain, stops it when the domain is released.";

    private readonly HostAgent _agent;

    internal LibvirtService(HostAgent agent) => _agent = agent;

    /// <summary>
    /// One call of the hook. A domain without a Hostnet tap (<see cref="HasHostnetInterface"/>) is none of
    /// Hostnet's, whatever its name: the state is not even read. <c>prepare begin</c> starts the domain's VM
    /// (probing the LAN for its addresses: a refusal throws, and libvirt refuses the domain with the line the
    /// front end prints) and tells the LAN; <c>migrate begin</c>, an incoming migration, makes it ready without
    /// the probe and without telling the LAN (the address still answers from the source server until the guest
    /// has moved; the <c>prepare</c>, <c>start</c> and <c>started begin</c> libvirt runs next, before the guest's
    /// memory arrives, find it started and change nothing) and answers <see cref="HookAction.Readied"/>, for the
    /// front end to have the LAN told once the guest runs here; <c>release end</c> stops it. Every other operation
    /// (<c>start</c>, <c>started</c>, <c>stopped</c>, <c>restore</c>, <c>reconnect</c> when libvirt
    /// restarted, <c>attach</c>) changes nothing. Each is idempotent: a VM found started stays so.
    /// </summary>
    /// <param name="domain">The domain's name (libvirt's first argument).</param>
    /// <param name="operation">libvirt's operation: <c>prepare</c>, <c>release</c>, <c>migrate</c>, …</param>
    /// <param name="subOperation">libvirt's sub-operation: <c>begin</c>, <c>end</c>, <c>-</c>.</param>
    /// <param name="domainXml">The domain's XML as libvirt gives it on standard input, or null.</param>
    public HookResult Hook(string domain, string operation, string subOperation, string? domainXml)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var action = (operation, subOperation) switch
        {
            ("prepare", "begin") or ("migrate", "begin") => HookAction.Started,
            ("release", "end") => HookAction.Stopped,
            _ => HookAction.None,
        };
        // Nothing to do: not even the state is read, so that an operation Hostnet ignores cannot fail.
        if (action == HookAction.None) return new HookResult(null, HookAction.None);
        // A domain without a Hostnet tap is none of Hostnet's: decided from the XML alone, so that a state
        // Hostnet cannot read never stops libvirt from starting the domains Hostnet has nothing to do with.
        if (!HasHostnetInterface(domainXml)) return new HookResult(null, HookAction.UnknownDomain);

        var vm = Match(_agent.Load(), domain, DomainUuid(domainXml));
        if (vm is null) return new HookResult(null, HookAction.UnknownDomain);
        if (operation == "migrate")
        {
            // An incoming migration: everything is made ready here, but the LAN is not told to send the guest's
            // traffic here while the guest still runs on the source server: that waits for the guest to run here.
            _agent.Vms.Start(vm.Name, probe: false, announce: false);
            return new HookResult(vm.Name, HookAction.Readied);
        }
        else if (action == HookAction.Started)
        {
            _agent.Vms.Start(vm.Name, probe: true);
        }
        else
        {
            _agent.Vms.Stop(vm.Name);
        }
        return new HookResult(vm.Name, action);
    }

    /// <summary>
    /// The tap guest that is the domain: the one with the domain's UUID (a VM made for a domain takes its
    /// UUID, which also names its vmes), else the one with the domain's name; null when there is none.
    /// </summary>
    public static Vm? Match(DesiredState state, string domain, Guid? uuid)
    {
        var taps = state.Vms.Where(v => v.Guest.Kind == GuestKind.Tap).ToList();
        return (uuid is { } u ? taps.FirstOrDefault(v => v.Uuid == u) : null)
            ?? taps.FirstOrDefault(v => string.Equals(v.Name, domain, StringComparison.Ordinal));
    }

    /// <summary>The <c>&lt;uuid&gt;</c> of the <c>&lt;domain&gt;</c> in libvirt's XML; null when there is none or the XML cannot be read (then the name decides).</summary>
    public static Guid? DomainUuid(string? xml)
    {
        if (string.IsNullOrWhiteSpace(xml)) return null;
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            // The domain's own <uuid> is a child of <domain>, wherever <domain> sits (a status document wraps it).
            var domainDepth = -1;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (domainDepth < 0 && reader.LocalName == "domain") domainDepth = reader.Depth;
                else if (domainDepth >= 0 && reader.Depth == domainDepth + 1 && reader.LocalName == "uuid")
                    return Guid.TryParse(reader.ReadElementContentAsString().Trim(), out var uuid) ? uuid : null;
            }
        }
        catch (XmlException)
        {
        }
        return null;
    }

    /// <summary>
    /// Whether the domain can be one of Hostnet's: one of its <c>&lt;interface&gt;</c> elements opens a tap of
    /// Hostnet's name (<c>&lt;target dev='vme…'/&gt;</c>, as <c>hostnet vm qemu-args --libvirt</c> writes it;
    /// libvirt keeps a name it did not choose). False when there is none, or no XML that can be read.
    /// </summary>
    public static bool HasHostnetInterface(string? xml)
    {
        if (string.IsNullOrWhiteSpace(xml)) return false;
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            // <domain><devices><interface><target dev='…'/>: the depths are counted from <domain>, wherever it sits.
            var domainDepth = -1;
            var inDevices = false;
            var inInterface = false;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (domainDepth < 0)
                {
                    if (reader.LocalName == "domain") domainDepth = reader.Depth;
                    continue;
                }
                var depth = reader.Depth - domainDepth;
                if (depth == 1) inDevices = reader.LocalName == "devices";
                else if (depth == 2) inInterface = inDevices && reader.LocalName == "interface";
                else if (depth == 3 && inInterface && reader.LocalName == "target" && Naming.IsHostInterface(reader.GetAttribute("dev"))) return true;
            }
        }
        catch (XmlException)
        {
        }
        return false;
    }

    /// <summary>
    /// Writes the hook, <c>qemu.d/hostnet</c> under <paramref name="hooksDir"/> (made if missing): a small
    /// <c>sh</c> script, mode 0755, that runs <paramref name="command"/> with libvirt's arguments. A file of
    /// that name that is not Hostnet's is left as it is and refused; Hostnet's own is replaced, or left
    /// untouched when it already says the same (<see cref="HookInstalled.Changed"/> false).
    /// </summary>
    /// <param name="hooksDir">libvirt's hooks folder (<see cref="DefaultHooksDir"/>).</param>
    /// <param name="command">What the hook runs, each word as it is (the binary's absolute path first); libvirt's four arguments follow.</param>
    /// <exception cref="RequestRefusedException">(<see cref="ErrorCodes.HookNotHostnets"/>) the file is someone else's; (<see cref="ErrorCodes.HookNotWritten"/>) it cannot be written.</exception>
    public HookInstalled InstallHook(string hooksDir, IReadOnlyList<string> command)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hooksDir);
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0) throw new ArgumentException("the hook needs a command", nameof(command));
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("libvirt's hooks are written on Linux");
        var dir = Path.GetFullPath(hooksDir);
        var path = Path.Combine(dir, HookFile);
        var text = HookText(command);
        const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        try
        {
            var existing = new FileInfo(path);
            if (existing.Exists || Directory.Exists(path) || existing.LinkTarget is not null)
            {
                var current = existing.Exists && existing.LinkTarget is null ? File.ReadAllText(path) : null;
                if (current is null || !IsHostnets(current)) throw new RequestRefusedException(ErrorCodes.HookNotHostnets, ("path", path));
                if (current == text && File.GetUnixFileMode(path) == Executable) return new HookInstalled(path, Changed: false);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // Made beside qemu.d, not in it: libvirt runs every executable file in qemu.d, a half-written one too.
            var temporary = Path.Combine(dir, ".hostnet-hook.new");
            File.WriteAllText(temporary, text, new UTF8Encoding(false));
            File.SetUnixFileMode(temporary, Executable);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RequestRefusedException(ErrorCodes.HookNotWritten, e, ("path", path), ("reason", e.Message));
        }
        return new HookInstalled(path, Changed: true);
    }

    /// <summary>The hook's text: the marker, then <c>exec</c> of the command with libvirt's arguments (its standard input, the domain's XML, goes along).</summary>
    internal static string HookText(IReadOnlyList<string> command) =>
        "#!/bin/sh\n" + Marker + "\n"
        + "# libvirt runs it for every QEMU domain as: qemu.d/hostnet DOMAIN OPERATION SUBOPERATION EXTRA, the domain's XML on standard input.\n"
        + "exec " + string.Join(' ', command.Select(Quote)) + " \"$@\"\n";

    private static bool IsHostnets(string text) => text.Split('\n').Skip(1).FirstOrDefault() == Marker;

    /// <summary>A word for <c>sh</c>, in single quotes (a quote inside as <c>'\''</c>).</summary>
    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
