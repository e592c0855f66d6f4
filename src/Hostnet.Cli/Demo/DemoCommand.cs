using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Hostnet.Agent.Demo;
using Hostnet.Model;

namespace Hostnet.Cli.Demo;

/// <summary>
/// <c>hostnet demo [--keep]</c> and <c>hostnet demo down</c>: the seed's world
/// built in network namespaces of the demo's own, the VMs made by Hostnet's own
/// engine, shown live, and removed — also when interrupted.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The exit code of a demo stopped by SIGINT (128 + 2, as a shell reports it).</summary>
    public const int Interrupted = 130;

    public static Command Build(TextWriter output)
    {
        var keep = new Option<bool>("--keep")
        {
            Description = "Leave the lab up at the end and print how to enter it; remove it later with 'hostnet demo down'",
        };
        var demo = new Command("demo",
            $"Build the seed's world (a LAN, computer X, a mixed server, two host-routed VMs and a bridged one) in network namespaces {DemoLab.Prefix}*, show it live, remove it");
        demo.Options.Add(keep);
        demo.SetAction(parse =>
        {
            RefuseServerOptions(parse);
            return Run(output, parse.GetValue(keep));
        });

        var down = new Command("down", $"Remove a lab left by 'hostnet demo --keep' (every namespace {DemoLab.Prefix}* and {DemoLab.StateDir})");
        down.SetAction(parse =>
        {
            RefuseServerOptions(parse);
            RequireRoot("demo down");
            if (!DemoLab.Exists())
            {
                output.WriteLine("No demo lab to remove.");
                return HostnetCli.Success;
            }
            var removed = DemoLab.RemoveAll();
            output.WriteLine($"Removed the demo lab: {(removed.Count == 0 ? "(no namespaces)" : string.Join(' ', removed))} and {DemoLab.StateDir}.");
            return HostnetCli.Success;
        });
        demo.Subcommands.Add(down);
        return demo;
    }

    /// <summary>The demo makes its own server and state; it is never pointed at another.</summary>
    private static void RefuseServerOptions(ParseResult parse)
    {
        if (parse.GetValue(GlobalOptions.Netns) is not null || parse.GetValue(GlobalOptions.StateDir) is not null)
        {
            throw new ValidationException(
                $"the demo makes its own server ({DemoLab.ServerNs}) and state directory ({DemoLab.StateDir}): leave --netns and --state-dir out");
        }
    }

    private static void RequireRoot(string command)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new ValidationException(
                $"the demo creates network namespaces and needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN): run it as 'sudo ./hostnet {command}'");
        }
    }

    private static int Run(TextWriter output, bool keep)
    {
        RequireRoot(keep ? "demo --keep" : "demo");
        var clock = Stopwatch.StartNew();
        using var interrupt = new Interrupt();
        try
        {
            if (DemoLab.Exists())
            {
                var left = DemoLab.RemoveAll();
                output.WriteLine($"Removed what an earlier demo left: {(left.Count == 0 ? DemoLab.StateDir : string.Join(' ', left))}");
            }
            interrupt.Check();
            var problems = Show(output, interrupt);
            interrupt.Check();
            if (keep) PrintKept(output, clock.Elapsed);
            if (problems.Count > 0)
            {
                throw new InvalidOperationException(
                    $"the lab does not work as the seed describes: {string.Join("; ", problems)}" + (keep ? "" : "; 'hostnet demo --keep' leaves it up to look into"));
            }
            if (keep) return HostnetCli.Success;
            var removed = DemoLab.RemoveAll();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Removed the lab ({removed.Count} namespaces and {DemoLab.StateDir}). The demo took {clock.Elapsed.TotalSeconds:0.0} s."));
            return HostnetCli.Success;
        }
        catch (OperationCanceledException) when (interrupt.Requested)
        {
            output.Flush();
            Console.Error.WriteLine("hostnet: interrupted: removing the demo lab…");
            DemoLab.RemoveAll();
            Console.Error.WriteLine($"hostnet: removed every {DemoLab.Prefix}* namespace and {DemoLab.StateDir}.");
            return Interrupted;
        }
        catch
        {
            output.Flush();
            if (!keep) DemoLab.RemoveAll();
            else Console.Error.WriteLine("hostnet: the lab is left as it is (--keep); 'hostnet demo down' removes it");
            throw;
        }
    }

    /// <summary>Builds the lab, starts the VMs, prints what the kernel shows; returns where it differs from the seed.</summary>
    private static IReadOnlyList<string> Show(TextWriter output, Interrupt interrupt)
    {
        output.WriteLine($"Hostnet demo: the seed's world in network namespaces {DemoLab.Prefix}* (this machine's own interfaces, routes and sysctls are not touched).");
        output.WriteLine();

        var step = Stopwatch.StartNew();
        DemoLab.Build(interrupt.Check);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LAN: bridge {DemoLab.LanBridge} in {DemoLab.LanNs}; computer X {DemoLab.ComputerX}/24 in {DemoLab.ComputerXNs}; the server {DemoLab.Server}/24 on its {DemoLab.Uplink} in {DemoLab.ServerNs}  ({step.Elapsed.TotalMilliseconds:0} ms)"));
        interrupt.Check();

        var state = DemoLab.Desired();
        DemoLab.Save(state);
        output.WriteLine(
            $"Hostnet (state in {DemoLab.StateDir}): network {DemoLab.RoutedNetwork} host-routed and network {DemoLab.BridgedNetwork} bridged on {DemoLab.Bridge}, both on the server's {DemoLab.Uplink}");
        interrupt.Check();

        // As an admin would: `vm start vm3`, then `vm start vm1 vm2`. The bridged VM first makes
        // br1 and moves the server's address onto it; the routed VMs are then published on br1.
        // (In one apply the engine's ARP probe for the routed addresses would run on br1 before
        // the apply has made it, and fail with ENODEV.)
        foreach (var group in DemoLab.Vms.GroupBy(v => v.Mode).OrderBy(g => g.Key == NetworkMode.Bridged ? 0 : 1))
        {
            step.Restart();
            var changes = DemoLab.Start(group);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  started {string.Join(", ", group.Select(v => $"{v.Title} {v.Address}"))} ({Network.ModeName(group.Key)}): {changes} kernel changes  ({step.Elapsed.TotalMilliseconds:0} ms)"));
            interrupt.Check();
        }

        // The pings come first: they fill computer X's ARP cache that is shown below.
        Section(output, "Pings (ICMP echo, live)");
        var pings = new List<DemoPing>();
        foreach (var (from, fromNs, to) in DemoReport.PingPlan())
        {
            pings.Add(DemoReport.Ping(from, fromNs, to));
            output.WriteLine(DemoReport.FormatPing(pings[^1]));
            interrupt.Check();
        }
        Section(output, "Pings over IPv6 (ICMPv6 echo, live)");
        foreach (var (from, fromNs, to) in DemoReport.PingPlan6())
        {
            pings.Add(DemoReport.Ping(from, fromNs, to, to.Address6));
            output.WriteLine(DemoReport.FormatPing(pings[^1]));
            interrupt.Check();
        }

        var lan = LiveNamespace.Read(DemoLab.LanNs);
        var cx = LiveNamespace.Read(DemoLab.ComputerXNs);
        var server = LiveNamespace.Read(DemoLab.ServerNs);
        var guests = DemoLab.Vms.ToDictionary(v => v.Netns, v => LiveNamespace.Read(v.Netns), StringComparer.Ordinal);
        interrupt.Check();

        Section(output, $"The server: arp -n  (in {DemoLab.ServerNs}; MP = published: the server answers ARP for the routed VMs)");
        output.Write(DemoReport.ServerArp());
        Section(output, $"The server: hostnet ndp  (in {DemoLab.ServerNs}; MP = proxy NDP: the server answers neighbour solicitations for the routed VMs' IPv6)");
        output.Write(DemoReport.ServerNdp());
        Section(output, $"Computer X: its ARP cache  (in {DemoLab.ComputerXNs})");
        output.Write(DemoReport.ComputerXArp(server, guests));
        Section(output, "Routes");
        output.Write(DemoReport.Routes(server, guests));
        interrupt.Check();

        Section(output, "Bridged mode (the seed's first figure, from the live kernel): VM #3 answers ARP on the LAN with its own MAC");
        output.Write(DemoReport.BridgedFigure(lan, cx, server, guests));
        Section(output, "Host-routed mode (the seed's second figure, from the live kernel): the server answers ARP for VM #1 and VM #2");
        output.Write(DemoReport.RoutedFigure(lan, cx, server, guests));
        output.WriteLine();
        output.Flush();
        return [.. DemoReport.Problems(pings, cx, server, guests), .. DemoReport.Problems6()];
    }

    private static void Section(TextWriter output, string title)
    {
        output.WriteLine();
        output.WriteLine("== " + title);
    }

    private static void PrintKept(TextWriter output, TimeSpan elapsed)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"The lab is up (--keep; built and shown in {elapsed.TotalSeconds:0.0} s). Enter it:"));
        output.WriteLine($"  sudo ip netns exec {DemoLab.ComputerXNs} ping 192.168.200.201   # computer X");
        output.WriteLine($"  sudo ip netns exec {DemoLab.ServerNs} arp -n                # the server");
        output.WriteLine($"  sudo ip netns exec {DemoLab.Vms[0].Netns} ip route              # VM #1");
        output.WriteLine("Point hostnet at it:");
        output.WriteLine($"  sudo ./hostnet --netns {DemoLab.ServerNs} --state-dir {DemoLab.StateDir} vm list");
        output.WriteLine($"  sudo ./hostnet --netns {DemoLab.ServerNs} --state-dir {DemoLab.StateDir} arp");
        // The demo runs no daemon: the console is one command away, and a browser reaches its unix socket through a forward.
        var socket = Daemon.HostnetDaemon.DefaultSocket(DemoLab.ServerNs);
        output.WriteLine("Open the console (the page the daemon serves), then http://localhost:8080/ in a browser:");
        output.WriteLine($"  sudo ./hostnet --netns {DemoLab.ServerNs} --state-dir {DemoLab.StateDir} daemon &   # serves {socket}");
        output.WriteLine($"  sudo socat TCP-LISTEN:8080,bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:{socket}   # on this machine");
        output.WriteLine($"  ssh -N -L 8080:{socket} root@THIS-SERVER   # or from your desk");
        output.WriteLine("Remove it:");
        output.WriteLine("  sudo ./hostnet demo down");
    }

    /// <summary>
    /// SIGINT, SIGTERM and SIGHUP while the demo runs: the first asks the demo to
    /// stop at its next step and remove the lab (every step is short; a ping waits
    /// at most a second); a second one removes the lab at once and exits.
    /// </summary>
    private sealed class Interrupt : IDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly PosixSignalRegistration[] _registrations;
        private int _signals;

        public Interrupt()
        {
            _registrations =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
                PosixSignalRegistration.Create(PosixSignal.SIGHUP, Handle),
            ];
        }

        public bool Requested => _cancel.IsCancellationRequested;

        public void Check() => _cancel.Token.ThrowIfCancellationRequested();

        private void Handle(PosixSignalContext context)
        {
            context.Cancel = true;
            if (Interlocked.Increment(ref _signals) == 1)
            {
                _cancel.Cancel();
                return;
            }
            Console.Error.WriteLine("hostnet: interrupted again: removing the demo lab now");
            try
            {
                DemoLab.RemoveAll();
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine("hostnet: error: " + e.Message);
            }
            Environment.Exit(Interrupted);
        }

        public void Dispose()
        {
            foreach (var r in _registrations) r.Dispose();
            _cancel.Dispose();
        }
    }
}
