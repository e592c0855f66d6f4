using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Hostnet.Netlink;

/// <summary>
/// An exclusive <c>flock(2)</c> on a file, held until disposed. The kernel releases it with the last
/// descriptor of the open file, so a holder that is killed (SIGKILL included) blocks nobody after it;
/// the descriptor is close-on-exec, so no child inherits the lock. FileStream is no substitute: .NET
/// takes its flock only with <c>LOCK_NB</c> (a sharing violation instead of a wait), and not at all
/// under <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c>. While held, the file says the holder's pid
/// (one line), so that whoever waits can say whom for; it is emptied again on release.
/// </summary>
public sealed class FileLock : IDisposable
{
    /// <summary>How long a wait sleeps between two tries.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    private readonly SafeFdHandle _fd;

    private FileLock(SafeFdHandle fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Opens (creating it, mode 0600) and locks <paramref name="path"/>; waits while another holds it.</summary>
    public static FileLock Acquire(string path) => Lock(path, null, default, null, out _)!;

    /// <summary>As <see cref="Acquire(string)"/> without waiting: null when another holds the lock.</summary>
    public static FileLock? TryAcquire(string path) => Lock(path, TimeSpan.Zero, default, null, out _);

    /// <summary>
    /// As <see cref="Acquire(string)"/>, waiting at most <paramref name="timeout"/>: null when another still holds the
    /// lock then, with <paramref name="holder"/> its pid when the file says it. <paramref name="waiting"/> is told
    /// once, with the holder's pid when known, when the wait has lasted <paramref name="noticeAfter"/>.
    /// </summary>
    public static FileLock? Acquire(string path, TimeSpan timeout, TimeSpan noticeAfter, Action<int?>? waiting, out int? holder) =>
        Lock(path, timeout, noticeAfter, waiting, out holder);

    private static FileLock? Lock(string path, TimeSpan? timeout, TimeSpan noticeAfter, Action<int?>? waiting, out int? holder)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        holder = null;
        var fd = SafeFdHandle.Open(path, Interop.Libc.O_RDWR | Interop.Libc.O_CREAT, "open " + path, mode: 0x180 /* 0600 */);
        try
        {
            var clock = Stopwatch.StartNew();
            bool told = false;
            while (true)
            {
                bool block = timeout is null;
                if (Interop.Libc.Flock(fd, Interop.Libc.LOCK_EX | (block ? 0 : Interop.Libc.LOCK_NB)) == 0)
                {
                    var taken = new FileLock(fd, path);
                    taken.SayHolder();
                    return taken;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR) continue;
                // EWOULDBLOCK is EAGAIN on Linux.
                if (block || errno != Errno.EAGAIN) Errno.Throw(errno, "flock " + path);
                var waited = clock.Elapsed;
                if (waited >= timeout)
                {
                    holder = HolderOf(fd);
                    fd.Dispose();
                    return null;
                }
                if (!told && waiting is not null && waited >= noticeAfter)
                {
                    told = true;
                    waiting(HolderOf(fd));
                }
                var left = timeout!.Value - waited;
                Thread.Sleep(left < Poll ? left : Poll);
            }
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Writes this process's pid into the file, in place of whatever an earlier holder (killed) left there.</summary>
    private unsafe void SayHolder()
    {
        var line = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        if (Interop.Libc.Ftruncate(_fd, 0) != 0) Errno.ThrowLast("truncate " + Path);
        fixed (byte* p = line)
        {
            while (Interop.Libc.Pwrite(_fd, p, (nuint)line.Length, 0) < 0)
            {
                if (Marshal.GetLastPInvokeError() != Errno.EINTR) Errno.ThrowLast("write " + Path);
            }
        }
    }

    /// <summary>
    /// The pid the holder wrote into the file; null when it says none (a holder that is not a <see cref="FileLock"/>,
    /// or one that has not written yet), or names a process that is gone (a holder killed before it emptied the file).
    /// </summary>
    private static unsafe int? HolderOf(SafeFdHandle fd)
    {
        Span<byte> buffer = stackalloc byte[32];
        nint n;
        fixed (byte* p = buffer)
        {
            do n = Interop.Libc.Pread(fd, p, (nuint)buffer.Length, 0);
            while (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
        }
        if (n <= 0) return null;
        var text = Encoding.ASCII.GetString(buffer[..(int)n]).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            && Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)) ? pid : null;
    }

    /// <summary>Releases the lock (closing the descriptor releases the flock), the file emptied first while it is still held.</summary>
    public void Dispose()
    {
        if (_fd.IsClosed) return;
        _ = Interop.Libc.Ftruncate(_fd, 0);
        _fd.Dispose();
    }
}
