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

    private readonly NetNamespace _server;
    private readonly Action<string>? _problem;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, DhcpServerSocket> _sockets = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, DhcpLease> _leases = new Dictionary<string, DhcpLease>();
    private volatile bool _changed;

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

    /// <summary>Answers from now on for <paramref name="state"/>'s leases.</summary>
    public void Follow(DesiredState state)
    {
        var leases = DhcpLease.Of(state);
        var before = Volatile.Read(ref _leases);
        if (before.Count == leases.Count && leases.All(l => before.TryGetValue(l.Key, out var b) && b.Equals(l.Value))) return;
        Volatile.Write(ref _leases, leases);
        _changed = true;
    }

    private void Loop()
    {
        var buffer = new byte[2048];
        var lastLook = System.Diagnostics.Stopwatch.StartNew();
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
                var leases = Volatile.Read(ref _leases);
                foreach (var socket in DhcpServerSocket.WaitAny([.. _sockets.Values], PollMs))
                {
                    if (!Serve(socket, leases, buffer)) missing = true;
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

    /// <summary>Answers what is queued on <paramref name="socket"/>; false when the socket failed and was closed.</summary>
    private bool Serve(DhcpServerSocket socket, IReadOnlyDictionary<string, DhcpLease> leases, byte[] buffer)
    {
        try
        {
            int n;
            while ((n = socket.TryReceive(buffer)) >= 0)
            {
                if (!leases.TryGetValue(socket.Interface, out var lease)) continue;
                if (Dhcp4Server.Answer(lease, socket.Mac, buffer.AsSpan(0, n)) is { } reply) socket.Send(reply, lease.Mac);
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

    /// <summary>Opens a socket on each vme with a lease and none, closes those without a lease; true when a vme was missing.</summary>
    private bool OpenAndClose()
    {
        var leases = Volatile.Read(ref _leases);
        foreach (var name in _sockets.Keys.Where(k => !leases.ContainsKey(k)).ToList())
        {
            _sockets[name].Dispose();
            _sockets.Remove(name);
        }
        bool missing = false;
        foreach (var vme in leases.Keys)
        {
            if (_sockets.ContainsKey(vme)) continue;
            try
            {
                _sockets[vme] = DhcpServerSocket.Open(_server, vme);
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
