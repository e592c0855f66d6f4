using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

/// <summary>The host-routed adapter's objects, each checked with <c>ip -j</c>.</summary>
public class AddressRouteNeighborTests
{
    private static readonly IpAddress Gateway = IpAddress.Parse("169.255.30.1");
    private static readonly IpAddress Vm = IpAddress.Parse("192.168.200.201");
    private static readonly MacAddress VmMac = MacAddress.Parse("52-54-00-7B-9A-73");

    private sealed class Host : IDisposable
    {
        public Host()
        {
            Ns = new TestNamespace("arn");
            Socket = Ns.Socket();
            Socket.Execute(new CreateVeth("vme7b9a73a1.0", "vmp7b9a73a1.0", Up: true));
            Socket.Execute(new CreateVeth("eth0", "lan0", Up: true));
            Vme = Socket.GetLink("vme7b9a73a1.0")!.Index;
            Eth0 = Socket.GetLink("eth0")!.Index;
        }

        public TestNamespace Ns { get; }
        public RtnlSocket Socket { get; }
        public int Vme { get; }
        public int Eth0 { get; }

        public void Dispose()
        {
            Socket.Dispose();
            Ns.Dispose();
        }
    }

    /// <summary>The same requests with IPv6 addresses: the kernel takes them as <c>ip -6</c> would have made them.</summary>
    [PrivilegedFact]
    public void IPv6_objects_follow_the_address_family()
    {
        using var h = new Host();
        var vm6 = IpAddress.Parse("2001:db8::201");
        var gateway6 = IpAddress.Parse("fe80::ffff:1:1");
        h.Socket.Execute(new AddAddress(h.Vme, "vme7b9a73a1.0", gateway6, 128));
        h.Socket.Execute(new AddRoute(new RouteSpec(vm6, 128, h.Vme, "vme7b9a73a1.0")));
        h.Socket.Execute(new AddNeighbor(h.Vme, "vme7b9a73a1.0", vm6, VmMac));
        h.Socket.Execute(new AddProxyNeighbor(h.Eth0, "eth0", vm6));

        var addr = h.Ns.IpJson("-6", "addr", "show", "dev", "vme7b9a73a1.0")[0].GetProperty("addr_info").EnumerateArray()
            .Select(a => a.GetProperty("local").GetString() + "/" + a.GetProperty("prefixlen").GetInt32()).ToList();
        Assert.Contains("fe80::ffff:1:1/128", addr);
        Assert.Contains("2001:db8::201 dev vme7b9a73a1.0", h.Ns.Ip("-6", "route", "show", "2001:db8::201/128"), StringComparison.Ordinal);
        Assert.Contains("2001:db8::201 lladdr 52:54:00:7b:9a:73 PERMANENT", h.Ns.Ip("-6", "neigh", "show", "dev", "vme7b9a73a1.0"), StringComparison.Ordinal);
        Assert.Contains("2001:db8::201", h.Ns.Ip("-6", "neigh", "show", "proxy", "dev", "eth0"), StringComparison.Ordinal);
        // The dumps are IPv4's: none of these shows up there.
        Assert.DoesNotContain(h.Socket.DumpProxyNeighbors(), p => p.Address == vm6);

        h.Socket.Execute(new DeleteProxyNeighbor(h.Eth0, "eth0", vm6));
        h.Socket.Execute(new DeleteNeighbor(h.Vme, "vme7b9a73a1.0", vm6));
        h.Socket.Execute(new DeleteRoute(new RouteSpec(vm6, 128, h.Vme, "vme7b9a73a1.0")));
        h.Socket.Execute(new DeleteAddress(h.Vme, "vme7b9a73a1.0", gateway6, 128));
        Assert.DoesNotContain("2001:db8::201", h.Ns.Ip("-6", "neigh", "show", "proxy", "dev", "eth0"), StringComparison.Ordinal);
        Assert.DoesNotContain("fe80::ffff:1:1", h.Ns.Ip("-6", "addr", "show", "dev", "vme7b9a73a1.0"), StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public void Address_add_dump_replace_delete()
    {
        using var h = new Host();
        h.Socket.Execute(new AddAddress(h.Vme, "vme7b9a73a1.0", Gateway, 32));
        var j = h.Ns.IpJson("-4", "addr", "show", "dev", "vme7b9a73a1.0")[0].GetProperty("addr_info")[0];
        Assert.Equal("169.255.30.1", j.GetProperty("local").GetString());
        Assert.Equal(32, j.GetProperty("prefixlen").GetInt32());
        Assert.Contains(new AddressEntry(h.Vme, Gateway, 32, 0), h.Socket.DumpAddresses());

        var dup = Assert.Throws<NetlinkException>(() => h.Socket.Execute(new AddAddress(h.Vme, "vme7b9a73a1.0", Gateway, 32)));
        Assert.StartsWith("add address 169.255.30.1/32 dev vme7b9a73a1.0: File exists (EEXIST)", dup.Message);
        if (dup.ExtAck is not null) Assert.EndsWith(" — " + dup.ExtAck, dup.Message);
        h.Socket.Execute(new AddAddress(h.Vme, "vme7b9a73a1.0", Gateway, 32, Replace: true));

        // The same /32 may sit on every vme.
        h.Socket.Execute(new AddAddress(h.Eth0, "eth0", Gateway, 32));
        Assert.Equal(2, h.Socket.DumpAddresses().Count(a => a.Address.Equals(Gateway)));

        h.Socket.Execute(new DeleteAddress(h.Vme, "vme7b9a73a1.0", Gateway, 32));
        Assert.DoesNotContain("169.255.30.1", h.Ns.Ip("-4", "addr", "show", "dev", "vme7b9a73a1.0"));
        var gone = Assert.Throws<NetlinkException>(() => h.Socket.Execute(new DeleteAddress(h.Vme, "vme7b9a73a1.0", Gateway, 32)));
        Assert.Equal(Errno.EADDRNOTAVAIL, gone.Errno);
    }

    [PrivilegedFact]
    public void Host_route_add_replace_dump_delete_with_protocol_scope_and_table()
    {
        using var h = new Host();
        var spec = new RouteSpec(Vm, 32, h.Vme, "vme7b9a73a1.0", Protocol: (RouteProtocol)77, Scope: RouteScope.Link);
        h.Socket.Execute(new AddRoute(spec));
        var j = h.Ns.IpJson("-4", "route", "show", "table", "main", "proto", "77")[0];
        Assert.Equal("192.168.200.201", j.GetProperty("dst").GetString());
        Assert.Equal("vme7b9a73a1.0", j.GetProperty("dev").GetString());
        Assert.Equal("link", j.GetProperty("scope").GetString());
        Assert.Contains(new RouteEntry(Vm, 32, h.Vme, null, RouteTable.Main, (RouteProtocol)77, RouteScope.Link, RouteType.Unicast, null, null, null), h.Socket.DumpRoutes());

        var dup = Assert.Throws<NetlinkException>(() => h.Socket.Execute(new AddRoute(spec)));
        Assert.Equal(Errno.EEXIST, dup.Errno);
        Assert.Equal("add route 192.168.200.201/32 dev vme7b9a73a1.0: File exists (EEXIST)", dup.Message);

        // replace moves it to eth0
        h.Socket.Execute(new AddRoute(spec with { OutIfIndex = h.Eth0, DevName = "eth0" }, Replace: true));
        Assert.Equal("eth0", h.Ns.IpJson("-4", "route", "show", "192.168.200.201/32")[0].GetProperty("dev").GetString());

        // another table, with a gateway and a metric
        h.Socket.Execute(new AddAddress(h.Eth0, "eth0", IpAddress.Parse("10.9.0.1"), 24));
        var other = new RouteSpec(IpAddress.Parse("10.50.0.0"), 16, h.Eth0, "eth0", IpAddress.Parse("10.9.0.254"), Table: 1000, Protocol: (RouteProtocol)77,
            PreferredSource: IpAddress.Parse("10.9.0.1"), Metric: 20);
        h.Socket.Execute(new AddRoute(other));
        var t = h.Ns.IpJson("-4", "route", "show", "table", "1000")[0];
        Assert.Equal("10.50.0.0/16", t.GetProperty("dst").GetString());
        Assert.Equal("10.9.0.254", t.GetProperty("gateway").GetString());
        Assert.Equal(20, t.GetProperty("metric").GetInt32());
        Assert.Equal("10.9.0.1", t.GetProperty("prefsrc").GetString());
        Assert.Equal(new RouteEntry(IpAddress.Parse("10.50.0.0"), 16, h.Eth0, IpAddress.Parse("10.9.0.254"), 1000, (RouteProtocol)77, RouteScope.Universe, RouteType.Unicast, IpAddress.Parse("10.9.0.1"), 20, null),
            Assert.Single(h.Socket.DumpRoutes(1000)));
        Assert.Contains(h.Socket.DumpRoutes(0), r => r.Table == 255); // all tables include local

        h.Socket.Execute(new DeleteRoute(other));
        Assert.Empty(h.Ns.IpJson("-4", "route", "show", "table", "1000").EnumerateArray());
        var moved = spec with { OutIfIndex = h.Eth0, DevName = "eth0" };
        var wrongDev = Assert.Throws<NetlinkException>(() => h.Socket.Execute(new DeleteRoute(spec)));
        Assert.Equal(Errno.ESRCH, wrongDev.Errno);
        h.Socket.Execute(new DeleteRoute(moved));
        Assert.Empty(h.Ns.IpJson("-4", "route", "show", "192.168.200.201/32").EnumerateArray());
        var missing = Assert.Throws<NetlinkException>(() => h.Socket.Execute(new DeleteRoute(moved)));
        Assert.Equal(Errno.ESRCH, missing.Errno);
        Assert.StartsWith("delete route 192.168.200.201/32 dev eth0: No such process (ESRCH)", missing.Message);

        var nodev = Assert.Throws<NetlinkException>(() => h.Socket.Execute(new AddRoute(spec with { OutIfIndex = 99999, DevName = "ghost" })));
        Assert.Equal(Errno.ENODEV, nodev.Errno);
        Assert.StartsWith("add route 192.168.200.201/32 dev ghost: No such device (ENODEV)", nodev.Message);
    }

    [PrivilegedFact]
    public void Route_get_tells_which_interface_a_packet_leaves_by_also_when_forwarded()
    {
        using var h = new Host();
        h.Socket.Execute(new AddRoute(new RouteSpec(Vm, 32, h.Vme, "vme7b9a73a1.0", Scope: RouteScope.Link)));
        h.Socket.Execute(new AddAddress(h.Eth0, "eth0", IpAddress.Parse("10.9.0.1"), 24));
        var r = h.Socket.GetRoute(Vm)!;
        Assert.Equal(h.Vme, r.OutIfIndex);
        Assert.Equal(Vm, r.Destination);
        var observed = h.Ns.IpJson("route", "get", "192.168.200.201")[0];
        Assert.Equal("vme7b9a73a1.0", observed.GetProperty("dev").GetString());

        Assert.Null(h.Socket.GetRoute(IpAddress.Parse("203.0.113.9"))); // no default route: unreachable

        // As if it arrived on eth0 from the LAN: needs forwarding on (inside this namespace only).
        Sysctl.Write(h.Ns.Handle, "net/ipv4/ip_forward", "1");
        var fwd = h.Socket.GetRoute(Vm, h.Eth0, IpAddress.Parse("10.9.0.7"))!;
        Assert.Equal(h.Vme, fwd.OutIfIndex);
        Assert.Equal(h.Eth0, fwd.InputIfIndex);
        var ipFwd = h.Ns.IpJson("route", "get", "192.168.200.201", "from", "10.9.0.7", "iif", "eth0")[0];
        Assert.Equal("vme7b9a73a1.0", ipFwd.GetProperty("dev").GetString());
    }

    [PrivilegedFact]
    public void Permanent_neighbor_add_replace_dump_delete()
    {
        using var h = new Host();
        h.Socket.Execute(new AddNeighbor(h.Vme, "vme7b9a73a1.0", Vm, VmMac));
        var j = h.Ns.IpJson("-4", "neigh", "show", "dev", "vme7b9a73a1.0")[0];
        Assert.Equal("192.168.200.201", j.GetProperty("dst").GetString());
        Assert.Equal("52:54:00:7b:9a:73", j.GetProperty("lladdr").GetString());
        Assert.Equal("PERMANENT", j.GetProperty("state")[0].GetString());
        Assert.Contains(new NeighborEntry(h.Vme, Vm, VmMac, NeighborState.Permanent, NeighborFlags.None), h.Socket.DumpNeighbors());

        var dup = Assert.Throws<NetlinkException>(() => h.Socket.Execute(new AddNeighbor(h.Vme, "vme7b9a73a1.0", Vm, VmMac)));
        Assert.Equal("add neighbor 192.168.200.201 lladdr 52:54:00:7b:9a:73 dev vme7b9a73a1.0: File exists (EEXIST)", dup.Message);
        var other = MacAddress.Parse("52-54-00-00-00-99");
        h.Socket.Execute(new AddNeighbor(h.Vme, "vme7b9a73a1.0", Vm, other, Replace: true));
        Assert.Equal("52:54:00:00:00:99", h.Ns.IpJson("-4", "neigh", "show", "dev", "vme7b9a73a1.0")[0].GetProperty("lladdr").GetString());

        h.Socket.Execute(new DeleteNeighbor(h.Vme, "vme7b9a73a1.0", Vm));
        Assert.Empty(h.Ns.IpJson("-4", "neigh", "show", "dev", "vme7b9a73a1.0").EnumerateArray());
        var missing = Assert.Throws<NetlinkException>(() => h.Socket.Execute(new DeleteNeighbor(h.Vme, "vme7b9a73a1.0", Vm)));
        Assert.Equal(Errno.ENOENT, missing.Errno);
        Assert.StartsWith("delete neighbor 192.168.200.201 dev vme7b9a73a1.0: No such file or directory (ENOENT)", missing.Message);
    }

    [PrivilegedFact]
    public void Proxy_neighbor_add_dump_delete()
    {
        using var h = new Host();
        h.Socket.Execute(new AddProxyNeighbor(h.Eth0, "eth0", Vm));
        var j = h.Ns.IpJson("neigh", "show", "proxy")[0];
        Assert.Equal("192.168.200.201", j.GetProperty("dst").GetString());
        Assert.Equal("eth0", j.GetProperty("dev").GetString());
        Assert.Equal([new ProxyNeighborEntry(h.Eth0, Vm)], h.Socket.DumpProxyNeighbors());
        Assert.DoesNotContain(h.Socket.DumpNeighbors(), n => n.Address.Equals(Vm));

        // The kernel ignores NLM_F_EXCL for proxy entries (pneigh_lookup creates or finds): adding
        // one twice succeeds and leaves one entry, exactly as `ip neigh add proxy` twice does.
        h.Socket.Execute(new AddProxyNeighbor(h.Eth0, "eth0", Vm));
        Assert.Equal(1, h.Ns.IpJson("neigh", "show", "proxy").GetArrayLength());
        var nodev = Assert.Throws<NetlinkException>(() => h.Socket.Execute(new AddProxyNeighbor(99999, "ghost", Vm)));
        Assert.Equal(Errno.ENODEV, nodev.Errno);
        Assert.StartsWith("add proxy neighbor 192.168.200.201 dev ghost: No such device (ENODEV)", nodev.Message);

        h.Socket.Execute(new DeleteProxyNeighbor(h.Eth0, "eth0", Vm));
        Assert.Empty(h.Ns.IpJson("neigh", "show", "proxy").EnumerateArray());
        Assert.Empty(h.Socket.DumpProxyNeighbors());
        var missing = Assert.Throws<NetlinkException>(() => h.Socket.Execute(new DeleteProxyNeighbor(h.Eth0, "eth0", Vm)));
        Assert.Equal(Errno.ENOENT, missing.Errno);
    }

    [PrivilegedFact]
    public void Bridge_fdb_dump_shows_port_macs_with_their_master()
    {
        using var t = new TestNamespace("fdb");
        using var s = t.Socket();
        var portMac = MacAddress.Parse("02-00-00-00-00-21");
        s.Execute(new CreateBridge("br1", Up: true));
        s.Execute(new CreateVeth("bp1", "bp2", Mac: portMac, Up: true));
        int br = s.GetLink("br1")!.Index, bp1 = s.GetLink("bp1")!.Index;
        s.Execute(new SetLink(bp1, "bp1") { MasterIndex = br });

        var fdb = s.DumpFdb();
        var own = Assert.Single(fdb, e => e.IfIndex == bp1 && e.Mac.Equals(portMac) && e.MasterIndex == br);
        Assert.Equal(NeighborState.Permanent, own.State);
        var observed = Sh.Run("bridge", ["-n", t.Name, "-j", "fdb", "show", "dev", "bp1"]).EnsureSuccess("bridge fdb").Stdout;
        Assert.Contains("02:00:00:00:00:21", observed);
    }

    [PrivilegedFact]
    public void A_batch_applies_in_order_reports_each_result_and_stops_after_a_failing_send()
    {
        using var h = new Host();
        var ok = h.Socket.CreateBatch()
            .Add(new AddAddress(h.Vme, "vme7b9a73a1.0", Gateway, 32))
            .Add(new AddRoute(new RouteSpec(Vm, 32, h.Vme, "vme7b9a73a1.0", Scope: RouteScope.Link)))
            .Add(new AddProxyNeighbor(h.Eth0, "eth0", Vm))
            .Add(new AddNeighbor(h.Vme, "vme7b9a73a1.0", Vm, VmMac));
        Assert.Equal(4, ok.Count);
        Assert.All(ok.Send(), r => Assert.True(r.Ok));

        var results = h.Socket.CreateBatch()
            .Add(new AddProxyNeighbor(h.Eth0, "eth0", IpAddress.Parse("192.168.200.202")))
            .Add(new AddNeighbor(h.Vme, "vme7b9a73a1.0", Vm, VmMac)) // exists
            .Add(new AddProxyNeighbor(h.Eth0, "eth0", IpAddress.Parse("192.168.200.203")))
            .Send(stopOnError: false);
        Assert.Equal([true, false, true], results.Select(r => r.Ok));
        Assert.Equal(Errno.EEXIST, results[1].Error!.Errno);
        Assert.Equal(3, h.Ns.IpJson("neigh", "show", "proxy").GetArrayLength());

        var first = Assert.Throws<NetlinkException>(() => h.Socket.CreateBatch()
            .Add(new AddRoute(new RouteSpec(Vm, 32, h.Vme, "vme7b9a73a1.0", Scope: RouteScope.Link)))
            .SendOrThrow());
        Assert.Equal("add route 192.168.200.201/32 dev vme7b9a73a1.0: File exists (EEXIST)", first.Message);
    }

    [PrivilegedFact]
    public void A_batch_of_thousands_is_matched_by_sequence_number()
    {
        using var h = new Host();
        var batch = h.Socket.CreateBatch();
        for (int i = 0; i < 3000; i++)
            batch.Add(new AddProxyNeighbor(h.Eth0, "eth0", IpAddress.FromBytes([10, 77, (byte)(i >> 8), (byte)i])));
        batch.Add(new AddProxyNeighbor(99999, "ghost", IpAddress.Parse("10.77.0.5")));
        var results = batch.Send(stopOnError: false);
        Assert.Equal(3001, results.Count);
        Assert.Equal(3000, results.Count(r => r.Ok));
        Assert.StartsWith("add proxy neighbor 10.77.0.5 dev ghost: No such device (ENODEV)", results[3000].Error!.Message);
        Assert.Equal(3000, h.Socket.DumpProxyNeighbors().Count);
        Assert.Equal(3000, h.Ns.IpJson("neigh", "show", "proxy").GetArrayLength());
    }

    [PrivilegedFact]
    public void Stop_on_error_sends_nothing_after_the_send_that_failed()
    {
        using var h = new Host();
        var batch = h.Socket.CreateBatch();
        for (int i = 0; i < 3000; i++)
        {
            batch.Add(i == 10
                ? new AddProxyNeighbor(99999, "ghost", IpAddress.Parse("10.78.0.10"))
                : new AddProxyNeighbor(h.Eth0, "eth0", IpAddress.FromBytes([10, 78, (byte)(i >> 8), (byte)i])));
        }
        var results = batch.Send(stopOnError: true);
        // The first send (many requests) ran whole, the failure included; nothing after it was sent.
        Assert.InRange(results.Count, 11, 2999);
        Assert.False(results[10].Ok);
        Assert.Equal(results.Count - 1, results.Count(r => r.Ok));
        Assert.Equal(results.Count - 1, h.Ns.IpJson("neigh", "show", "proxy").GetArrayLength());
    }
}
