using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

public class SysctlTests
{
    [PrivilegedFact]
    public void Reads_and_writes_in_the_namespace_with_dotted_interface_names_as_path_components()
    {
        using var t = new TestNamespace("sys");
        using (var s = t.Socket()) s.Execute(new CreateVeth("vme7b9a73a1.0", "vmp7b9a73a1.0"));
        string hostForwarding = File.ReadAllText("/proc/sys/net/ipv4/ip_forward");

        Assert.Equal("0", Sysctl.Read(t.Handle, "net/ipv4/conf/vme7b9a73a1.0/proxy_arp"));
        Sysctl.Write(t.Handle, "net/ipv4/conf/vme7b9a73a1.0/proxy_arp", "1");
        Sysctl.WriteMany(t.Handle, [("net/ipv4/ip_forward", "1"), ("net/ipv4/conf/vme7b9a73a1.0/rp_filter", "1"), ("net/ipv4/neigh/vme7b9a73a1.0/proxy_delay", "0")]);

        string Cat(string path) => Sh.InNetns(t.Name, "cat", "/proc/sys/" + path).EnsureSuccess("cat").Stdout.Trim();
        Assert.Equal("1", Cat("net/ipv4/conf/vme7b9a73a1.0/proxy_arp"));
        Assert.Equal("1", Cat("net/ipv4/ip_forward"));
        Assert.Equal("1", Cat("net/ipv4/conf/vme7b9a73a1.0/rp_filter"));
        Assert.Equal("0", Cat("net/ipv4/neigh/vme7b9a73a1.0/proxy_delay"));
        Assert.Equal("1", Sysctl.Read(t.Handle, "net/ipv4/ip_forward"));
        // The machine's own value is untouched.
        Assert.Equal(hostForwarding, File.ReadAllText("/proc/sys/net/ipv4/ip_forward"));

        var missing = Assert.Throws<NetlinkException>(() => Sysctl.Read(t.Handle, "net/ipv4/conf/ghost.0/proxy_arp"));
        Assert.Equal(Errno.ENOENT, missing.Errno);
        Assert.Equal("read sysctl /proc/sys/net/ipv4/conf/ghost.0/proxy_arp: No such file or directory (ENOENT)", missing.Message);
        var bad = Assert.Throws<NetlinkException>(() => Sysctl.Write(t.Handle, "net/ipv4/conf/vme7b9a73a1.0/rp_filter", "banana"));
        Assert.Equal(Errno.EINVAL, bad.Errno);
        Assert.Throws<ArgumentException>(() => Sysctl.Read(t.Handle, "../etc/passwd"));
    }
}
