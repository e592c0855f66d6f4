using Hostnet.Model;
using Hostnet.Netlink;
using Hostnet.Netlink.Dhcp;

namespace Hostnet.Engine.Dhcp;

/// <summary>
/// Answers the DHCP of the guests of the server's vmes, on a thread of its own: one packet socket per vme that
/// has a lease (<see cref="DhcpLease.Of"/>), opened as the VM starts and closed as it stops. The leases follow
/// the desired state (<see cref="Follow"/>, after every apply); a vme that is not there yet is tried again at
/// the next follow or after <see cref="Retry"/>, and one deleted under a socket (the socket reports ENETDOWN) is
/// opened again the same way.
/// </summary>
public sealed class DhcpResponder : IDisposable
{
    /// <summary>How often a vme with a lease and no socket is looked for again without a change of the state.</summary>
    public static readonly TimeSpan Retry = TimeSpan.FromSeconds(2);

    // How long the loop waits for a frame before it looks at the leases and its stop again.
    private const int PollMs = 200;

    // The frames read from one socket before the others get their turn: a guest that floods its vme is read
    // (and its requests over the limit dropped) no faster than the others are served.
    private const int FramesPerTurn = 2 * DhcpRateLimit.Burst;

    private readonly NetNamespace _server;
    private readonly Action<string>? _problem;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, DhcpServerSocket> _sockets = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, DhcpLease> _leases = new Dictionary<string, DhcpLease>();
    private IReadOnlyDictionary<string, Dhcp6Lease> _leases6 = new Dictionary<string, Dhcp6Lease>();
    private readonly DhcpRateLimit _limit = new(TimeProvider.System);
    private volatile bool _changed;

    /// <summary>How often the router advertisements are sent unsolicited, well inside their lifetime.</summary>
    public static readonly TimeSpan AdvertiseEvery = TimeSpan.FromMinutes(5);

    /// <summary>Starts answering in <paramref name="server"/> (nothing until the first <see cref="Follow"/>); <paramref name="problem"/> hears of sockets that fail.</summary>
    public DhcpResponder(NetNamespace server, Action<string>? problem = null)
    {
        _server = server;
        _problem = problem;
        _thread = new Thread(Loop) { IsBackground = true, Name = "hostnet: dhcp" };
        _thread.Start();
    }

    /// <summary>The leases now answered, by vme.</summary>
    public IReadOnlyDictionary<string, DhcpLease> Leases => Volatile.Read(ref _leases);

    /// <summary>The IPv6 leases now answered (router advertisements, DHCPv6), by vme.</summary>
    public IReadOnlyDictionary<string, Dhcp6Lease> Leases6 => Volatile.Read(ref _leases6);

    /// <summary>The requests dropped on <paramref name="vme"/> over its guest's rate limit (<see cref="DhcpRateLimit"/>) while it had a lease.</summary>
    public long Dropped(string vme) => _limit.Dropped(vme);

    /// <summary>Answers from now on for <paramref name="state"/>'s leases.</summary>
    public void Follow(DesiredState state)
    {
        var leases = DhcpLease.Of(state);
        var leases6 = Dhcp6Lease.Of(state);
        if (Same(Volatile.Read(ref _leases), leases) && Same(Volatile.Read(ref _leases6), leases6)) return;
        Volatile.Write(ref _leases, leases);
        Volatile.Write(ref _leases6, leases6);
        _changed = true;
    }

    private static bool Same<T>(IReadOnlyDictionary<string, T> before, IReadOnlyDictionary<string, T> after) =>
        before.Count == after.Count && after.All(l => before.TryGetValue(l.Key, out var b) && EqualityComparer<T>.Default.Equals(b, l.Value));

