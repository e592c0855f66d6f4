using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Hostnet.Agent;

namespace Hostnet.Daemon;

/// <summary>
/// systemd's notification protocol without libsystemd: one datagram to <c>$NOTIFY_SOCKET</c> (a path, or an
/// abstract name written with a leading <c>@</c>) for each state. Outside systemd (no <c>$NOTIFY_SOCKET</c>)
/// every call does nothing.
/// </summary>
internal static class Systemd
{
    /// <summary>Sends <paramref name="state"/> (<c>READY=1</c>, <c>STOPPING=1</c>, <c>WATCHDOG=1</c>); false when there is nobody to tell.</summary>
    public static bool Notify(string state)
    {
        var address = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(address) || address[0] is not ('/' or '@')) return false;
        // An abstract socket's name starts with a NUL byte, which $NOTIFY_SOCKET writes as '@'.
        if (address[0] == '@') address = "\0" + address[1..];
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.UTF8.GetBytes(state), new UnixDomainSocketEndPoint(address));
            return true;
        }
        catch (SocketException)
        {
            // systemd gone or the socket unreachable: the daemon serves on, as it would without systemd.
            return false;
        }
    }

    /// <summary>
    /// <paramref name="serving"/>, then <c>READY=1</c>: systemd holds the units ordered after hostnetd until the
    /// daemon says it serves.
    /// </summary>
    public static Action Ready(Action serving) => () =>
    {
        serving();
        Notify("READY=1\nSTATUS=serving");
    };

    /// <summary>
    /// When systemd asks for a watchdog (<c>WatchdogSec=</c>, with <c>$WATCHDOG_PID</c> this process or unset): every half
    /// of <c>$WATCHDOG_USEC</c>, <c>WATCHDOG=1</c> if the watch loop is alive (<paramref name="loop"/> beaten within that
    /// half, or in a cycle within its bound), nothing otherwise, so that systemd restarts a daemon whose loop hangs;
    /// the loop is asked to beat at least every quarter. Null when systemd asks for none.
    /// </summary>
    public static IDisposable? Watchdog(LoopHeartbeat loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        if (!ulong.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec == 0)
            return null;
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)) return null;
        var every = TimeSpan.FromMicroseconds(Math.Max(usec / 2, 1000));
        var beat = TimeSpan.FromMicroseconds(Math.Max(usec / 4, 1000));
        if (beat < loop.BeatEvery) loop.BeatEvery = beat;
        return new Timer(_ =>
        {
            if (loop.IsAlive(every)) Notify("WATCHDOG=1");
        }, null, TimeSpan.Zero, every);
    }
}
