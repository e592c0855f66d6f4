using System.Security.Cryptography;
using Hostnet.Engine.Apply;
using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;
using Hostnet.TestKit;

namespace Hostnet.Engine.Tests.Apply;

/// <summary>
/// An add that meets EEXIST, on a real kernel: done when another writer already made exactly what the plan
/// wanted, still refused when what is there differs. The objects are made beforehand with <c>ip</c>, in a
/// namespace of the test's own, and the plan is given as if it had been made just before they appeared.
/// </summary>
public sealed class ApplierExistingTests : IDisposable
{
    private const string Gateway = "169.255.30.1";
    private const string VmIp = "192.168.200.201";
    private const string VmMac = "02:00:00:00:00:01";
    private const string TapMac = "fe:00:00:00:00:01";
    private readonly string _ns = "hnee-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly string _tap = "vme" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))[1..] + "0.0";
    private static readonly string Alias = HostnetMarks.Alias("vm1", 0);

    public ApplierExistingTests()
    {
        if (Privilege.SkipReason is not null) return;
        NamespaceClaims.Claim(_ns);
        Sh.Ip("netns", "add", _ns);
    }

    public void Dispose()
    {
        if (Privilege.SkipReason is null) NamespaceClaims.Release(_ns);
    }

    private string Ip(params string[] args) => Sh.Ip(["-n", _ns, .. args]);

    /// <summary>Everything a routed adapter's start adds on the server, as the plan says it.</summary>
    private Plan RoutedAdapterAdds() => new(
    [
        Add(new HostLink(_tap, LinkKind.Tap, MacAddress.Parse(TapMac), Alias, null, Up: true)),
        Add(new AddressObject(KernelObject.Server, _tap, new IpPrefix(IpAddress.Parse(Gateway), 32))),
        Add(new RouteObject(KernelObject.Server, new IpPrefix(IpAddress.Parse(VmIp), 32), _tap, null)),
        Add(new NeighborObject(_tap, IpAddress.Parse(VmIp), MacAddress.Parse(VmMac))),
    ]);

    private static PlanStep Add(KernelObject o) => new(Change.Add, o, null);

    private void Apply(Plan plan)
    {
        using var ns = NetNamespace.Open(_ns);
        using var sock = RtnlSocket.Open(ns);
        new Applier(ns, sock, new MemoryLedger(), new FaultInjection(0)).Apply(plan);
    }

    private void MakeTap(string alias)
    {
        Ip("tuntap", "add", "dev", _tap, "mode", "tap", "vnet_hdr");
        // The MAC as the plan sets it: a new MAC would flush the neighbour entries made below.
        Ip("link", "set", _tap, "address", TapMac, "alias", alias, "up");
    }

    [PrivilegedFact]
    public void What_another_writer_made_as_wanted_counts_as_done()
    {
        MakeTap(Alias);
        Ip("addr", "add", Gateway + "/32", "dev", _tap);
        Ip("route", "add", VmIp + "/32", "dev", _tap, "scope", "link", "proto", "77");
        Ip("neigh", "add", VmIp, "lladdr", VmMac, "dev", _tap, "nud", "permanent");

        Apply(RoutedAdapterAdds());

        // Each object is there once, as wanted, and the link got the rest of what the plan says.
        Assert.Contains(",UP", Ip("link", "show", "dev", _tap), StringComparison.Ordinal);
        Assert.Equal($"{Gateway}/32", Ip("-o", "-4", "addr", "show", "dev", _tap).Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
        Assert.StartsWith($"{VmIp} proto 77 scope link", Ip("route", "show", "dev", _tap).Trim(), StringComparison.Ordinal);
        Assert.Single(Ip("route", "show", "dev", _tap).Trim().Split('\n'));
        Assert.Equal($"{VmIp} lladdr {VmMac} PERMANENT", Ip("neigh", "show", "dev", _tap).Trim());
    }

    [PrivilegedTheory]
    [InlineData("tap", "add tap")]
    [InlineData("address", "add address")]
    [InlineData("route", "add route")]
    [InlineData("neighbor-mac", "add neighbor")]
    [InlineData("neighbor-dynamic", "add neighbor")]
    public void What_differs_from_the_plan_is_still_refused(string differs, string operation)
    {
        MakeTap(differs == "tap" ? "someone else's" : Alias);
        Ip(["addr", "add", Gateway + "/32", "dev", _tap, .. differs == "address" ? new[] { "scope", "link" } : []]);
        // Another owner's route (proto boot) to the same destination: the kernel refuses a second one.
        Ip(["route", "add", VmIp + "/32", "dev", _tap, "scope", "link", .. differs == "route" ? new[] { "proto", "boot" } : ["proto", "77"]]);
        Ip(differs switch
        {
            "neighbor-mac" => ["neigh", "add", VmIp, "lladdr", "02:00:00:00:00:99", "dev", _tap, "nud", "permanent"],
            "neighbor-dynamic" => ["neigh", "add", VmIp, "lladdr", VmMac, "dev", _tap, "nud", "stale"],
            _ => ["neigh", "add", VmIp, "lladdr", VmMac, "dev", _tap, "nud", "permanent"],
        });

        // Past the tap row the link is as wanted and left out of the plan: any change to a tap without
        // carrier (no QEMU on it) flushes its dynamic neighbour entries, the one under test included.
        var plan = RoutedAdapterAdds();
        if (differs != "tap") plan = new Plan(plan.Steps.Where(s => s.Object is not HostLink).ToList());
        var e = Assert.Throws<NetlinkException>(() => Apply(plan));
        Assert.Equal("EEXIST", e.ErrnoName);
        Assert.StartsWith(operation, e.Operation, StringComparison.Ordinal);
    }
}
