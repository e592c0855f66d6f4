using System.Buffers.Binary;
using System.Diagnostics;
using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink.Tests.Wire;

/// <summary>
/// The decoders against 100,000+ random and mutated datagrams: the codec may only return or throw
/// <see cref="NetlinkReadException"/> — never loop, never read out of bounds (an
/// IndexOutOfRange/ArgumentOutOfRange would surface as a different exception type) — and the
/// monitor's decoder never throws at all (what it cannot read becomes <see cref="ResyncNeeded"/>).
/// </summary>
public class DecoderFuzzTests
{
    private static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]>();
        var buffer = new byte[4096];
        RtnlRequest[] requests =
        [
            new CreateVeth("vme7b9a73a1.0", "eth0", Mac: MacAddress.Parse("FE-00-00-00-00-01"), Alias: "vm 7b9a73a1 nic 0", Up: true),
            new CreateBridge("br1", MacAddress.Parse("52-54-00-00-00-01")),
            new SetLink(4, "x") { Up = true, Mtu = 9000, MasterIndex = 7, Alias = "a" },
            new AddAddress(3, "d0", IpAddress.Parse("169.255.30.1"), 32),
            new AddRoute(new RouteSpec(IpAddress.Parse("192.168.200.201"), 32, 3, "d0", IpAddress.Parse("10.0.0.1"), 1000, (RouteProtocol)77, RouteScope.Link, IpAddress.Parse("10.0.0.2"), 5)),
            new AddNeighbor(3, "d0", IpAddress.Parse("192.168.200.201"), MacAddress.Parse("52-54-00-12-34-56")),
            new AddProxyNeighbor(3, "d0", IpAddress.Parse("192.168.200.201")),
        ];
        foreach (var r in requests)
        {
            var w = new NetlinkWriter(buffer);
            r.Encode(ref w, 42);
            seeds.Add(w.Written.ToArray());
        }
        // and what the kernel sent (see NetlinkReaderTests, LinkMessageTests)
        foreach (var hex in new[]
        {
            LinkMessageTests.VethWithPeerElsewhere, NetlinkReaderTests.NewAddr, NetlinkReaderTests.NewRoute,
            NetlinkReaderTests.ProxyDumpWithDone, NetlinkReaderTests.NewNeigh, NetlinkReaderTests.ErrorEexist,
            NetlinkReaderTests.ErrorWithExtAck, BridgePortMessageTests.PortOfBridge, BridgePortMessageTests.Bridge,
            BridgePortMessageTests.BridgeViewOfPort, BridgePortMessageTests.PortLeftBridge, BridgePortMessageTests.BridgeViewOfPortWithVlan,
        })
        {
            seeds.Add(Hex.Parse(hex));
        }
        return seeds;
    }

    [Fact]
    public void Hundred_thousand_random_and_mutated_datagrams_only_ever_throw_the_read_exception()
    {
        var random = new Random(20261124);
        var seeds = Seeds();
        var clock = Stopwatch.StartNew();
        int rejected = 0, accepted = 0;
        var work = new byte[4096];
        var events = new List<RtnlEvent>();
        for (int i = 0; i < 120_000; i++)
        {
            int length;
            if (i % 4 == 0)
            {
                // pure noise, often with a plausible header length
                length = random.Next(0, 200);
                random.NextBytes(work.AsSpan(0, length));
                if (length >= 4 && random.Next(2) == 0) BitConverter.TryWriteBytes(work.AsSpan(0, 4), random.Next(0, length + 8));
            }
            else
            {
                // a real message (or two concatenated) with a few bytes flipped, lengths bent, or cut short
                var seed = seeds[random.Next(seeds.Count)];
                seed.CopyTo(work, 0);
                length = seed.Length;
                if (random.Next(3) == 0)
                {
                    var second = seeds[random.Next(seeds.Count)];
                    second.CopyTo(work, length);
                    length += second.Length;
                }
                int mutations = random.Next(1, 4);
                for (int m = 0; m < mutations; m++)
                {
                    int at = random.Next(length);
                    switch (random.Next(4))
                    {
                        case 0: work[at] = (byte)random.Next(256); break;
                        case 1: work[at] = 0; break;
                        case 2: work[at] = 0xff; break;
                        default: length = random.Next(length + 1); break;
                    }
                    if (length == 0) break;
                }
            }
            // every other buffer goes through the monitor's event decoder instead
            if (i % 2 == 0)
            {
                try
                {
                    RtnlCodec.DecodeAll(work.AsSpan(0, length));
                    accepted++;
                }
                catch (NetlinkReadException)
                {
                    rejected++;
                }
            }
            else
            {
                RtnlMonitor.Decode(work.AsSpan(0, length), events);
                if (events.Count > 0 && events[^1] is ResyncNeeded) rejected++;
                else accepted++;
                events.Clear();
            }
        }
        Assert.True(rejected > 10_000, $"only {rejected} rejected");
        Assert.True(accepted > 1_000, $"only {accepted} accepted");
        // A guard against a decoder that loops, not a speed figure (about 1 s here).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    /// <summary>The fixed header before the attributes of each message type (linux/rtnetlink.h, netlink.h).</summary>
    private static int FixedHeader(ushort type) => type switch
    {
        Native.RTM_NEWLINK or Native.RTM_DELLINK => Native.SizeOfIfinfomsg,
        Native.RTM_NEWADDR or Native.RTM_DELADDR => Native.SizeOfIfaddrmsg,
        Native.RTM_NEWROUTE or Native.RTM_DELROUTE => Native.SizeOfRtmsg,
        Native.RTM_NEWNEIGH or Native.RTM_DELNEIGH => Native.SizeOfNdmsg,
        _ => -1,
    };

    [Fact]
    public void Attributes_of_types_the_decoders_do_not_know_are_skipped_wherever_they_sit()
    {
        // Newer kernels add attributes; a decoder that meets one must give what it gave without it.
        var random = new Random(11);
        var captured = new[]
        {
            LinkMessageTests.VethWithPeerElsewhere, NetlinkReaderTests.NewAddr, NetlinkReaderTests.NewRoute, NetlinkReaderTests.NewNeigh,
            BridgePortMessageTests.PortOfBridge, BridgePortMessageTests.Bridge, BridgePortMessageTests.BridgeViewOfPort,
            BridgePortMessageTests.PortLeftBridge, BridgePortMessageTests.BridgeViewOfPortWithVlan,
        };
        int checkedMessages = 0;
        foreach (var hex in captured)
        {
            var original = Hex.Parse(hex);
            var expected = new List<RtnlEvent>();
            RtnlMonitor.Decode(original, expected);
            Assert.NotEmpty(expected);
            Assert.DoesNotContain(expected, e => e is ResyncNeeded);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(4));
            int start = Native.Align(Native.NLMSG_HDRLEN + FixedHeader(type));
            // Every attribute boundary of the message is a place a new attribute can appear.
            var boundaries = new List<int> { start };
            for (int at = start; at < original.Length;)
            {
                at += Native.Align(BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(at)));
                boundaries.Add(Math.Min(at, original.Length));
            }
            for (int round = 0; round < 200; round++)
            {
                var value = new byte[random.Next(0, 40)];
                random.NextBytes(value);
                var unknown = new List<byte>();
                // Types past every *_MAX these decoders read, sometimes flagged as a nest.
                ushort unknownType = (ushort)(random.Next(100, Native.NLA_TYPE_MASK) | (random.Next(2) == 0 ? 0x8000 : 0));
                BridgePortMessageTests.Tlv(unknown, unknownType, value);
                int at = boundaries[random.Next(boundaries.Count)];
                var bytes = original[..at].Concat(unknown).Concat(original[at..]).ToArray();
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)bytes.Length);

                var events = new List<RtnlEvent>();
                RtnlMonitor.Decode(bytes, events);
                Assert.Equal(expected, events);
                Assert.Equal(1, RtnlCodec.DecodeAll(bytes));
                checkedMessages++;
            }
        }
        Assert.Equal(captured.Length * 200, checkedMessages);
    }
}
