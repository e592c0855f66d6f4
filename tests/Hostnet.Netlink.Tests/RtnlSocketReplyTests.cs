using System.Buffers.Binary;
using Hostnet.Netlink.Tests.Wire;
using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink.Tests;

/// <summary>How answers are matched to requests, on hand-made datagrams (no kernel needed).</summary>
public class RtnlSocketReplyTests
{
    private static byte[] Message(ushort type, ushort flags, uint seq, byte[] payload)
    {
        var m = new byte[Native.NLMSG_HDRLEN + Native.Align(payload.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(m, (uint)(Native.NLMSG_HDRLEN + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), seq);
        payload.CopyTo(m, Native.NLMSG_HDRLEN);
        return m;
    }

    /// <summary>An NLMSG_ERROR as the kernel sends it with NETLINK_CAP_ACK: error, then the request's header only.</summary>
    private static byte[] Ack(uint seq, int errno) =>
        Message(Native.NLMSG_ERROR, Native.NLM_F_CAPPED, seq, [.. BitConverter.GetBytes(-errno), .. new byte[16]]);

    private static byte[] ProxyEntry(uint seq, ushort flags, byte last) =>
        Message(Native.RTM_NEWNEIGH, (ushort)(Native.NLM_F_MULTI | flags), seq, Hex.Parse("02000000 03000000 00000801 08000100 c0a8c8").Append(last).ToArray());

    private static readonly RtnlSocket.MessageHandler<ProxyNeighborEntry> Proxies = (in NetlinkMessage m, List<ProxyNeighborEntry> into) =>
    {
        if (RtnlCodec.DecodeProxyNeighbor(m.Payload) is { } p) into.Add(p);
    };

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    [Fact]
    public void A_dump_collects_its_own_sequence_until_done_and_skips_stale_answers()
    {
        var items = new List<ProxyNeighborEntry>();
        bool interrupted = false;
        Assert.False(RtnlSocket.ReadDumpDatagram(Concat(ProxyEntry(7, 0, 1), ProxyEntry(6, 0, 2)), 7, "dump", Proxies, items, ref interrupted));
        Assert.True(RtnlSocket.ReadDumpDatagram(Concat(ProxyEntry(7, 0, 3), Message(Native.NLMSG_DONE, Native.NLM_F_MULTI, 7, new byte[4])), 7, "dump", Proxies, items, ref interrupted));
        Assert.Equal(["192.168.200.1", "192.168.200.3"], items.Select(i => i.Address.ToString()));
        Assert.False(interrupted);
    }

    [Fact]
    public void A_dump_marked_NLM_F_DUMP_INTR_is_reported_interrupted()
    {
        var items = new List<ProxyNeighborEntry>();
        bool interrupted = false;
        RtnlSocket.ReadDumpDatagram(Concat(ProxyEntry(9, Native.NLM_F_DUMP_INTR, 1), Message(Native.NLMSG_DONE, Native.NLM_F_MULTI | Native.NLM_F_DUMP_INTR, 9, new byte[4])),
            9, "dump", Proxies, items, ref interrupted);
        Assert.True(interrupted);
    }

    [Fact]
    public void A_dump_that_fails_in_NLMSG_DONE_throws_its_errno()
    {
        var items = new List<ProxyNeighborEntry>();
        bool interrupted = false;
        var ex = Assert.Throws<NetlinkException>(() =>
            RtnlSocket.ReadDumpDatagram(Message(Native.NLMSG_DONE, Native.NLM_F_MULTI, 3, BitConverter.GetBytes(-Errno.EINVAL)), 3, "dump proxy neighbors", Proxies, items, ref interrupted));
        Assert.Equal("dump proxy neighbors: Invalid argument (EINVAL)", ex.Message);
    }

    [Fact]
    public void Acks_are_matched_by_sequence_number_in_any_order_once_each()
    {
        RtnlRequest[] requests =
        [
            new AddProxyNeighbor(2, "eth0", IpAddress.Parse("10.0.0.1")),
            new AddProxyNeighbor(2, "eth0", IpAddress.Parse("10.0.0.2")),
            new AddProxyNeighbor(2, "eth0", IpAddress.Parse("10.0.0.3")),
        ];
        var acked = new bool[3];
        var errors = new NetlinkException?[3];
        // acks for 101..103 arrive out of order, with a stale one (99) and a repeat (102)
        Assert.Equal(2, RtnlSocket.ReadAcks(Concat(Ack(103, 0), Ack(99, Errno.EEXIST), Ack(102, Errno.ENODEV)), 101, requests, 0, acked, errors));
        Assert.Equal(1, RtnlSocket.ReadAcks(Concat(Ack(102, 0), Ack(101, 0)), 101, requests, 0, acked, errors));
        Assert.Equal([true, true, true], acked);
        Assert.Null(errors[0]);
        Assert.Equal("add proxy neighbor 10.0.0.2 dev eth0: No such device (ENODEV)", errors[1]!.Message);
        Assert.Null(errors[2]);
    }
}
