using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

public class LinkTests
{
    [PrivilegedFact]
    public void Veth_with_its_peer_in_another_namespace_mac_alias_and_up()
    {
        using var host = new TestNamespace("vh");
        using var guest = new TestNamespace("vg");
        using var s = host.Socket();
        s.Execute(new CreateVeth("vme7b9a73a1.0", "eth0", guest.Handle,
            Mac: MacAddress.Parse("FE-54-00-7B-9A-73"), PeerMac: MacAddress.Parse("52-54-00-7B-9A-73"),
            Alias: "vm 7b9a73a1 nic 0", Up: true));

        var h = host.IpJson("-d", "link", "show", "dev", "vme7b9a73a1.0")[0];
        Assert.Equal("fe:54:00:7b:9a:73", h.GetProperty("address").GetString());
        Assert.Equal("vm 7b9a73a1 nic 0", h.GetProperty("ifalias").GetString());
        Assert.Contains("UP", h.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("veth", h.GetProperty("linkinfo").GetProperty("info_kind").GetString());
        var g = guest.IpJson("link", "show", "dev", "eth0")[0];
        Assert.Equal("52:54:00:7b:9a:73", g.GetProperty("address").GetString());

        var link = s.GetLink("vme7b9a73a1.0")!;
        Assert.Equal("veth", link.Kind);
        Assert.True(link.AdminUp);
        Assert.Equal("vm 7b9a73a1 nic 0", link.Alias);
        Assert.Equal(MacAddress.Parse("FE-54-00-7B-9A-73"), link.Mac);
        Assert.Equal(g.GetProperty("ifindex").GetInt32(), link.LinkIndex);
        Assert.NotNull(link.LinkNetnsId);
        Assert.Equal(link, s.GetLink(link.Index));
        Assert.Contains(link, s.DumpLinks());
    }

    [PrivilegedFact]
    public void Veth_in_one_namespace_set_properties_and_delete()
    {
        using var t = new TestNamespace("vs");
        using var s = t.Socket();
        s.Execute(new CreateVeth("va", "vb"));
        var a = s.GetLink("va")!;
        var b = s.GetLink("vb")!;
        Assert.Equal(b.Index, a.LinkIndex);
        Assert.False(a.AdminUp);

        s.Execute(new SetLink(a.Index, "va") { Up = true, Mtu = 1400, Mac = MacAddress.Parse("02-00-00-00-00-0A"), Alias = "uplink" });
        var j = t.IpJson("link", "show", "dev", "va")[0];
        Assert.Equal(1400, j.GetProperty("mtu").GetInt32());
        Assert.Equal("02:00:00:00:00:0a", j.GetProperty("address").GetString());
        Assert.Equal("uplink", j.GetProperty("ifalias").GetString());
        Assert.Contains("UP", j.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));

        s.Execute(new SetLink(a.Index, "va") { Up = false, Alias = "" });
        j = t.IpJson("link", "show", "dev", "va")[0];
        Assert.DoesNotContain("UP", j.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.False(j.TryGetProperty("ifalias", out _));
        Assert.Null(s.GetLink("va")!.Alias);

        s.Execute(new DeleteLink(a.Index, "va"));
        Assert.Null(s.GetLink("va"));
        Assert.Null(s.GetLink("vb")); // the peer goes with it
        Assert.DoesNotContain("va", t.Ip("link", "show"));
    }

    [PrivilegedFact]
    public void Bridge_with_stp_off_forward_delay_zero_master_and_nomaster()
    {
        using var t = new TestNamespace("br");
        using var s = t.Socket();
        s.Execute(new CreateBridge("br1", MacAddress.Parse("52-54-00-00-00-01"), Up: true));
        s.Execute(new CreateVeth("p1", "p2"));
        var br = s.GetLink("br1")!;
        var p1 = s.GetLink("p1")!;
        Assert.Equal("bridge", br.Kind);

        var info = t.IpJson("-d", "link", "show", "dev", "br1")[0].GetProperty("linkinfo").GetProperty("info_data");
        Assert.Equal(0, info.GetProperty("stp_state").GetInt32());
        Assert.Equal(0, info.GetProperty("forward_delay").GetInt32());
        Assert.Equal("52:54:00:00:00:01", t.IpJson("link", "show", "dev", "br1")[0].GetProperty("address").GetString());

        s.Execute(new SetLink(p1.Index, "p1") { MasterIndex = br.Index });
        Assert.Equal("br1", t.IpJson("link", "show", "dev", "p1")[0].GetProperty("master").GetString());
        Assert.Equal(br.Index, s.GetLink("p1")!.MasterIndex);

        s.Execute(new SetLink(p1.Index, "p1") { MasterIndex = 0 });
        Assert.False(t.IpJson("link", "show", "dev", "p1")[0].TryGetProperty("master", out _));
        Assert.Null(s.GetLink("p1")!.MasterIndex);
    }

    [PrivilegedFact]
    public void Move_a_link_to_another_namespace()
    {
        using var a = new TestNamespace("mva");
        using var b = new TestNamespace("mvb");
        using var s = a.Socket();
        s.Execute(new CreateVeth("m1", "m2"));
        s.Execute(new SetLink(s.GetLink("m2")!.Index, "m2") { MoveTo = b.Handle });
        Assert.Null(s.GetLink("m2"));
        Assert.Single(b.IpJson("link", "show", "dev", "m2").EnumerateArray());
    }

    [PrivilegedFact]
    public void Persistent_tap_is_created_owned_and_deleted()
    {
        using var t = new TestNamespace("tap");
        Tap.CreatePersistent(t.Handle, "vme00000001.0", ownerUid: 1000);
        var j = t.IpJson("-d", "link", "show", "dev", "vme00000001.0")[0];
        var info = j.GetProperty("linkinfo").GetProperty("info_data");
        Assert.Equal("tap", info.GetProperty("type").GetString());
        Assert.True(info.GetProperty("pi").GetBoolean() == false);
        Assert.True(info.GetProperty("vnet_hdr").GetBoolean());
        Assert.True(info.GetProperty("persist").GetBoolean());
        Assert.True(info.TryGetProperty("user", out _));
        Assert.Equal("1000", Sh.InNetns(t.Name, "cat", "/sys/class/net/vme00000001.0/owner").EnsureSuccess("cat owner").Stdout.Trim());
        using (var s = t.Socket()) Assert.Equal("tun", s.GetLink("vme00000001.0")!.Kind);

        var again = Assert.Throws<NetlinkException>(() => Tap.CreatePersistent(t.Handle, "vme00000001.0"));
        Assert.Equal("add tap vme00000001.0: File exists (EEXIST)", again.Message);

        Tap.DeletePersistent(t.Handle, "vme00000001.0");
        Assert.Empty(t.IpJson("link", "show", "type", "tun").EnumerateArray());
        var gone = Assert.Throws<NetlinkException>(() => Tap.DeletePersistent(t.Handle, "vme00000001.0"));
        Assert.Equal(Errno.ENODEV, gone.Errno);
    }

    [PrivilegedFact]
    public void Vlan_on_a_parent_or_the_kernels_own_refusal_when_8021q_is_missing()
    {
        using var t = new TestNamespace("vlan");
        using var s = t.Socket();
        s.Execute(new CreateVeth("u0", "u1"));
        int parent = s.GetLink("u0")!.Index;
        // The observer decides what this kernel can do: with 8021q the vlan must appear, without it
        // our request must be refused exactly as iproute2's is.
        var probe = Sh.Run("ip", ["-n", t.Name, "link", "add", "link", "u0", "name", "probe.9", "type", "vlan", "id", "9"]);
        if (probe.ExitCode == 0)
        {
            s.Execute(new CreateVlan("u0.10", parent, 10));
            var j = t.IpJson("-d", "link", "show", "dev", "u0.10")[0];
            Assert.Equal(10, j.GetProperty("linkinfo").GetProperty("info_data").GetProperty("id").GetInt32());
            Assert.Equal("vlan", s.GetLink("u0.10")!.Kind);
            Assert.Equal(parent, s.GetLink("u0.10")!.LinkIndex);
        }
        else
        {
            Assert.Contains("Unknown device type", probe.Stderr);
            var ex = Assert.Throws<NetlinkException>(() => s.Execute(new CreateVlan("u0.10", parent, 10)));
            Assert.Equal(Errno.EOPNOTSUPP, ex.Errno);
            Assert.StartsWith("add vlan u0.10 link " + parent + " id 10: Operation not supported (EOPNOTSUPP)", ex.Message);
        }
    }

    [PrivilegedFact]
    public void Existing_and_missing_links_fail_with_EEXIST_and_ENODEV()
    {
        using var t = new TestNamespace("lerr");
        using var s = t.Socket();
        s.Execute(new CreateVeth("e1", "e2"));
        var exists = Assert.Throws<NetlinkException>(() => s.Execute(new CreateVeth("e1", "e3")));
        Assert.Equal(Errno.EEXIST, exists.Errno);
        Assert.Equal("EEXIST", exists.ErrnoName);
        Assert.StartsWith("add veth e1 peer e3: File exists (EEXIST)", exists.Message);

        var missing = Assert.Throws<NetlinkException>(() => s.Execute(new DeleteLink(99999, "ghost")));
        Assert.Equal(Errno.ENODEV, missing.Errno);
        Assert.StartsWith("delete link ghost: No such device (ENODEV)", missing.Message);

        var mtu = Assert.Throws<NetlinkException>(() => s.Execute(new SetLink(s.GetLink("e1")!.Index, "e1") { Mtu = 99999 }));
        Assert.Equal(Errno.EINVAL, mtu.Errno);
        Assert.NotNull(mtu.ExtAck); // the kernel explains: "mtu greater than device maximum"
        Assert.EndsWith(" — " + mtu.ExtAck, mtu.Message);

        Assert.Null(s.GetLink("nope"));
        Assert.Null(s.GetLink(99999));
    }

    [PrivilegedFact]
    public void A_veth_that_already_exists_keeps_its_alias()
    {
        using var t = new TestNamespace("alias");
        t.Ip("link", "add", "x1", "type", "veth", "peer", "name", "y1");
        t.Ip("link", "set", "x1", "alias", "someone else's");
        using var s = t.Socket();
        var ex = Assert.Throws<NetlinkException>(() => s.Execute(new CreateVeth("x1", "y2", Alias: "vm 1 nic 0")));
        Assert.Equal(Errno.EEXIST, ex.Errno);
        Assert.Equal("someone else's", t.IpJson("link", "show", "dev", "x1")[0].GetProperty("ifalias").GetString());
    }
}
