using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

/// <summary>
/// An exclusive <c>flock(2)</c> on a file, held until disposed. The kernel releases it with the last
/// descriptor of the open file, so a holder that is killed (SIGKILL included) blocks nobody after it;
/// the descriptor is close-on-exec, so no child inherits the lock. FileStream is no substitute: .NET
/// takes its flock only with <c>LOCK_NB</c> (a sharing violation instead of a wait), and not at all
/// under <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c>.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly SafeFdHandle _fd;

    private FileLock(SafeFdHandle fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Opens (creating it, mode 0600) and locks <paramref name="path"/>; waits while another holds it.</summary>
    public static FileLock Acquire(string path) => Lock(path, wait: true)!;

    /// <summary>As <see cref="Acquire"/> without waiting: null when another holds the lock.</summary>
    public static FileLock? TryAcquire(string path) => Lock(path, wait: false);

    private static FileLock? Lock(string path, bool wait)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fd = SafeFdHandle.Open(path, Interop.Libc.O_RDWR | Interop.Libc.O_CREAT, "open " + path, mode: 0x180 /* 0600 */);
        try
        {
            while (true)
            {
                if (Interop.Libc.Flock(fd, Interop.Libc.LOCK_EX | (wait ? 0 : Interop.Libc.LOCK_NB)) == 0) return new FileLock(fd, path);
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR) continue;
                // EWOULDBLOCK is EAGAIN on Linux.
                if (!wait && errno == Errno.EAGAIN)
                {
                    fd.Dispose();
                    return null;
                }
                Errno.Throw(errno, "flock " + path);
            }
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Releases the lock (closing the descriptor releases the flock).</summary>
    public void Dispose() => _fd.Dispose();
}
