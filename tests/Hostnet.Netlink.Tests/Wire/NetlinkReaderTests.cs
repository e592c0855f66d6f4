using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink.Tests.Wire;

/// <summary>
/// Kernel answers captured in a test namespace (kernel 6.18, d0 = veth ifindex 3) with
///   strace -e trace=recvmsg -xx -s 2000 ip -n NS &lt;command&gt;
/// strace prints the nlmsghdr decoded and the rest as bytes; the header is written back here as
/// bytes (len, type, flags, seq, pid), the rest is exactly what strace printed.
/// </summary>
public class NetlinkReaderTests
{
    // ip -4 addr show dev d0 (after ip addr add 169.255.30.1/32 dev d0): RTM_NEWADDR, NLM_F_MULTI|NLM_F_DUMP_FILTERED
    internal const string NewAddr =
        "4c000000 1400 2200 7620056b d42d0000" +
        "02208000 03000000 08000100 a9ff1e01 08000200 a9ff1e01 07000300 64300000 08000800 80000000" +
        "14000600 ffffffff ffffffff f0220100 f0220100";

    // ip -4 route show table main: 192.168.200.201 dev d0 proto boot scope link
    internal const string NewRoute =
        "34000000 1800 2200 7520056b dc2d0000" +
        "02200000 fe03fd01 00000000 08000f00 fe000000 08000100 c0a8c8c9 08000400 03000000";

    // ip neigh show proxy: 192.168.200.201 dev d0 proxy, then NLMSG_DONE in the same datagram
    internal const string ProxyDumpWithDone =
        "24000000 1c00 0200 7620056b e42d0000" + "02000000 03000000 00000801 08000100 c0a8c8c9" +
        "14000000 0300 0200 7620056b e42d0000 00000000";

    // ip -4 neigh show dev d0: 192.168.200.202 lladdr 52:54:00:12:34:56 PERMANENT
    internal const string NewNeigh =
        "4c000000 1c00 2200 7620056b ec2d0000" +
        "02000000 03000000 80000001 08000100 c0a8c8ca 0a000200 52540012 34560000 08000400 00000000" +
        "14000300 e0020000 e0020000 e0020000 00000000";

    // ip link add d0 type veth peer name d9 (d0 exists): EEXIST, request echoed (not NLM_F_CAPPED), no TLVs
    internal const string ErrorEexist =
        "68000000 0200 0000 7520056b f22d0000" + "efffffff" +
        "54000000 1000 0506 7520056b 00000000" +
        "00000000 00000000 00000000 00000000 07000300 64300000 2c001200 08000100 76657468 20000200" +
        "1c000100 00000000 00000000 00000000 00000000 07000300 64390000";

    // ip link set d0 mtu 99999: EINVAL with NLM_F_ACK_TLVS and NLMSGERR_ATTR_MSG
    internal const string ErrorWithExtAck =
        "60000000 0200 0002 7620056b f82d0000" + "eaffffff" +
        "28000000 1000 0500 7620056b 00000000" +
        "00000000 03000000 00000000 00000000 08000400 9f860100" +
        "24000100" + "6d747520 67726561 74657220 7468616e 20646576 69636520 6d617869 6d756d00";

    private static NetlinkMessage Single(byte[] datagram, out int count)
    {
        var reader = new NetlinkReader(datagram);
        Assert.True(reader.TryRead(out var first));
        count = 1;
        while (reader.TryRead(out _)) count++;
        return first;
    }

    [Fact]
    public void Address_from_the_kernel()
    {
        var m = Single(Hex.Parse(NewAddr), out int count);
        Assert.Equal(1, count);
        Assert.Equal(Native.RTM_NEWADDR, m.Type);
        Assert.Equal(new AddressEntry(3, IpAddress.Parse("169.255.30.1"), 32, 0), RtnlCodec.DecodeAddress(m.Payload));
    }

    [Fact]
    public void Route_from_the_kernel()
    {
        var m = Single(Hex.Parse(NewRoute), out _);
        Assert.Equal(
            new RouteEntry(IpAddress.Parse("192.168.200.201"), 32, 3, null, RouteTable.Main, RouteProtocol.Boot, RouteScope.Link, RouteType.Unicast, null, null, null),
            RtnlCodec.DecodeRoute(m.Payload));
    }

