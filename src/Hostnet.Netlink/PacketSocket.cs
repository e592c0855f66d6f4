using System.Buffers.Binary;

namespace Hostnet.Netlink;

/// <summary>
/// A raw AF_PACKET socket of one Ethernet protocol bound to one interface, opened in the calling thread's
/// namespace: what the ARP and the neighbour discovery code send their frames through and read answers from.
/// </summary>
internal static class PacketSocket
{
    /// <summary>Reads a frame that claims an address: the address, and the MAC that claims it.</summary>
    public delegate bool ClaimReader(ReadOnlySpan<byte> frame, out IpAddress address, out byte[] mac);

    /// <summary>
    /// Listens on <paramref name="fd"/> for one <paramref name="window"/>: which of <paramref name="wanted"/> another
    /// MAC than <paramref name="ownMac"/> claimed (the first claim of each), as <paramref name="read"/> reads frames.
    /// </summary>
    public static IReadOnlyDictionary<IpAddress, MacAddress> Claims(SafeFdHandle fd, TimeSpan window, HashSet<IpAddress> wanted,
        byte[] ownMac, ClaimReader read, string op)
    {
        var answers = new Dictionary<IpAddress, MacAddress>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Span<byte> buffer = stackalloc byte[1600];
        while (true)
        {
            int left = (int)(window - clock.Elapsed).TotalMilliseconds;
            if (left <= 0 || !SocketIo.WaitReadable(fd, left, op)) break;
            int n;
            while ((n = SocketIo.TryReceive(fd, buffer, op)) >= 0)
            {
                if (read(buffer[..n], out var address, out var mac) && wanted.Contains(address)
                    && !mac.AsSpan().SequenceEqual(ownMac) && !answers.ContainsKey(address))
                {
                    answers[address] = MacAddress.FromBytes(mac);
                }
            }
        }
        return answers;
    }

    /// <summary>The interface's index and MAC; one that is missing or not Ethernet is an errno of <paramref name="op"/>.</summary>
    public static (int Index, MacAddress Mac) Interface(string ifName, string op)
    {
        using var rtnl = RtnlSocket.OpenHere(0);
        var link = rtnl.GetLink(ifName) ?? throw Errno.Exception(Errno.ENODEV, op);
        // A link-layer address of another length than Ethernet's is no MAC (Link.Mac is null).
        if (link.Mac is not { } mac) throw Errno.Exception(Errno.EINVAL, op + ": not an Ethernet interface");
        return (link.Index, mac);
    }

    /// <summary>A socket of <paramref name="ethProtocol"/> (host order, e.g. ETH_P_ARP) bound to <paramref name="ifIndex"/>.</summary>
    public static SafeFdHandle Open(int ifIndex, ushort ethProtocol, string op)
    {
        ushort protocol = BinaryPrimitives.ReverseEndianness(ethProtocol);
        var fd = SafeFdHandle.FromResult(
            Interop.Libc.Socket(Interop.Libc.AF_PACKET, Interop.Libc.SOCK_RAW | Interop.Libc.SOCK_CLOEXEC, protocol),
            op + ": socket AF_PACKET");
        try
        {
            SocketIo.Bind(fd, LinkAddress(ifIndex, ethProtocol, null), op);
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>struct sockaddr_ll for <paramref name="ethProtocol"/> on <paramref name="ifIndex"/>, to <paramref name="destination"/> when given.</summary>
    public static byte[] LinkAddress(int ifIndex, ushort ethProtocol, byte[]? destination)
    {
        var a = new byte[Native.SizeOfSockaddrLl];
        BinaryPrimitives.WriteUInt16LittleEndian(a, Interop.Libc.AF_PACKET);
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(2), ethProtocol);
        BinaryPrimitives.WriteInt32LittleEndian(a.AsSpan(4), ifIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(a.AsSpan(8), Native.ARPHRD_ETHER);
        if (destination is not null)
        {
            a[11] = Native.ETH_ALEN;
            destination.CopyTo(a.AsSpan(12));
        }
        return a;
    }
}
