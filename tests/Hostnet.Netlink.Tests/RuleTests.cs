using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

/// <summary>Policy-routing rules, checked with <c>ip -j rule</c>.</summary>
public class RuleTests
{
    [PrivilegedFact]
    public void Rule_add_dump_delete()
    {
        using var ns = new TestNamespace("rule");
        using var sock = ns.Socket();
        var rule = new RuleSpec(IpAddress.Parse("192.168.200.204"), 32, Table: 1001, Priority: 1001, Protocol: (RouteProtocol)77);

        sock.Execute(new AddRule(rule));

        var seen = ns.IpJson("-4", "rule", "show").EnumerateArray()
            .Single(r => r.TryGetProperty("src", out var src) && src.GetString() == "192.168.200.204");
        Assert.Equal("1001", seen.GetProperty("table").GetString());
        Assert.Equal(1001, seen.GetProperty("priority").GetInt32());
        Assert.Contains(new RuleEntry(IpAddress.Parse("192.168.200.204"), 32, 1001, 1001, (RouteProtocol)77, 1), sock.DumpRules());

        var dup = Assert.Throws<NetlinkException>(() => sock.Execute(new AddRule(rule)));
        Assert.StartsWith("add rule from 192.168.200.204/32 lookup 1001 priority 1001 proto 77: File exists (EEXIST)", dup.Message, StringComparison.Ordinal);

        sock.Execute(new DeleteRule(rule));
        Assert.DoesNotContain("192.168.200.204", ns.Ip("-4", "rule", "show"), StringComparison.Ordinal);
        Assert.DoesNotContain(sock.DumpRules(), r => r.Table == 1001);
        var gone = Assert.Throws<NetlinkException>(() => sock.Execute(new DeleteRule(rule)));
        Assert.Equal(Errno.ENOENT, gone.Errno);
    }

    /// <summary>
    /// The rules that name an interface, both families, kept whole: made anew naming another interface with every
    /// other attribute as it was (a second time refused, EEXIST), taken off by the name they had (a second time ENOENT).
    /// </summary>
    [PrivilegedFact]
    public void A_recorded_rule_is_made_anew_naming_another_interface_and_taken_off_by_name()
    {
        using var ns = new TestNamespace("rulerec");
        using var sock = ns.Socket();
        ns.Ip("-4", "rule", "add", "iif", "eth0", "to", "192.0.2.0/24", "fwmark", "0x10/0xff", "lookup", "100", "pref", "1000");
        ns.Ip("-6", "rule", "add", "oif", "eth0", "from", "2001:db8::/64", "lookup", "200", "pref", "1001", "proto", "static");
        ns.Ip("-4", "rule", "add", "iif", "eth1", "lookup", "300", "pref", "1002");
        string Shown() => ns.Ip("-4", "rule", "show") + ns.Ip("-6", "rule", "show");
        var before = Shown();

        var records = sock.DumpRuleRecords().Where(r => r.Names("eth0")).ToList();
        Assert.Equal(
            ["-6 from 2001:db8::/64 oif eth0 lookup 200 priority 1001", "to 192.0.2.0/24 iif eth0 lookup 100 priority 1000"],
            records.Select(r => r.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(records, records.Select(r => RuleRecord.FromHex(r.ToHex())));

        foreach (var r in records) sock.Execute(new PutRule(r, "eth0", "br1"));
        foreach (var r in records) Assert.True(Assert.Throws<NetlinkException>(() => sock.Execute(new PutRule(r, "eth0", "br1"))).IsAlreadyExists);
        foreach (var r in records) sock.Execute(new TakeRule(r, "eth0", "eth0"));
        foreach (var r in records) Assert.True(Assert.Throws<NetlinkException>(() => sock.Execute(new TakeRule(r, "eth0", "eth0"))).IsNotFound);
        Assert.Equal(before.Replace("eth0", "br1", StringComparison.Ordinal), Shown());
    }
}
