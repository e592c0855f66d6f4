namespace Hostnet.Netlink;

internal static partial class Native
{
    // linux/neighbour.h
    internal const ushort NDA_DST = 1;
    internal const ushort NDA_LLADDR = 2;
    internal const ushort NDA_VLAN = 5;
    internal const ushort NDA_MASTER = 9;

    internal const byte NTF_USE = 0x01;
    internal const byte NTF_SELF = 0x02;
    internal const byte NTF_MASTER = 0x04;
    internal const byte NTF_PROXY = 0x08;
    internal const byte NTF_EXT_LEARNED = 0x10;
    internal const byte NTF_OFFLOADED = 0x20;
    internal const byte NTF_STICKY = 0x40;
    internal const byte NTF_ROUTER = 0x80;

    internal const ushort NUD_NONE = 0x00;
    internal const ushort NUD_INCOMPLETE = 0x01;
    internal const ushort NUD_REACHABLE = 0x02;
    internal const ushort NUD_STALE = 0x04;
    internal const ushort NUD_DELAY = 0x08;
    internal const ushort NUD_PROBE = 0x10;
    internal const ushort NUD_FAILED = 0x20;
    internal const ushort NUD_NOARP = 0x40;
    internal const ushort NUD_PERMANENT = 0x80;
}
