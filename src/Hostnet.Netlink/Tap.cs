using System.Text;

namespace Hostnet.Netlink;

/// <summary>
/// Persistent tap devices through /dev/net/tun (TUNSETIFF + TUNSETPERSIST), the way QEMU
/// later attaches to them with <c>-netdev tap,ifname=…</c>. The device is created in the
/// namespace of the calling thread: call inside <see cref="NetNamespace.Invoke(Action)"/> or use
/// the overloads that take a namespace.
/// </summary>
public static class Tap
{
    private const string CloneDevice = "/dev/net/tun";

    /// <summary>
    /// Creates a persistent tap, IFF_TAP|IFF_NO_PI (|IFF_VNET_HDR, as libvirt and QEMU open it),
    /// owned by <paramref name="ownerUid"/> when given. EEXIST if a link of that name exists
    /// (TUNSETIFF alone would silently attach to it).
    /// </summary>
    public static void CreatePersistent(string name, uint? ownerUid = null, bool vnetHdr = true)
    {
        string op = "add tap " + name;
        using (var rtnl = RtnlSocket.OpenHere(0))
        {
            if (rtnl.GetLink(name) is not null) Errno.Throw(Errno.EEXIST, op);
        }
        using var fd = Attach(name, vnetHdr, op);
        if (ownerUid is { } uid) Errno.Check(Interop.Libc.Ioctl(fd, Interop.Libc.TUNSETOWNER, (nint)uid), op + ": TUNSETOWNER");
        Errno.Check(Interop.Libc.Ioctl(fd, Interop.Libc.TUNSETPERSIST, 1), op + ": TUNSETPERSIST");
    }

    /// <summary>
    /// Several persistent taps in the calling thread's namespace, as <see cref="CreatePersistent(string, uint?, bool)"/>
    /// makes one, with one netlink socket for all the existence checks. <paramref name="beforeEach"/> runs
    /// before each tap; the first failure throws and leaves the taps made so far.
    /// </summary>
    public static void CreatePersistent(IEnumerable<string> names, Action<string>? beforeEach = null, bool vnetHdr = true)
    {
        ArgumentNullException.ThrowIfNull(names);
        var list = names as IReadOnlyCollection<string> ?? names.ToList();
        using var rtnl = RtnlSocket.OpenHere(0);
        // Many taps: one dump of the links answers every existence check (a get per tap was a round trip each).
        var existing = list.Count > 16 ? rtnl.DumpLinks().Select(l => l.Name).ToHashSet(StringComparer.Ordinal) : null;
        foreach (var name in list)
        {
            beforeEach?.Invoke(name);
            string op = "add tap " + name;
            if (existing?.Contains(name) ?? rtnl.GetLink(name) is not null) Errno.Throw(Errno.EEXIST, op);
            using var fd = Attach(name, vnetHdr, op);
            Errno.Check(Interop.Libc.Ioctl(fd, Interop.Libc.TUNSETPERSIST, 1), op + ": TUNSETPERSIST");
        }
    }

    /// <summary>Clears the persist flag; the device goes when the last fd closes. ENODEV if there is no such link.</summary>
    public static void DeletePersistent(string name)
    {
        string op = "delete tap " + name;
        using (var rtnl = RtnlSocket.OpenHere(0))
        {
            if (rtnl.GetLink(name) is null) Errno.Throw(Errno.ENODEV, op);
        }
        using var fd = Attach(name, vnetHdr: false, op);
        Errno.Check(Interop.Libc.Ioctl(fd, Interop.Libc.TUNSETPERSIST, 0), op + ": TUNSETPERSIST");
    }

    public static void CreatePersistent(NetNamespace ns, string name, uint? ownerUid = null, bool vnetHdr = true)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ns.Invoke(() => CreatePersistent(name, ownerUid, vnetHdr));
    }

    public static void DeletePersistent(NetNamespace ns, string name)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ns.Invoke(() => DeletePersistent(name));
    }

    private static unsafe SafeFdHandle Attach(string name, bool vnetHdr, string op)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Encoding.UTF8.GetByteCount(name) >= Interop.Libc.IFNAMSIZ)
            throw new ArgumentException($"interface name \"{name}\" is longer than 15 bytes", nameof(name));
        var fd = SafeFdHandle.Open(CloneDevice, Interop.Libc.O_RDWR, op + ": open " + CloneDevice);
        try
        {
            // struct ifreq: char ifr_name[IFNAMSIZ]; short ifr_flags; (padded to 40 bytes)
            byte* ifr = stackalloc byte[Interop.Libc.SizeOfIfReq];
            var span = new Span<byte>(ifr, Interop.Libc.SizeOfIfReq);
            span.Clear();
            Encoding.UTF8.GetBytes(name, span);
            short flags = (short)(Interop.Libc.IFF_TAP | Interop.Libc.IFF_NO_PI | (vnetHdr ? Interop.Libc.IFF_VNET_HDR : 0));
            System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(span[Interop.Libc.IFNAMSIZ..], flags);
            Errno.Check(Interop.Libc.Ioctl(fd, Interop.Libc.TUNSETIFF, ifr), op + ": TUNSETIFF");
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }
}
