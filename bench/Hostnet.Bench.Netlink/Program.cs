using System.Diagnostics;
using System.Globalization;
using Hostnet.Netlink;

// Programs N host-routed adapters' worth of kernel objects into a fresh namespace three ways and
// prints the times side by side: Hostnet's batched netlink client, `ip -batch` running the same
// lines, and one `ip` process per line (on a smaller count, extrapolated). Per adapter: a veth pair
// (peer in the same namespace), link up, 169.255.30.1/32, a /32 route (proto 77, scope link), a
// proxy neighbour on the uplink eth0, a permanent neighbour: 6 operations.
//   netlink.sh [--adapters 1000] [--per-line 1000] [--runs 3]

var adapters = Arg("--adapters", 1000);
var perLine = Arg("--per-line", adapters);
var runs = Arg("--runs", 3);
const byte Proto = 77;

if (Environment.UserName != "root")
{
    Console.Error.WriteLine("netlink bench: needs root (it creates network namespaces)");
    return 2;
}

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {Sh("ip", "-V").Trim()}");
Console.WriteLine($"objects: {adapters} adapters x 6 operations = {adapters * 6} operations per run, {runs} runs");
Console.WriteLine();

var hostnet = new List<double>();
var batch = new List<double>();
var hostnetCpu = new List<double>();
var batchCpu = new List<double>();
for (int r = 0; r < runs; r++)
{
    batch.Add(InFreshNamespace($"ipbatch{r}", ns => RunIpBatch(ns, adapters, batchCpu)));
    hostnet.Add(InFreshNamespace($"hostnet{r}", ns => RunHostnet(ns, adapters, hostnetCpu)));
}
double perLineSeconds = InFreshNamespace("perline", ns => RunPerLine(ns, perLine));
double perLineExtrapolated = perLineSeconds * adapters / perLine;

string F(double s) => s.ToString("0.000", CultureInfo.InvariantCulture) + " s";
Console.WriteLine();
Console.WriteLine($"| variant | {adapters * 6} operations, wall (median) | CPU time user+sys (median) | wall, each run |");
Console.WriteLine("| --- | --- | --- | --- |");
Console.WriteLine($"| Hostnet.Netlink (batched) | {F(Median(hostnet))} | {F(Median(hostnetCpu))} | {string.Join(", ", hostnet.Select(F))} |");
Console.WriteLine($"| ip -batch | {F(Median(batch))} | {F(Median(batchCpu))} | {string.Join(", ", batch.Select(F))} |");
Console.WriteLine(perLine == adapters
    ? $"| one ip per line | {F(perLineSeconds)} ({perLine * 6} processes) | | 1 run |"
    : $"| one ip per line | {F(perLineExtrapolated)} (extrapolated from {perLine} adapters = {perLine * 6} processes: {F(perLineSeconds)}) | | 1 run |");
Console.WriteLine();
Console.WriteLine($"Hostnet / ip -batch: wall {(Median(hostnet) / Median(batch)).ToString("0.00", CultureInfo.InvariantCulture)}, CPU {(Median(hostnetCpu) / Median(batchCpu)).ToString("0.00", CultureInfo.InvariantCulture)}");
return Median(hostnet) <= Median(batch) ? 0 : 1;

static double Median(List<double> xs)
{
    var s = xs.Order().ToList();
    return s[s.Count / 2];
}

int Arg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string Sh(string file, params string[] argv)
{
    var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in argv) psi.ArgumentList.Add(a);
    using var p = Process.Start(psi)!;
    string stdout = p.StandardOutput.ReadToEnd();
    string stderr = p.StandardError.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', argv)}: {stderr}");
    return stdout;
}

static string VmeName(int i) => $"vme{i:x8}.0";
static string PeerName(int i) => $"vmp{i:x8}.0";
static IpAddress VmAddress(int i) => IpAddress.FromBytes([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]);
static MacAddress VmMac(int i) => MacAddress.FromBytes([0x52, 0x54, 0x00, (byte)(i >> 16), (byte)(i >> 8), (byte)i]);
static string Mac(MacAddress m) => m.ToString();

static IEnumerable<string> Lines(int count)
{
    for (int i = 1; i <= count; i++)
    {
        string vme = VmeName(i), ip = VmAddress(i).ToString();
        yield return $"link add {vme} type veth peer name {PeerName(i)}";
        yield return $"link set {vme} up";
        yield return $"addr add 169.255.30.1/32 dev {vme}";
        yield return $"route add {ip}/32 dev {vme} proto {Proto} scope link";
        yield return $"neigh add proxy {ip} dev eth0";
        yield return $"neigh add {ip} lladdr {Mac(VmMac(i))} dev {vme} nud permanent";
    }
}

double InFreshNamespace(string tag, Func<string, double> run)
{
    string name = $"hnbench-{tag}-{Guid.NewGuid().ToString("N")[..6]}";
    Sh("ip", "netns", "add", name);
    try
    {
        // The uplink: a veth named eth0 (this kernel has no dummy driver), up, like the server's LAN port.
        Sh("ip", "-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", "lan0");
        Sh("ip", "-n", name, "link", "set", "eth0", "up");
        double seconds = run(name);
        Verify(name, tag);
        return seconds;
    }
    finally
    {
        // Tear the links down synchronously (untimed) so that the next run does not compete with
        // the kernel's asynchronous cleanup of a namespace full of veths.
        using (var handle = NetNamespace.Open(name))
        using (var rtnl = RtnlSocket.Open(handle))
        {
            var del = rtnl.CreateBatch();
            foreach (var l in rtnl.DumpLinks())
            {
                if (l.Name.StartsWith("vme", StringComparison.Ordinal)) del.Add(new DeleteLink(l.Index, l.Name));
            }
            del.Send(stopOnError: false);
        }
        Sh("ip", "netns", "del", name);
        Thread.Sleep(2000);
    }
}

