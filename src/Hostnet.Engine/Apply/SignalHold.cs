using System.Runtime.InteropServices;

namespace Hostnet.Engine.Apply;

/// <summary>
/// Holds SIGINT, SIGTERM and SIGHUP while the server's own network is half-way between its
/// uplink and its bridge: an admin's Ctrl-C or a service manager's stop there would leave the
/// server cut off until the next apply. The signal is kept and acted on once the move is whole
/// (<see cref="ThrowIfReceived"/>); a SIGKILL cannot be held, and the journal covers it.
/// </summary>
public sealed class SignalHold : IDisposable
{
    private static int s_active;
    private static int s_received;

    private readonly PosixSignalRegistration[] _registrations;

    private SignalHold()
    {
        Interlocked.Increment(ref s_active);
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Hold),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Hold),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, Hold),
        ];
    }

    /// <summary>Whether a hold is in force now.</summary>
    public static bool Active => Volatile.Read(ref s_active) > 0;

    /// <summary>The signal number held (2 for SIGINT, 15 for SIGTERM, 1 for SIGHUP), 0 for none.</summary>
    public static int Received => Volatile.Read(ref s_received);

    public static SignalHold Begin() => new();

    private static void Hold(PosixSignalContext context)
    {
        context.Cancel = true;
        var signal = context.Signal switch
        {
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGTERM => 15,
            PosixSignal.SIGHUP => 1,
            _ => 0,
        };
        Interlocked.CompareExchange(ref s_received, signal, 0);
    }

    /// <summary>After the hold: a signal that came during it stops the work here, now that the server's network is whole.</summary>
    public static void ThrowIfReceived(string state)
    {
        // Taken once: a long-running watch that goes on after it is not stopped again by the same signal.
        if (Interlocked.Exchange(ref s_received, 0) is var signal and not 0) throw new InterruptedBySignalException(signal, state);
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        Interlocked.Decrement(ref s_active);
    }
}

/// <summary>A signal (Ctrl-C, SIGTERM, SIGHUP) stopped an apply at a point where the server's own network is whole.</summary>
public sealed class InterruptedBySignalException : Exception
{
    public InterruptedBySignalException(int signal, string state)
        : base($"interrupted by {Name(signal)} once {state}; the rest was not applied")
    {
        Signal = signal;
    }

    public InterruptedBySignalException()
    {
    }

    public InterruptedBySignalException(string message)
        : base(message)
    {
    }

    public InterruptedBySignalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The signal's number.</summary>
    public int Signal { get; }

    /// <summary>What a shell reports for a process ended by the signal: 128 + its number.</summary>
    public int ExitCode => 128 + Signal;

    private static string Name(int signal) => signal switch
    {
        2 => "SIGINT (Ctrl-C)",
        15 => "SIGTERM",
        1 => "SIGHUP",
        _ => "signal " + signal.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
