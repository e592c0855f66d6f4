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
}
