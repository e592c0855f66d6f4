using System.Diagnostics;
using System.Globalization;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// One guest floods its vme with DHCP discovers (a raw packet socket in a loop, its own MAC, each one a request
/// hostnetd would answer) while a second guest on another vme runs Debian's dhclient: the second still gets its
/// lease, and the flooder is answered for a few of its discovers only, the rest dropped. The flooder counts what
/// it sent and what came back from port 67; dhclient's own script logs what it was told.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DhcpFloodTests : IDisposable
{
    private const string Vm1Mac = "02:00:00:00:00:01";
    private const string Vm2Ip = "192.168.200.202";

    // README's limit per vme: a burst of 10, then 4 a second.
    private const int Burst = 10;
    private const int PerSecond = 4;

    // Sends a DHCPDISCOVER from the guest's MAC as fast as it can until SIGTERM, reads what comes back between
    // sends (every 64th), says "flooding" once a thousand are out, and at the end "SENT ANSWERED SECONDS" (answers:
    // udp 67 -> 68; seconds: from its first discover to its last read).
    private const string Flooder = """
        import signal, socket, struct, sys, time
        iface, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', ''))
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        s.bind((iface, 0))
        s.setsockopt(263, 23, 1)  # SOL_PACKET, PACKET_IGNORE_OUTGOING: its own discovers are not read back
        s.setblocking(False)
        def checksum(b):
            t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
            t = (t >> 16) + (t & 0xffff)
            t += t >> 16
            return ~t & 0xffff
        bootp = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 1, 6, 0, 0x2a2a2a2a, 0, 0x8000,
                            bytes(4), bytes(4), bytes(4), bytes(4), mac + bytes(10), bytes(64), bytes(128))
        dhcp = bootp + b'\x63\x82\x53\x63' + b'\x35\x01\x01' + b'\xff'
        dhcp += bytes(300 - len(dhcp))
        udp = struct.pack('!HHHH', 68, 67, 8 + len(dhcp), 0) + dhcp
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes(4), b'\xff' * 4)
        ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
        frame = b'\xff' * 6 + mac + b'\x08\x00' + ip + udp
        sent = answered = 0
        began = time.monotonic()
        stop = False
        def on_term(*_):
            global stop
            stop = True
        signal.signal(signal.SIGTERM, on_term)
        while not stop:
            try:
                s.send(frame)
                sent += 1
                if sent == 1000:
                    print('flooding', flush=True)
            except BlockingIOError:
                pass
            if sent % 64:
                continue
            try:
                while True:
                    r = s.recv(2048)
                    if len(r) > 42 and r[12:14] == b'\x08\x00' and r[23] == 17 and r[34:36] == b'\x00\x43' and r[36:38] == b'\x00\x44':
                        answered += 1
            except BlockingIOError:
                pass
        print(sent, answered, time.monotonic() - began, flush=True)
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("hndh-flood-").FullName;

    public void Dispose()
    {
        foreach (var pidFile in Directory.EnumerateFiles(_dir, "*.pid"))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid)) Sh.Run("kill", [pid.ToString(CultureInfo.InvariantCulture)]);
        }
        Directory.Delete(_dir, recursive: true);
    }

    private string Write(string name, string text, bool executable = false)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        if (executable) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [PrivilegedFact]
    public void A_guest_flooding_its_vme_with_discovers_does_not_keep_another_guest_from_its_lease()
    {
        using var lab = Lab.Create(prefix: "hndh");
        var state = $$"""
            {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"}],
             "vms":[{"name":"vm1","uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001","guest":"netns:{{lab.Guest("vm1")}}","running":true,
                     "adapters":[{"network":"Routed","ips":["192.168.200.201"],"mac":"{{Vm1Mac}}"}]},
                    {"name":"vm2","uuid":"4980d06a-0000-4000-8000-000000000002","guest":"netns:{{lab.Guest("vm2")}}","running":true,
                     "adapters":[{"network":"Routed","ips":["{{Vm2Ip}}"],"mac":"02:00:00:00:00:02"}]}]}
            """;
        HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "import", "-"], stdin: state).EnsureSuccess("import");
        using var daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, Path.Combine(_dir, "h.sock"));

        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", lab.Guest("vm1"), "python3", Write("flood.py", Flooder), "eth0", Vm1Mac }) psi.ArgumentList.Add(a);
        using var flooder = Process.Start(psi)!;
        var flooderErr = flooder.StandardError.ReadToEndAsync();
        try
        {
            Assert.True(flooder.StandardOutput.ReadLine() == "flooding", "the flooder did not start: " + (flooder.HasExited ? flooderErr.Result : ""));

            var log = Path.Combine(_dir, "dhclient.log");
            var script = Write("dhclient-script", $$"""
                #!/bin/sh
                echo "$reason ip=$new_ip_address" >>{{log}}
                exit 0
                """, executable: true);
            var guest = lab.Guest("vm2");
            var run = Sh.InNetns(guest, "dhclient", "-4", "-1", "-sf", script, "-lf", Path.Combine(_dir, "dhclient.leases"),
                "-pf", Path.Combine(_dir, "dhclient.pid"), "eth0");
            Assert.True(run.ExitCode == 0, $"dhclient exited {run.ExitCode}: {run.Stderr}\n{(File.Exists(log) ? File.ReadAllText(log) : "")}");
            Assert.Contains($"BOUND ip={Vm2Ip}", File.ReadAllText(log), StringComparison.Ordinal);
        }
        finally
        {
            // `ip netns exec` execs python: the process is the flooder itself.
            if (!flooder.HasExited) Sh.Run("kill", ["-TERM", flooder.Id.ToString(CultureInfo.InvariantCulture)]);
            if (!flooder.WaitForExit(10_000)) flooder.Kill();
        }

        // The flood was answered, but no more than the vme's bucket allows over the time the flooder listened
        // (its burst, then its rate); the rest was dropped.
        var said = flooder.StandardOutput.ReadToEnd().Trim();
        var counts = said.Split(' ');
        Assert.True(counts.Length == 3, "the flooder said: " + said + flooderErr.Result);
        var sent = long.Parse(counts[0], CultureInfo.InvariantCulture);
        var answered = long.Parse(counts[1], CultureInfo.InvariantCulture);
        var seconds = double.Parse(counts[2], CultureInfo.InvariantCulture);
        Assert.True(answered > 0, $"sent {sent}, answered {answered}");
        Assert.True(answered <= Burst + PerSecond * Math.Ceiling(seconds),
            $"sent {sent}, answered {answered} in {seconds} s");
        Assert.True(answered < sent, $"sent {sent}, answered {answered}");
    }
}
