using System.Buffers.Binary;
using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink.Tests.Wire;

/// <summary>A link's own sysctls as the link dump carries them: IFLA_AF_SPEC, one nest per family.</summary>
public class LinkSettingsDecodeTests
{
    private static void Attr(List<byte> into, ushort type, byte[] value)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), type);
        into.AddRange(header);
        into.AddRange(value);
        while (into.Count % 4 != 0) into.Add(0);
    }

    private static byte[] Ints(params int[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(i * 4), values[i]);
        return b;
    }

    [Fact]
    public void Ipv4_and_ipv6_settings_are_read_from_the_af_spec_nest()
    {
        // ifinfomsg: family, pad, type, index 7, flags IFF_UP, change
        var payload = new List<byte>(new byte[16]);
        BinaryPrimitives.WriteInt32LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(payload)[4..], 7);
        payload[8] = 1;
        Attr(payload, 3, "vme00000001.0\0"u8.ToArray());
        // IPV4_DEVCONF_* from 1: forwarding 1, mc_forwarding 0, proxy_arp 1, accept_redirects 1, secure 1, send_redirects 0, shared 0, rp_filter 1
        var inet = new List<byte>();
        Attr(inet, 1, Ints(1, 0, 1, 1, 1, 0, 0, 1));
        var inet6 = new List<byte>();
        Attr(inet6, 1, Ints(0)); // IFLA_INET6_FLAGS: skipped
        Attr(inet6, 2, Ints(0, 64, 1500, 0)); // DEVCONF_* from 0: forwarding, hop_limit, mtu6, accept_ra
        var spec = new List<byte>();
        Attr(spec, 2, inet.ToArray());
        Attr(spec, 10, inet6.ToArray());
        Attr(spec, 7, Ints(1)); // an unknown family: skipped
        Attr(payload, 26, spec.ToArray());

        var link = RtnlCodec.DecodeLink(payload.ToArray());

        Assert.Equal("vme00000001.0", link.Name);
        Assert.Equal([1, 0, 1, 1, 1, 0, 0, 1], link.Ipv4Conf);
        Assert.Equal([0, 64, 1500, 0], link.Ipv6Conf);
    }

    [Fact]
    public void A_link_without_the_nest_has_no_settings()
    {
        var payload = new List<byte>(new byte[16]);
        Attr(payload, 3, "lo\0"u8.ToArray());

        var link = RtnlCodec.DecodeLink(payload.ToArray());

        Assert.Null(link.Ipv4Conf);
        Assert.Null(link.Ipv6Conf);
    }
}
