using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Hostnet.Daemon.Tests.Console;

/// <summary>
/// Sockets that belong to a network namespace the test made: a socket lives in the namespace of the thread
/// that created it, so it is created on a thread of its own that enters the namespace (setns changes the
/// calling thread only) and leaves it again. This machine's own network is never listened on.
/// </summary>
internal static partial class NetnsSockets
{
    // linux/sched.h
    private const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    /// <summary>A TCP socket of namespace <paramref name="netns"/> (made by <c>ip netns add</c>).</summary>
    public static Socket Tcp(string netns)
    {
        Socket? made = null;
        Exception? failed = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var home = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle("/run/netns/" + netns);
                Enter(target.DangerousGetHandle(), netns);
                try
                {
                    made = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                }
                finally
                {
                    Enter(home.DangerousGetHandle(), "the test's own namespace");
                }
            }
            catch (Exception e)
            {
                failed = e;
            }
        });
        thread.Start();
        thread.Join();
        return made ?? throw new InvalidOperationException($"cannot make a socket in netns {netns}", failed);
    }

    /// <summary>A listener on 127.0.0.1 (a port the kernel picks) inside <paramref name="netns"/>.</summary>
    public static Socket Listen(string netns)
    {
        var s = Tcp(netns);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s.Listen(64);
        return s;
    }

    private static void Enter(IntPtr fd, string what)
    {
        if (setns((int)fd, CLONE_NEWNET) != 0)
            throw new InvalidOperationException($"setns into {what} failed: errno {Marshal.GetLastPInvokeError()}");
    }
}

/// <summary>
/// What an admin puts in front of the daemon's unix socket to open the console in a browser (<c>ssh -L</c>,
/// <c>socat</c>), here as a test's own: TCP on 127.0.0.1 inside the browser's namespace, each connection passed
/// to the socket.
/// </summary>
internal sealed class SocketForwarder : IDisposable
{
    private readonly Socket _listener;
    private readonly string _unixSocket;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _open = [];
    private readonly Task _accepting;

    public SocketForwarder(string netns, string unixSocket)
    {
        _unixSocket = unixSocket;
        _listener = NetnsSockets.Listen(netns);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepting = Task.Run(AcceptAll);
    }

    /// <summary>The port on 127.0.0.1 in the namespace.</summary>
    public int Port { get; }

    private async Task AcceptAll()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var daemon = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            lock (_open) _open.AddRange([client, daemon]);
            _ = Task.Run(async () =>
            {
                try
                {
                    await daemon.ConnectAsync(new UnixDomainSocketEndPoint(_unixSocket), _stop.Token);
                    await Task.WhenAll(Pump(client, daemon), Pump(daemon, client));
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
                {
                    // A side went away.
                }
                finally
                {
                    client.Dispose();
                    daemon.Dispose();
                }
            });
        }
    }

    private async Task Pump(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_open)
            foreach (var s in _open) s.Dispose();
        _accepting.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
