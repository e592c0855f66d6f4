using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

/// <summary>A server namespace whose eth0 is wired (veth) to a LAN namespace holding 10.9.0.7/24.</summary>
public sealed class ArpIcmpTests : IDisposable
{
    private readonly TestNamespace _server = new("srv");
    private readonly TestNamespace _lan = new("lan");
    private readonly MacAddress _lanMac = MacAddress.Parse("02-00-00-00-07-07");

    public ArpIcmpTests()
    {
        if (Privilege.SkipReason is not null) return;
        using var s = _server.Socket();
        s.Execute(new CreateVeth("eth0", "lan0", _lan.Handle, PeerMac: _lanMac, Up: true));
        s.Execute(new AddAddress(s.GetLink("eth0")!.Index, "eth0", IpAddress.Parse("10.9.0.1"), 24));
        _lan.Ip("addr", "add", "10.9.0.7/24", "dev", "lan0");
        _lan.Ip("link", "set", "lan0", "up");
    }

    public void Dispose()
    {
        _server.Dispose();
        _lan.Dispose();
    }

    [PrivilegedFact]
    public void Probe_reports_the_addresses_that_answered_with_their_mac()
    {
        var answers = Arp.Probe(_server.Handle, "eth0", [IpAddress.Parse("10.9.0.7"), IpAddress.Parse("10.9.0.8")], TimeSpan.FromMilliseconds(300));
        Assert.Equal(_lanMac, Assert.Single(answers, kv => kv.Key.Equals(IpAddress.Parse("10.9.0.7"))).Value);
        Assert.Single(answers);
        Assert.Empty(Arp.Probe(_server.Handle, "eth0", [IpAddress.Parse("10.9.0.9")])); // default 100 ms window
        // An RFC 5227 probe (sender 0.0.0.0) must not teach the LAN a neighbour for the server.
        Assert.DoesNotContain("10.9.0.1", _lan.Ip("neigh", "show", "dev", "lan0"));
    }

    [PrivilegedFact]
    public void Gratuitous_arp_moves_the_lan_cache_to_the_announced_mac()
    {
        // The LAN holds a stale entry for the VM address; an announcement from the server overrides it.
        _lan.Ip("neigh", "add", "10.9.0.50", "lladdr", "02:00:00:00:00:99", "dev", "lan0", "nud", "stale");
        var serverMac = MacAddress.Parse("52-54-00-7B-9A-73");
        Arp.SendGratuitous(_server.Handle, "eth0", [IpAddress.Parse("10.9.0.50")], serverMac);
        var deadline = DateTime.UtcNow.AddSeconds(2);
        string lladdr = "";
        while (DateTime.UtcNow < deadline)
        {
            lladdr = _lan.IpJson("neigh", "show", "10.9.0.50", "dev", "lan0")[0].GetProperty("lladdr").GetString() ?? "";
            if (lladdr == "52:54:00:7b:9a:73") break;
            Thread.Sleep(20);
        }
        Assert.Equal("52:54:00:7b:9a:73", lladdr);

        var ex = Assert.Throws<NetlinkException>(() => Arp.SendGratuitous(_server.Handle, "ghost0", [IpAddress.Parse("10.9.0.50")]));
        Assert.Equal(Errno.ENODEV, ex.Errno);
    }

    [PrivilegedFact]
    public void Ping_returns_a_round_trip_time_or_null_on_timeout_with_raw_and_datagram_sockets()
    {
        // ping_group_range excludes every gid by default ("1 0"): the raw socket serves root.
        Assert.Equal("1\t0", Sysctl.Read(_server.Handle, "net/ipv4/ping_group_range"));
        var rtt = Icmp.Ping(_server.Handle, IpAddress.Parse("10.9.0.7"), TimeSpan.FromSeconds(2));
        Assert.NotNull(rtt);
        Assert.True(rtt < TimeSpan.FromSeconds(1));
        Assert.Null(Icmp.Ping(_server.Handle, IpAddress.Parse("10.9.0.99"), TimeSpan.FromMilliseconds(200)));

        // With the gid admitted (in this test namespace only), the datagram ICMP socket is used.
        Sysctl.Write(_server.Handle, "net/ipv4/ping_group_range", "0 2147483647");
        Assert.NotNull(Icmp.Ping(_server.Handle, IpAddress.Parse("10.9.0.7"), TimeSpan.FromSeconds(2)));

        // The independent observer agrees that the LAN host answers.
        var ping = Sh.InNetns(_server.Name, "ping", "-c", "1", "-W", "5", "10.9.0.7");
        Assert.True(ping.ExitCode == 0, $"ping exited {ping.ExitCode}: {ping.Stdout} {ping.Stderr}");
    }

    [PrivilegedFact]
    public void An_IPv6_ping_returns_a_round_trip_time_or_null_on_timeout_with_raw_and_datagram_sockets()
    {
        _server.Ip("addr", "add", "2001:db8:9::1/64", "dev", "eth0", "nodad");
        _lan.Ip("addr", "add", "2001:db8:9::7/64", "dev", "lan0", "nodad");
        Assert.NotNull(Icmp.Ping(_server.Handle, IpAddress.Parse("2001:db8:9::7"), TimeSpan.FromSeconds(2)));
        Assert.Null(Icmp.Ping(_server.Handle, IpAddress.Parse("2001:db8:9::99"), TimeSpan.FromMilliseconds(300)));

        // With the gid admitted (in this test namespace only), the datagram ICMPv6 socket is used.
        Sysctl.Write(_server.Handle, "net/ipv4/ping_group_range", "0 2147483647");
        Assert.NotNull(Icmp.Ping(_server.Handle, IpAddress.Parse("2001:db8:9::7"), TimeSpan.FromSeconds(2)));

        // The independent observer agrees that the LAN host answers.
        var ping = Sh.InNetns(_server.Name, "ping", "-c", "1", "-W", "5", "2001:db8:9::7");
        Assert.True(ping.ExitCode == 0, $"ping exited {ping.ExitCode}: {ping.Stdout} {ping.Stderr}");
    }
}