void Verify(string ns, string tag)
{
    int Count(params string[] a) => Sh("ip", ["-n", ns, .. a]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    int pairs = (Count("-o", "link", "show", "type", "veth") - 2) / 2; // less eth0/lan0
    int routes = Count("-4", "route", "show", "proto", Proto.ToString(CultureInfo.InvariantCulture));
    int proxies = Count("neigh", "show", "proxy");
    int neighbours = Count("-4", "neigh", "show", "nud", "permanent");
    int up = Count("-o", "link", "show", "up", "type", "veth") - 1; // less eth0
    Console.WriteLine($"  {tag,-10} observed by ip: {pairs} veth pairs ({up} vme up), {routes} routes, {proxies} proxy entries, {neighbours} permanent neighbours");
}

double RunIpBatch(string ns, int count, List<double> cpu)
{
    string file = Path.GetTempFileName();
    File.WriteAllLines(file, Lines(count));
    try
    {
        double cpu0 = ChildrenCpuSeconds();
        var sw = Stopwatch.StartNew();
        Sh("ip", "-n", ns, "-batch", file);
        sw.Stop();
        cpu.Add(ChildrenCpuSeconds() - cpu0);
        return Report("ip -batch", sw.Elapsed.TotalSeconds, cpu[^1]);
    }
    finally
    {
        File.Delete(file);
    }
}

double RunPerLine(string ns, int count)
{
    var sw = Stopwatch.StartNew();
    foreach (var line in Lines(count)) Sh("ip", ["-n", ns, .. line.Split(' ')]);
    sw.Stop();
    return Report($"ip x {count * 6}", sw.Elapsed.TotalSeconds);
}

double RunHostnet(string ns, int count, List<double> cpu)
{
    var self = Process.GetCurrentProcess();
    var cpu0 = self.TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    using var handle = NetNamespace.Open(ns);
    using var rtnl = RtnlSocket.Open(handle);
    int eth0 = rtnl.GetLink("eth0")!.Index;

    var create = rtnl.CreateBatch();
    for (int i = 1; i <= count; i++) create.Add(new CreateVeth(VmeName(i), PeerName(i)));
    create.SendOrThrow();
    var created = sw.Elapsed;

    // The links' indexes, for the requests that follow: one dump.
    var index = new Dictionary<string, int>(StringComparer.Ordinal);
    foreach (var l in rtnl.DumpLinks()) index[l.Name] = l.Index;
    var dumped = sw.Elapsed;

    var gateway = IpAddress.Parse("169.255.30.1");
    var rest = rtnl.CreateBatch();
    for (int i = 1; i <= count; i++)
    {
        string vme = VmeName(i);
        int ifx = index[vme];
        var ip = VmAddress(i);
        rest.Add(new SetLink(ifx, vme) { Up = true });
        rest.Add(new AddAddress(ifx, vme, gateway, 32));
        rest.Add(new AddRoute(new RouteSpec(ip, 32, ifx, vme, Protocol: (RouteProtocol)Proto, Scope: RouteScope.Link)));
        rest.Add(new AddProxyNeighbor(eth0, "eth0", ip));
        rest.Add(new AddNeighbor(ifx, vme, ip, VmMac(i)));
    }
    rest.SendOrThrow();
    sw.Stop();
    Console.WriteLine($"  hostnet    phases: {count} veths {created.TotalMilliseconds:0} ms, link dump {(dumped - created).TotalMilliseconds:0} ms, {count * 5} other operations {(sw.Elapsed - dumped).TotalMilliseconds:0} ms");
    self.Refresh();
    cpu.Add((self.TotalProcessorTime - cpu0).TotalSeconds);
    return Report("hostnet", sw.Elapsed.TotalSeconds, cpu[^1]);
}

// getrusage(RUSAGE_CHILDREN): user and system time of the waited-for children (the ip processes).
static double ChildrenCpuSeconds()
{
    var usage = new long[18]; // struct rusage: timeval ru_utime, timeval ru_stime, 14 longs
    if (LibcUsage.GetRUsage(-1, usage) != 0) return double.NaN;
    return usage[0] + usage[1] / 1e6 + usage[2] + usage[3] / 1e6;
}

static double Report(string what, double seconds, double cpu = double.NaN)
{
    // The load average shows whether other work on the machine competed with the run.
    string load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
    string cpuText = double.IsNaN(cpu) ? "" : $", CPU {cpu.ToString("0.000", CultureInfo.InvariantCulture)} s";
    Console.WriteLine($"  {what,-10} {seconds.ToString("0.000", CultureInfo.InvariantCulture)} s{cpuText}   (load average {load})");
    return seconds;
}

internal static partial class LibcUsage
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "getrusage")]
    internal static partial int GetRUsage(int who, [System.Runtime.InteropServices.Out] long[] usage);
}