    private void Loop()
    {
        var buffer = new byte[2048];
        var lastLook = System.Diagnostics.Stopwatch.StartNew();
        var lastAdvert = System.Diagnostics.Stopwatch.StartNew();
        bool missing = false;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                if (_changed || (missing && lastLook.Elapsed >= Retry))
                {
                    _changed = false;
                    missing = OpenAndClose();
                    lastLook.Restart();
                }
                if (lastAdvert.Elapsed >= AdvertiseEvery)
                {
                    lastAdvert.Restart();
                    foreach (var socket in _sockets.Values.ToList()) Advertise(socket);
                }
                foreach (var socket in DhcpServerSocket.WaitAny([.. _sockets.Values], PollMs))
                {
                    if (!Serve(socket, buffer)) missing = true;
                }
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                _problem?.Invoke("dhcp: " + e.Message);
                _stop.Token.WaitHandle.WaitOne(Retry);
            }
        }
        foreach (var s in _sockets.Values) s.Dispose();
        _sockets.Clear();
    }

    /// <summary>Answers what is queued on <paramref name="socket"/>, a turn's worth, within its guest's rate limit; false when the socket failed and was closed.</summary>
    private bool Serve(DhcpServerSocket socket, byte[] buffer)
    {
        var leases = Volatile.Read(ref _leases);
        var leases6 = Volatile.Read(ref _leases6);
        try
        {
            int n;
            for (var read = 0; read < FramesPerTurn && (n = socket.TryReceive(buffer)) >= 0; read++)
            {
                if (!_limit.Admit(socket.Interface)) continue;
                var frame = buffer.AsSpan(0, n);
                // The frame's EtherType (the socket's filter let IPv4 DHCP and IPv6 DHCP or router solicitations through).
                bool ipv6 = n > 13 && buffer[12] == 0x86 && buffer[13] == 0xdd;
                byte[]? reply = null;
                MacAddress to = default;
                if (!ipv6 && leases.TryGetValue(socket.Interface, out var lease))
                {
                    reply = Dhcp4Server.Answer(lease, socket.Mac, frame);
                    to = lease.Mac;
                }
                else if (ipv6 && leases6.TryGetValue(socket.Interface, out var lease6))
                {
                    reply = Dhcp6Server.Answer(lease6, socket.Mac, frame);
                    to = lease6.Mac;
                }
                if (reply is not null) socket.Send(reply, to);
            }
            return true;
        }
        catch (NetlinkException)
        {
            // The link went away or down under the socket: opened again once it is back.
            _sockets.Remove(socket.Interface);
            socket.Dispose();
            return false;
        }
    }

    /// <summary>An unsolicited router advertisement on <paramref name="socket"/>'s vme, when it has an IPv6 lease.</summary>
    private void Advertise(DhcpServerSocket socket)
    {
        if (!Volatile.Read(ref _leases6).TryGetValue(socket.Interface, out var lease6)) return;
        try
        {
            socket.Send(Dhcp6Server.Advertisement(lease6, socket.Mac), Ipv6Frame.AllNodesMac);
        }
        catch (NetlinkException e)
        {
            _problem?.Invoke($"router advertisement on {socket.Interface}: {e.Message}");
        }
    }

    /// <summary>Opens a socket on each vme with a lease and none, closes those without a lease; true when a vme was missing.</summary>
    private bool OpenAndClose()
    {
        var leases = Volatile.Read(ref _leases).Keys.Union(Volatile.Read(ref _leases6).Keys).ToHashSet(StringComparer.Ordinal);
        foreach (var name in _sockets.Keys.Where(k => !leases.Contains(k)).ToList())
        {
            _sockets[name].Dispose();
            _sockets.Remove(name);
            _limit.Forget(name);
        }
        bool missing = false;
        foreach (var vme in leases)
        {
            if (_sockets.ContainsKey(vme)) continue;
            try
            {
                var socket = DhcpServerSocket.Open(_server, vme);
                _sockets[vme] = socket;
                Advertise(socket);
            }
            catch (NetlinkException e) when (e.IsNotFound)
            {
                missing = true;
            }
            catch (NetlinkException e)
            {
                _problem?.Invoke($"dhcp on {vme}: {e.Message}");
                missing = true;
            }
        }
        return missing;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
