namespace Hostnet.Netlink;

/// <summary>
/// The first frame a guest sends into its tap: the sign that the guest runs on this server. After an incoming
/// migration QEMU announces the guest as soon as it resumes (RARP from the guest's MAC, or the guest's own
/// gratuitous ARP and neighbour advertisements), and nothing comes from the guest's MAC before.
/// </summary>
public static class GuestFrames
{
    // linux/if_ether.h
    private const ushort ETH_P_ALL = 0x0003;

    // linux/socket.h, linux/if_packet.h
    private const int SOL_PACKET = 263;
    private const int PACKET_IGNORE_OUTGOING = 23;

    /// <summary>
    /// Waits until a frame from <paramref name="guestMac"/> arrives on <paramref name="tap"/> (in <paramref name="ns"/>):
    /// true when one did, false when the tap went away first (the VM stopped, the migration failed). Frames the
    /// server sends into the tap are not read. <paramref name="checkEvery"/> is how often the tap is looked for.
    /// </summary>
    public static bool WaitForFirst(NetNamespace ns, string tap, MacAddress guestMac, TimeSpan checkEvery)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentException.ThrowIfNullOrEmpty(tap);
        var op = "wait for the guest's frame dev " + tap;
        return ns.Invoke(() =>
        {
            int index;
            try
            {
                index = PacketSocket.Interface(tap, op).Index;
            }
            catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
            {
                return false;
            }
            using var fd = PacketSocket.Open(index, ETH_P_ALL, op);
            IgnoreOutgoing(fd, op);
            var mac = new byte[MacAddress.Length];
            guestMac.WriteBytes(mac);
            Span<byte> buffer = stackalloc byte[2048];
            while (true)
            {
                try
                {
                    if (SocketIo.WaitReadable(fd, (int)checkEvery.TotalMilliseconds, op))
                    {
                        int n;
                        while ((n = SocketIo.TryReceive(fd, buffer, op)) >= 0)
                        {
                            if (n >= Native.ETH_HLEN && buffer.Slice(Native.ETH_ALEN, Native.ETH_ALEN).SequenceEqual(mac)) return true;
                        }
                        continue;
                    }
                }
                catch (NetlinkException e) when (e.Errno is Errno.ENETDOWN or Errno.ENXIO or Errno.ENODEV)
                {
                    // The tap went down or away under the socket: looked for below.
                }
                using var rtnl = RtnlSocket.OpenHere(0);
                if (rtnl.GetLink(index)?.Name != tap) return false;
            }
        });
    }

    private static unsafe void IgnoreOutgoing(SafeFdHandle fd, string op)
    {
        int one = 1;
        Errno.Check(Interop.Libc.SetSockOpt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(int)), op + ": PACKET_IGNORE_OUTGOING");
    }
}
