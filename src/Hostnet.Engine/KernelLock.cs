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
/// everybody, <c>watch</c> and the CLI cannot wait for each other in a circle.
/// </summary>
public static class KernelLock
{
    public const string FileName = "kernel.lock";

    /// <summary>Takes the lock of the server whose state lives in <paramref name="stateDir"/>; waits while another holds it.</summary>
    public static IDisposable Take(string stateDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDir);
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the kernel lock is a Linux flock");
        try
        {
            // Made here when the lock comes first on a new server: private, as the state in it.
            Directory.CreateDirectory(stateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException(new Problem("state-dir-not-created", $"cannot create the state directory {stateDir}: {e.Message}", new Remedy.RootOrStateDir()), e);
        }
        return FileLock.Acquire(Path.Combine(stateDir, FileName));
    }
}
