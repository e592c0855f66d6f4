using System.Diagnostics;
using System.Globalization;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// Stock DHCP clients configure routed guests from hostnetd's answers: Debian's ISC dhclient and busybox udhcpc,
/// each in a guest namespace whose address and routes were taken away first. What the client was told is read
/// from the client's own record (its lease file, its script's log); whether it works, from computer X's ping.
/// A second guest that claims the first one's MAC gets no answer (tcpdump in its namespace), and a lease is
/// renewed by a daemon started again. Clients keep every file in a temporary directory: nothing under /etc or /var.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DhcpTests : IDisposable
{
    private const string Vm1Ip = "192.168.200.201";
    private const string Vm2Ip = "192.168.200.202";
    private const string Vm1Mac = "02:00:00:00:00:01";
    private const string Vm2Mac = "02:00:00:00:00:02";
    private const string Dns = "192.0.2.53";

    private readonly string _dir = Directory.CreateTempSubdirectory("hndh-dhcp-").FullName;
    private readonly List<Process> _clients = [];

    private string SocketPath => Path.Combine(_dir, "h.sock");

    public void Dispose()
    {
        foreach (var p in _clients)
        {
            if (!p.HasExited) p.Kill();
            p.WaitForExit();
            p.Dispose();
        }
        // dhclient goes to the background once bound: its pid file names it.
        foreach (var pidFile in Directory.EnumerateFiles(_dir, "*.pid"))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid)) Sh.Run("kill", [pid.ToString(CultureInfo.InvariantCulture)]);
        }
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A routed network handing out <see cref="Dns"/>; vm1 and vm2 running as netns guests with fixed MACs.</summary>
    private static void Import(Lab lab, bool vm2Running = true)
    {
        var state = $$"""
            {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1","dns":["{{Dns}}"]}],
             "vms":[{"name":"vm1","uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001","guest":"netns:{{lab.Guest("vm1")}}","running":true,
                     "adapters":[{"network":"Routed","ips":["{{Vm1Ip}}"],"mac":"{{Vm1Mac}}"}]},
                    {"name":"vm2","uuid":"4980d06a-0000-4000-8000-000000000002","guest":"netns:{{lab.Guest("vm2")}}","running":{{(vm2Running ? "true" : "false")}},
                     "adapters":[{"network":"Routed","ips":["{{Vm2Ip}}"],"mac":"{{Vm2Mac}}"}]}]}
            """;
        HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "import", "-"], stdin: state).EnsureSuccess("import");
    }

    /// <summary>
    /// Takes the guest's address and routes away, as a stock guest starts. (The daemon's own apply puts them back at
    /// its next cycle: what the client was told is therefore read from the client's own record, not from the guest.)
    /// </summary>
    private static void Unconfigure(string guestNs)
    {
        Sh.Ip("-n", guestNs, "route", "flush", "dev", "eth0");
        Sh.Ip("-n", guestNs, "addr", "flush", "dev", "eth0");
    }

    private string Write(string name, string text, bool executable = false)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        if (executable) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition()) return true;
            Thread.Sleep(100);
        }
        return condition();
    }

    /// <summary>tcpdump in <paramref name="ns"/> for the first packet that matches <paramref name="filter"/>, once it listens.</summary>
    private (Process Process, Task<string> Output) Observe(string ns, string filter)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", ns, "tcpdump", "-i", "eth0", "-n", "-v", "-l", "-c", "1", filter }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _clients.Add(p);
        var output = p.StandardOutput.ReadToEndAsync();
        var listening = new TaskCompletionSource();
        p.ErrorDataReceived += (_, e) => { if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true) listening.TrySetResult(); };
        p.BeginErrorReadLine();
        Assert.True(listening.Task.Wait(TimeSpan.FromSeconds(20)), "tcpdump did not start listening");
        return (p, output);
    }

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    [PrivilegedFact]
    public void Dhclient_configures_a_routed_guest_that_computer_X_then_reaches()
    {
        using var lab = Lab.Create(prefix: "hndh");
        Import(lab);
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);
        var guest = lab.Guest("vm1");
        Unconfigure(guest);

        var log = Path.Combine(_dir, "dhclient.log");
        // Debian's dhclient.conf asks for option 121 the same way.
        var conf = Write("dhclient.conf", """
            option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
            request subnet-mask, routers, domain-name-servers, dhcp-lease-time, rfc3442-classless-static-routes;
            """);
        // What dhclient-script does for these options, without its writes to /etc.
        var script = Write("dhclient-script", $$"""
            #!/bin/sh
            echo "$reason ip=$new_ip_address mask=$new_subnet_mask routers=$new_routers dns=$new_domain_name_servers rfc3442=$new_rfc3442_classless_static_routes" >>{{log}}
            case "$reason" in
              BOUND|RENEW|REBIND|REBOOT)
                [ "$new_subnet_mask" = 255.255.255.255 ] || exit 1
                ip addr replace "$new_ip_address/32" dev "$interface"
                set -- $new_rfc3442_classless_static_routes
                while [ $# -gt 0 ]; do
                  len=$1; shift
                  dst=0.0.0.0
                  case $len in
                    0) ;;
                    32) dst="$1.$2.$3.$4"; shift 4 ;;
                    *) exit 1 ;;
                  esac
                  gw="$1.$2.$3.$4"; shift 4
                  if [ "$gw" = 0.0.0.0 ]; then ip route replace "$dst/$len" dev "$interface" scope link
                  else ip route replace "$dst/$len" via "$gw" dev "$interface"; fi
                done
                ;;
            esac
            exit 0
            """, executable: true);
        var lease = Path.Combine(_dir, "dhclient.leases");
        var run = Sh.InNetns(guest, "dhclient", "-4", "-1", "-cf", conf, "-sf", script, "-lf", lease, "-pf", Path.Combine(_dir, "dhclient.pid"), "eth0");
        Assert.True(run.ExitCode == 0, $"dhclient exited {run.ExitCode}: {run.Stderr}\n{ReadOrEmpty(log)}");

        Assert.Contains($"BOUND ip={Vm1Ip} mask=255.255.255.255 routers=169.255.30.1 dns={Dns} rfc3442=32 169 255 30 1 0 0 0 0 0 169 255 30 1",
            File.ReadAllText(log), StringComparison.Ordinal);
        var leases = File.ReadAllText(lease);
        Assert.Contains($"fixed-address {Vm1Ip};", leases, StringComparison.Ordinal);
        Assert.Contains("option dhcp-server-identifier 169.255.30.1;", leases, StringComparison.Ordinal);
        Assert.Contains("option dhcp-lease-time 86400;", leases, StringComparison.Ordinal);
        Assert.Contains("default via 169.255.30.1 dev eth0", Sh.Ip("-n", guest, "route"), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip));
    }

    [PrivilegedFact]
    public void Udhcpc_on_a_vm_started_later_gets_its_own_lease_only_and_renews_it_from_a_daemon_started_again()
    {
        using var lab = Lab.Create(prefix: "hndh");
        Import(lab, vm2Running: false);
        var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);
        try
        {
            // vm2 starts while the daemon runs: its vme is answered from then on.
            using (var started = daemon.Http.PostAsync(new Uri("/v1/vms/vm2/start", UriKind.Relative), null).Result)
                Assert.True(started.IsSuccessStatusCode, started.Content.ReadAsStringAsync().Result);
            var guest = lab.Guest("vm2");
            Unconfigure(guest);
            var log = Path.Combine(_dir, "udhcpc.log");
            // As Debian's busybox default.script does it, with option 121 (udhcpc's "staticroutes").
            var script = Write("udhcpc.script", $$"""
                #!/bin/sh
                case "$1" in
                  bound|renew)
                    echo "$1 ip=$ip mask=$mask router=$router dns=$dns staticroutes=$staticroutes" >>{{log}}
                    ip addr replace "$ip/$mask" dev "$interface"
                    set -- $staticroutes
                    while [ $# -ge 2 ]; do
                      if [ "$2" = 0.0.0.0 ]; then ip route replace "$1" dev "$interface" scope link
                      else ip route replace "$1" via "$2" dev "$interface"; fi
                      shift 2
                    done
                    ;;
                  *) echo "$1" >>{{log}} ;;
                esac
                exit 0
                """, executable: true);

            // vm2's guest claims vm1's MAC: its vme answers vm2's MAC only, so nothing comes back.
            Sh.Ip("-n", guest, "link", "set", "eth0", "address", Vm1Mac);
            var observer = Task.Run(() => Sh.InNetns(guest, "timeout", "8", "tcpdump", "-i", "eth0", "-n", "-l", "udp src port 67"));
            Thread.Sleep(1000);
            var spoofed = Sh.InNetns(guest, "busybox", "udhcpc", "-f", "-n", "-q", "-i", "eth0", "-s", script, "-t", "3", "-T", "1", "-A", "1");
            Assert.NotEqual(0, spoofed.ExitCode);
            var seen = observer.Result;
            Assert.DoesNotContain("BOOTP", seen.Stdout, StringComparison.Ordinal);
            Assert.Contains("0 packets captured", seen.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("bound", ReadOrEmpty(log), StringComparison.Ordinal);

            // Its own MAC: its own lease, kept by a client that stays.
            Sh.Ip("-n", guest, "link", "set", "eth0", "address", Vm2Mac);
            var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "netns", "exec", guest, "busybox", "udhcpc", "-f", "-i", "eth0", "-s", script, "-O", "staticroutes", "-t", "10", "-T", "1" })
                psi.ArgumentList.Add(a);
            var client = Process.Start(psi)!;
            _clients.Add(client);
            _ = client.StandardOutput.ReadToEndAsync();
            _ = client.StandardError.ReadToEndAsync();
            var bound = $"bound ip={Vm2Ip} mask=32 router=169.255.30.1 dns={Dns} staticroutes=169.255.30.1/32 0.0.0.0 0.0.0.0/0 169.255.30.1";
            Assert.True(WaitFor(() => ReadOrEmpty(log).Contains(bound, StringComparison.Ordinal), TimeSpan.FromSeconds(30)), ReadOrEmpty(log));
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip));

            // The daemon stops and starts again: the renewal (unicast to 169.255.30.1, SIGUSR1) is acked for the same address.
            daemon.Dispose();
            daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);
            // `ip netns exec` execs the client: its process is udhcpc itself.
            Sh.Run("kill", ["-USR1", client.Id.ToString(CultureInfo.InvariantCulture)]).EnsureSuccess("kill -USR1 udhcpc");
            var renewed = $"renew ip={Vm2Ip} mask=32 router=169.255.30.1";
            Assert.True(WaitFor(() => ReadOrEmpty(log).Contains(renewed, StringComparison.Ordinal), TimeSpan.FromSeconds(30)), ReadOrEmpty(log));
            Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip));
        }
        finally
        {
            daemon.Dispose();
        }
    }

    [PrivilegedFact]
    public void Dhclient_6_takes_the_adapters_address_and_the_guest_its_default_router_from_the_advertisement()
    {
        const string Prefix6 = "2001:db8:200::";
        const string Vm1Ip6 = Prefix6 + "201";
        using var lab = Lab.Create(prefix: "hndh");
        Sh.Ip("-n", lab.ComputerXNs, "addr", "add", Prefix6 + "10/64", "dev", "eth0", "nodad");
        Sh.Ip("-n", lab.ServerNs, "addr", "add", Prefix6 + "1/64", "dev", "eth0", "nodad");
        var state = $$"""
            {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1","dns":["{{Dns}}","2001:db8::53"]}],
             "vms":[{"name":"vm1","uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001","guest":"netns:{{lab.Guest("vm1")}}","running":true,
                     "adapters":[{"network":"Routed","ips":["{{Vm1Ip}}","{{Vm1Ip6}}"],"mac":"{{Vm1Mac}}"}]}]}
            """;
        HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "import", "-"], stdin: state).EnsureSuccess("import");
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, SocketPath);
        var guest = lab.Guest("vm1");

        // The guest loses its IPv6 address and default routes, then solicits a router as a kernel does at link up
        // (ICMPv6 133 to ff02::2, hop limit 255; the kernel fills in the checksum of a raw ICMPv6 socket). tcpdump in
        // the guest sees the advertisement that answers it.
        Sh.Ip("-n", guest, "-6", "addr", "flush", "dev", "eth0", "scope", "global");
        Sh.InNetns(guest, "sh", "-c", "while ip -6 route del default 2>/dev/null; do :; done").EnsureSuccess("ip -6 route del default");
        // A stock guest has a link-local address to ask from (the veth end made in its namespace may have none yet).
        Sh.Ip("-n", guest, "-6", "addr", "replace", "fe80::201/64", "dev", "eth0", "nodad");
        var (observer, seen) = Observe(guest, "icmp6 and ip6[40] == 134");
        Sh.InNetns(guest, "python3", "-c", """
            import socket
            s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
            s.sendto(bytes([133, 0, 0, 0, 0, 0, 0, 0]), ("ff02::2", 0, 0, socket.if_nametoindex("eth0")))
            """).EnsureSuccess("router solicitation");
        Assert.True(observer.WaitForExit(TimeSpan.FromSeconds(15)), "no router advertisement seen");
        var advert = string.Join(' ', seen.Result.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("fe80::ffff:1:1 > ff02::1: [icmp6 sum ok] ICMP6, router advertisement", advert, StringComparison.Ordinal);
        Assert.Contains("Flags [managed, other stateful]", advert, StringComparison.Ordinal);
        Assert.Contains("router lifetime 1800s", advert, StringComparison.Ordinal);
        Assert.True(WaitFor(() => Sh.Ip("-n", guest, "-6", "route", "show", "default").Contains("via fe80::ffff:1:1 dev eth0", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10)), Sh.Ip("-n", guest, "-6", "route"));

        var log = Path.Combine(_dir, "dhclient6.log");
        var conf = Write("dhclient6.conf", "request dhcp6.name-servers;\n");
        var script = Write("dhclient6-script", $$"""
            #!/bin/sh
            echo "$reason ip6=$new_ip6_address prefixlen=$new_ip6_prefixlen dns=$new_dhcp6_name_servers" >>{{log}}
            case "$reason" in
              BOUND6|RENEW6|REBIND6|REBOOT6) ip -6 addr replace "$new_ip6_address/128" dev "$interface" nodad ;;
            esac
            exit 0
            """, executable: true);
        var run = Sh.InNetns(guest, "dhclient", "-6", "-1", "-cf", conf, "-sf", script, "-lf", Path.Combine(_dir, "dhclient6.leases"),
            "-pf", Path.Combine(_dir, "dhclient6.pid"), "eth0");
        Assert.True(run.ExitCode == 0, $"dhclient -6 exited {run.ExitCode}: {run.Stderr}\n{ReadOrEmpty(log)}");
        Assert.Contains($"BOUND6 ip6={Vm1Ip6} prefixlen=128 dns=2001:db8::53", File.ReadAllText(log), StringComparison.Ordinal);
        Assert.Contains($"inet6 {Vm1Ip6}/128", Sh.Ip("-n", guest, "-6", "addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm1Ip6));
    }
}
