using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel;

/// <summary>
/// Sockets into many guest namespaces, all opened from one thread (not a thread per guest),
/// closed with their namespace handles.
/// </summary>
internal sealed class GuestSockets : IDisposable
{
    private readonly List<NetNamespace> _namespaces;
    private readonly IReadOnlyList<RtnlSocket> _sockets;

    private GuestSockets(List<NetNamespace> namespaces, IReadOnlyList<RtnlSocket> sockets)
    {
        _namespaces = namespaces;
        _sockets = sockets;
    }

    /// <summary>A socket in each named namespace, in the order given.</summary>
    public static GuestSockets Open(IReadOnlyList<string> names)
    {
        var namespaces = new List<NetNamespace>(names.Count);
        try
        {
            foreach (var name in names) namespaces.Add(NetNamespace.Open(name));
            return new GuestSockets(namespaces, RtnlSocket.OpenEach(namespaces));
        }
        catch
        {
            foreach (var ns in namespaces) ns.Dispose();
            throw;
        }
    }

    public RtnlSocket this[int index] => _sockets[index];

    public void Dispose()
    {
        foreach (var s in _sockets) s.Dispose();
        foreach (var ns in _namespaces) ns.Dispose();
    }
}
