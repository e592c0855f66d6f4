using System.Collections.Concurrent;
using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

public class RtnlMonitorTests
{
    [PrivilegedFact]
    public void Changes_made_by_ip_arrive_as_typed_events()
    {
        using var t = new TestNamespace("mon");
        using var monitor = RtnlMonitor.Open(t.Handle, MonitorGroups.All);
        var events = new BlockingCollection<RtnlEvent>();
        using var cts = new CancellationTokenSource();
        var reader = new Thread(() =>
        {
            foreach (var e in monitor.Read(cts.Token)) events.Add(e);
        }) { IsBackground = true };
        reader.Start();

        t.Ip("link", "add", "vme7b9a73a1.0", "type", "veth", "peer", "name", "p0");
        t.Ip("link", "set", "vme7b9a73a1.0", "up");
        t.Ip("addr", "add", "169.255.30.1/32", "dev", "vme7b9a73a1.0");
        t.Ip("route", "add", "192.168.200.201/32", "dev", "vme7b9a73a1.0", "proto", "77");
        t.Ip("neigh", "add", "192.168.200.201", "lladdr", "52:54:00:7b:9a:73", "dev", "vme7b9a73a1.0", "nud", "permanent");
        t.Ip("neigh", "add", "proxy", "192.168.200.201", "dev", "vme7b9a73a1.0");
        t.Ip("link", "del", "vme7b9a73a1.0");

        var seen = new List<RtnlEvent>();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && !seen.Any(e => e is LinkRemoved { Link.Name: "vme7b9a73a1.0" }))
        {
            if (events.TryTake(out var e, 100)) seen.Add(e);
        }
        cts.Cancel();
        Assert.True(reader.Join(TimeSpan.FromSeconds(2)), "the monitor did not stop on cancellation");

        Assert.Contains(seen, e => e is LinkChanged { Link.Name: "vme7b9a73a1.0", Link.Kind: "veth" });
        Assert.Contains(seen, e => e is AddressChanged a && a.Address.Address.Equals(IpAddress.Parse("169.255.30.1")));
        Assert.Contains(seen, e => e is RouteChanged r && r.Route.Destination.Equals(IpAddress.Parse("192.168.200.201")) && r.Route.Protocol == (RouteProtocol)77);
        Assert.Contains(seen, e => e is NeighborChanged n && n.Neighbor.State == NeighborState.Permanent);
        Assert.Contains(seen, e => e is LinkRemoved { Link.Name: "vme7b9a73a1.0" });
    }

    [PrivilegedFact]
    public void An_overrun_queue_yields_ResyncNeeded_and_the_monitor_carries_on()
    {
        using var t = new TestNamespace("ovr");
        using var monitor = RtnlMonitor.Open(t.Handle, MonitorGroups.All, receiveBufferBytes: 16 * 1024);
        using (var s = t.Socket())
        {
            s.Execute(new CreateVeth("o0", "o1", Up: true));
            int o0 = s.GetLink("o0")!.Index;
            var batch = s.CreateBatch();
            for (int i = 0; i < 1000; i++)
                batch.Add(new AddRoute(new RouteSpec(IpAddress.FromBytes([10, 1, (byte)(i >> 8), (byte)i]), 32, o0, "o0", Scope: RouteScope.Link)));
            batch.SendOrThrow();
        }
        var events = new BlockingCollection<RtnlEvent>();
        using var cts = new CancellationTokenSource();
        var reader = new Thread(() =>
        {
            foreach (var e in monitor.Read(cts.Token)) events.Add(e);
        }) { IsBackground = true };
        reader.Start();
        try
        {
            Assert.True(events.TryTake(out var first, 5000));
            Assert.IsType<ResyncNeeded>(first);
            // What was queued before the overrun still arrives; wait for quiet, then a new change must come through.
            while (events.TryTake(out _, 300)) { }
            t.Ip("link", "add", "late0", "type", "veth", "peer", "name", "late1");
            var deadline = DateTime.UtcNow.AddSeconds(5);
            bool seen = false;
            while (!seen && DateTime.UtcNow < deadline)
            {
                if (events.TryTake(out var e, 100)) seen = e is LinkChanged { Link.Name: "late0" };
            }
            Assert.True(seen, "no event for late0 after the resync");
        }
        finally
        {
            cts.Cancel();
            reader.Join(TimeSpan.FromSeconds(2));
        }
    }

    [PrivilegedFact]
    public void A_bridge_and_its_port_arrive_as_link_and_bridge_port_events()
    {
        using var t = new TestNamespace("brp");
        using var monitor = RtnlMonitor.Open(t.Handle, MonitorGroups.All);
        var events = new BlockingCollection<RtnlEvent>();
        using var cts = new CancellationTokenSource();
        var reader = new Thread(() =>
        {
            foreach (var e in monitor.Read(cts.Token)) events.Add(e);
        }) { IsBackground = true };
        reader.Start();

        t.Ip("link", "add", "br0", "type", "bridge");
        t.Ip("link", "add", "p0", "type", "veth", "peer", "name", "p1");
        t.Ip("link", "set", "p0", "master", "br0");
        t.Ip("link", "set", "br0", "up");
        t.Ip("link", "set", "p0", "up");
        t.Ip("link", "set", "p0", "nomaster");

        var seen = new List<RtnlEvent>();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && !seen.Any(e => e is BridgePortLeft))
        {
            if (events.TryTake(out var e, 100)) seen.Add(e);
        }
        cts.Cancel();
        Assert.True(reader.Join(TimeSpan.FromSeconds(2)), "the monitor did not stop on cancellation");

        int bridge = Assert.Single(seen.OfType<LinkChanged>().Where(e => e.Link.Name == "br0").Select(e => e.Link.Index).Distinct());
        Assert.Contains(seen, e => e is LinkChanged { Link.Name: "p0", Link.Kind: "veth" } l && l.Link.MasterIndex == bridge);
        Assert.Contains(seen, e => e is BridgePortChanged { Port.Name: "p0" } p && p.Port.MasterIndex == bridge);
        Assert.Contains(seen, e => e is BridgePortLeft { Port.Name: "p0" });
        // p0 left its bridge; the link was never removed, and nothing was unreadable.
        Assert.DoesNotContain(seen, e => e is LinkRemoved or ResyncNeeded);
    }
}
