using Hostnet.Model;
using Hostnet.Netlink;

namespace Hostnet.Engine;

/// <summary>
/// One kernel writer per server at a time: every command that programs the server's kernel takes this
/// lock before it plans against the live kernel and holds it until its apply is done, so that two of
/// them never plan against the same kernel and then both create what it lacked (two applies at once
/// failed with <c>add tap vme…: File exists</c>, or flushed each other's neighbour entries by
/// re-setting links half made). Readers (<c>plan</c>, <c>arp</c>, <c>trace</c>, …) never take it.
/// It is a <c>flock</c> on <c>kernel.lock</c> in the state directory, which belongs to one server.
/// Take it before opening a database write transaction, never inside one: with one order for
/// everybody, <c>watch</c> and the CLI cannot wait for each other in a circle. A wait is bounded: a writer
/// behind a hung one says whom it waits for, then gives up.
/// </summary>
public static class KernelLock
{
    public const string FileName = "kernel.lock";

    /// <summary>The environment variable that sets how many seconds a writer waits for the lock (0: not at all).</summary>
    public const string TimeoutVariable = "HOSTNET_LOCK_TIMEOUT";

    /// <summary>How long a writer waits for the lock when nothing says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a wait lasts before the one who waits is told: a turn of a few hundred milliseconds is worth no word.</summary>
    public static readonly TimeSpan NoticeAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The lock of the server whose state lives in <paramref name="stateDir"/>. While another holds it, waits at
    /// most <see cref="Timeout"/>, telling <paramref name="waiting"/> once (with the holder's pid when known) after
    /// <see cref="NoticeAfter"/>; then throws <see cref="KernelLockTimeoutException"/>.
    /// </summary>
    public static IDisposable Take(string stateDir, Action<int?>? waiting = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDir);
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the kernel lock is a Linux flock");
        var timeout = Timeout();
        try
        {
            // Made here when the lock comes first on a new server: private, as the state in it.
            Directory.CreateDirectory(stateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException(new Problem("state-dir-not-created", $"cannot create the state directory {stateDir}: {e.Message}", new Remedy.RootOrStateDir()), e);
        }
        return FileLock.Acquire(Path.Combine(stateDir, FileName), timeout, NoticeAfter, waiting, out var holder)
            ?? throw new KernelLockTimeoutException(holder);
    }

    /// <summary>How long a writer waits: <see cref="TimeoutVariable"/> seconds, else <see cref="DefaultTimeout"/>.</summary>
    public static TimeSpan Timeout()
    {
        var text = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (string.IsNullOrEmpty(text)) return DefaultTimeout;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
            throw new EngineException($"{TimeoutVariable}={text} is not a number of seconds: give how long to wait for another hostnet, 0 not to wait");
        return TimeSpan.FromSeconds(seconds);
    }
}

/// <summary>Another writer held the <see cref="KernelLock"/> for longer than the wait (a hung or very slow <c>hostnet</c>); nothing was changed.</summary>
public sealed class KernelLockTimeoutException : Exception
{
    public KernelLockTimeoutException(int? holderPid)
        : base($"another hostnet{(holderPid is { } pid ? $" (pid {pid})" : "")} is changing this server") => HolderPid = holderPid;

    public KernelLockTimeoutException() : this(holderPid: null) { }

    public KernelLockTimeoutException(string message) : base(message) { }

    public KernelLockTimeoutException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The holder's pid, when the lock file says it.</summary>
    public int? HolderPid { get; }
}