    [Fact]
    public void Proxy_neighbor_and_done_from_one_datagram()
    {
        var reader = new NetlinkReader(Hex.Parse(ProxyDumpWithDone));
        Assert.True(reader.TryRead(out var m));
        Assert.Equal(new ProxyNeighborEntry(3, IpAddress.Parse("192.168.200.201")), RtnlCodec.DecodeProxyNeighbor(m.Payload));
        Assert.Null(RtnlCodec.DecodeNeighbor(m.Payload));
        Assert.True(reader.TryRead(out var done));
        Assert.Equal(Native.NLMSG_DONE, done.Type);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void Permanent_neighbor_from_the_kernel()
    {
        var m = Single(Hex.Parse(NewNeigh), out _);
        Assert.Equal(
            new NeighborEntry(3, IpAddress.Parse("192.168.200.202"), MacAddress.Parse("52-54-00-12-34-56"), NeighborState.Permanent, NeighborFlags.None),
            RtnlCodec.DecodeNeighbor(m.Payload));
    }

    [Fact]
    public void Error_with_the_request_echoed()
    {
        var m = Single(Hex.Parse(ErrorEexist), out _);
        Assert.Equal(Native.NLMSG_ERROR, m.Type);
        Assert.Equal((Errno.EEXIST, (string?)null), RtnlCodec.DecodeError(m.Payload, m.Flags));
    }

    [Fact]
    public void Error_with_an_extended_ack_message()
    {
        var m = Single(Hex.Parse(ErrorWithExtAck), out _);
        var (errno, extAck) = RtnlCodec.DecodeError(m.Payload, m.Flags);
        Assert.Equal(Errno.EINVAL, errno);
        Assert.Equal("mtu greater than device maximum", extAck);
        var ex = Errno.Exception(errno, "set link d0 mtu 99999", extAck);
        Assert.Equal("set link d0 mtu 99999: Invalid argument (EINVAL) — mtu greater than device maximum", ex.Message);
        Assert.Equal("EINVAL", ex.ErrnoName);
    }

    [Fact]
    public void Exception_message_reads_as_one_line()
    {
        var ex = Errno.Exception(Errno.EEXIST, "add route 192.168.200.201/32 dev vme7b9a73a1.0");
        Assert.Equal("add route 192.168.200.201/32 dev vme7b9a73a1.0: File exists (EEXIST)", ex.Message);
        Assert.False(ex.IsTransient);
        Assert.True(Errno.Exception(Errno.ENOBUFS, "x").IsTransient);
    }

    [Theory]
    [InlineData(Errno.EEXIST, true, false)]
    [InlineData(Errno.ENOENT, false, true)]
    [InlineData(Errno.ENODEV, false, true)]
    [InlineData(Errno.ESRCH, false, true)]
    [InlineData(Errno.EADDRNOTAVAIL, false, true)]
    [InlineData(Errno.EPERM, false, false)]
    [InlineData(Errno.EBUSY, false, false)]
    public void An_errno_answers_whether_the_object_exists_already_or_is_gone(int errno, bool exists, bool notFound)
    {
        var ex = Errno.Exception(errno, "x");
        Assert.Equal(exists, ex.IsAlreadyExists);
        Assert.Equal(notFound, ex.IsNotFound);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "truncated nlmsghdr", "4c000000 1400 2200" },
        { "nlmsg_len shorter than a header", "08000000 1400 0000 00000000 00000000" },
        { "nlmsg_len zero", "00000000 1400 0000 00000000 00000000" },
        { "nlmsg_len past the end", "40000000 1400 0000 00000000 00000000 02200000 03000000" },
        { "ifaddrmsg truncated", "14000000 1400 0000 00000000 00000000 02200000" },
        { "attribute length past the end", "20000000 1400 0000 00000000 00000000 02200000 03000000 40000100" },
        { "attribute length zero", "20000000 1400 0000 00000000 00000000 02200000 03000000 00000100" },
        { "attribute length below its header", "20000000 1400 0000 00000000 00000000 02200000 03000000 02000100" },
        { "attribute header truncated", "1e000000 1400 0000 00000000 00000000 02200000 03000000 0800" },
        { "IPv4 attribute of 3 bytes", "20000000 1400 0000 00000000 00000000 02200000 03000000 07000200 0a000100" },
        { "u32 attribute too short", "28000000 1000 0000 00000000 00000000 00000000 03000000 00000000 00000000 06000400 dc050000" },
        { "nested attribute past its parent", "30000000 1000 0000 00000000 00000000 00000000 03000000 00000000 00000000 0c001200 10000100 76657468" },
        { "nlmsgerr truncated", "18000000 0200 0000 00000000 00000000 efffffff" },
        { "route prefix above 32", "1c000000 1800 0000 00000000 00000000 02210000 fe03fd01 00000000" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_input_throws_the_read_exception(string what, string hex)
    {
        Assert.NotEmpty(what);
        var bytes = Hex.Parse(hex);
        Assert.Throws<NetlinkReadException>(() => RtnlCodec.DecodeAll(bytes));
    }
}
