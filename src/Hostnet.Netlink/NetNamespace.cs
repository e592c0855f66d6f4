using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

/// <summary>
/// An open handle (fd) on a network namespace. <see cref="Invoke{T}"/> runs code inside it on a
/// dedicated thread: <c>setns(2)</c> moves only the calling thread, so namespace work never runs on
/// a thread-pool thread or across an <c>await</c>. Sockets opened inside stay in the namespace and
/// may then be used from any thread.
/// </summary>
public sealed class NetNamespace : IDisposable
{
    /// <summary>Where <c>ip netns</c> keeps named namespaces.</summary>
    public const string RunDirectory = "/run/netns";

    private readonly SafeFdHandle _fd;
    private readonly string _path;

    private NetNamespace(SafeFdHandle fd, string? name, string path)
    {
        _fd = fd;
        Name = name;
        _path = path;
    }

    /// <summary>The name under /run/netns, or null for the current or a process's namespace.</summary>
    public string? Name { get; }

    /// <summary>The file the handle was opened from (<c>/run/netns/lab</c>, <c>/proc/123/ns/net</c>).</summary>
    public string Path => _path;

    internal string DisplayName => Name ?? _path;

    /// <summary>The raw fd; valid while this object is not disposed (callers keep it alive while it is on the wire).</summary>
    internal int Fd => _fd.Fd;

    internal SafeFdHandle Handle => _fd;

    /// <summary>
    /// The namespace of the process: <c>/proc/self/ns/net</c>, which is the namespace of the main
    /// thread (thread-group leader). Hostnet never calls setns on a thread it does not own, so the
    /// main thread and every pool thread stay there; this is the namespace the process started in.
    /// </summary>
    public static NetNamespace Current() =>
        new(SafeFdHandle.Open("/proc/self/ns/net", Interop.Libc.O_RDONLY, "open /proc/self/ns/net"), null, "/proc/self/ns/net");

    /// <summary>
    /// A named namespace, <c>/run/netns/NAME</c>; <see cref="NetlinkException"/> with ENOENT naming it when
    /// missing, and with EINVAL when the file is not a namespace (see <see cref="IsStale"/>) — said here, not
    /// later as a bare <c>setns: EINVAL</c>.
    /// </summary>
    public static NetNamespace Open(string name)
    {
        string path = PathOf(name);
        var fd = SafeFdHandle.Open(path, Interop.Libc.O_RDONLY, $"open netns {name} ({path})");
        try
        {
            if (!IsNamespace(fd))
                throw new NetlinkException(Errno.EINVAL, $"open netns {name}: {path} is not a network namespace but a file left half-made (by a killed `ip netns add`?)");
        }
        catch
        {
            fd.Dispose();
            throw;
        }
        return new(fd, name, path);
    }

    /// <summary>The namespace of a process, <c>/proc/PID/ns/net</c>.</summary>
    public static NetNamespace OpenProcess(int pid)
    {
        string path = $"/proc/{Format.Num(pid)}/ns/net";
        return new(SafeFdHandle.Open(path, Interop.Libc.O_RDONLY, "open " + path), null, path);
    }

    /// <summary>Whether <c>/run/netns/NAME</c> is a network namespace (not just a file of that name).</summary>
    public static bool Exists(string name) => Probe(name) == NamespaceFile.Namespace;

    /// <summary>
    /// Whether <c>/run/netns/NAME</c> is a file but no namespace: what <c>ip netns add</c> (or Hostnet) leaves
    /// when killed between creating the file and bind-mounting the namespace onto it. Entering it fails
    /// with EINVAL; <see cref="Delete"/> removes it.
    /// </summary>
    public static bool IsStale(string name) => Probe(name) == NamespaceFile.Stale;

    private enum NamespaceFile
    {
        Absent,
        Namespace,
        Stale,
    }

    private static unsafe NamespaceFile Probe(string name)
    {
        var path = PathOf(name);
        var buf = stackalloc byte[Interop.Libc.StatFsSize];
        if (Interop.Libc.StatFs(path, buf) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is Errno.ENOENT or Errno.ENOTDIR) return NamespaceFile.Absent;
            Errno.Throw(errno, "statfs " + path);
        }
        // A name that is a directory or a socket under /run/netns is no namespace either.
        if (!File.Exists(path)) return NamespaceFile.Absent;
        return *(nint*)buf == Interop.Libc.NSFS_MAGIC ? NamespaceFile.Namespace : NamespaceFile.Stale;
    }

    private static unsafe bool IsNamespace(SafeFdHandle fd)
    {
        var buf = stackalloc byte[Interop.Libc.StatFsSize];
        Errno.Check(Interop.Libc.FStatFs(fd, buf), "fstatfs");
        return *(nint*)buf == Interop.Libc.NSFS_MAGIC;
    }

    /// <summary>The names under /run/netns, sorted.</summary>
    public static IReadOnlyList<string> List()
    {
        if (!Directory.Exists(RunDirectory)) return [];
        var names = Directory.GetFiles(RunDirectory).Select(System.IO.Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>
    /// Creates a named namespace the way <c>ip netns add</c> does: /run/netns made a shared mount
    /// point (bind-mounted onto itself first when it is not a mount point), an empty file
    /// <c>/run/netns/NAME</c> created exclusively (EEXIST if present), then a thread that unshares
    /// into a new network namespace bind-mounts its <c>/proc/thread-self/ns/net</c> onto that file.
    /// </summary>
    public static NetNamespace Create(string name)
    {
        string path = PathOf(name);
        string op = "add netns " + name;
        Directory.CreateDirectory(RunDirectory);
        MakeRunDirectoryShared(op);

        using (SafeFdHandle.Open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_CREAT | Interop.Libc.O_EXCL, op, mode: 0))
        {
        }
        try
        {
            RunOnDedicatedThread("netns add " + name, () =>
            {
                Errno.Check(Interop.Libc.Unshare(Interop.Libc.CLONE_NEWNET), op + ": unshare");
                Errno.Check(Interop.Libc.Mount("/proc/thread-self/ns/net", path, "none", Interop.Libc.MS_BIND, 0), op + ": bind mount");
                return 0;
            });
        }
        catch
        {
            Interop.Libc.Unlink(path);
            throw;
        }
        return Open(name);
    }

    /// <summary>Removes a named namespace like <c>ip netns del</c>: lazy unmount (MNT_DETACH), then unlink. ENOENT if missing.</summary>
    public static void Delete(string name)
    {
        string path = PathOf(name);
        string op = "delete netns " + name;
        if (!File.Exists(path)) Errno.Throw(Errno.ENOENT, op);
        if (Interop.Libc.Umount2(path, Interop.Libc.MNT_DETACH) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            // EINVAL: not a mount point (a half-made namespace); the file still goes.
            if (errno != Errno.EINVAL) Errno.Throw(errno, op + ": umount");
        }
        Errno.Check(Interop.Libc.Unlink(path), op + ": unlink");
    }

    /// <summary>Runs <paramref name="action"/> on a new dedicated thread that has entered this namespace; exceptions propagate.</summary>
    public T Invoke<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        return RunOnDedicatedThread("netns " + DisplayName, () =>
        {
            Enter();
            return action();
        });
    }

    public void Invoke(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Invoke(() =>
        {
            action();
            return 0;
        });
    }

    /// <summary>
    /// Runs <paramref name="action"/> inside each namespace in turn, on one dedicated thread that
    /// enters them one after another: a thread start per namespace (which spins until the thread
    /// runs) cost more than the work for a server with hundreds of guest namespaces.
    /// </summary>
    public static List<T> InvokeEach<T>(IReadOnlyList<NetNamespace> namespaces, Func<NetNamespace, T> action)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentNullException.ThrowIfNull(action);
        if (namespaces.Count == 0) return [];
        foreach (var ns in namespaces) ObjectDisposedException.ThrowIf(ns._fd.IsClosed, ns);
        return RunOnDedicatedThread("netns " + namespaces[0].DisplayName, () =>
        {
            var results = new List<T>(namespaces.Count);
            foreach (var ns in namespaces)
            {
                ns.Enter();
                results.Add(action(ns));
            }
            return results;
        });
    }

    /// <summary>setns on the calling thread; only for threads this library created.</summary>
    private void Enter()
    {
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added);
            Errno.Check(Interop.Libc.SetNs(_fd, Interop.Libc.CLONE_NEWNET), "setns " + _path);
        }
        finally
        {
            if (added) _fd.DangerousRelease();
        }
    }

    /// <summary>
    /// A fresh OS thread per call: it exits when done, so a thread that changed namespace can
    /// never be handed to anyone else.
    /// </summary>
    private static T RunOnDedicatedThread<T>(string threadName, Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = threadName.Length > 15 ? threadName[..15] : threadName,
        };
        thread.UnsafeStart();
        thread.Join();
        error?.Throw();
        return result;
    }

    private static void MakeRunDirectoryShared(string op)
    {
        // As iproute2: make /run/netns a shared mount so that namespace mounts propagate to
        // other mount namespaces; when it is not yet a mount point (EINVAL), bind it onto itself first.
        if (Interop.Libc.Mount("", RunDirectory, "none", Interop.Libc.MS_SHARED | Interop.Libc.MS_REC, 0) == 0) return;
        int errno = Marshal.GetLastPInvokeError();
        if (errno != Errno.EINVAL) Errno.Throw(errno, op + ": mount --make-rshared " + RunDirectory);
        Errno.Check(Interop.Libc.Mount(RunDirectory, RunDirectory, "none", Interop.Libc.MS_BIND | Interop.Libc.MS_REC, 0),
            op + ": mount --bind " + RunDirectory);
        Errno.Check(Interop.Libc.Mount("", RunDirectory, "none", Interop.Libc.MS_SHARED | Interop.Libc.MS_REC, 0),
            op + ": mount --make-rshared " + RunDirectory);
    }

    private static string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or ".." || name.Contains('\0', StringComparison.Ordinal))
            throw new ArgumentException($"invalid namespace name \"{name}\"", nameof(name));
        return RunDirectory + "/" + name;
    }

    public override string ToString() => DisplayName;

    public void Dispose() => _fd.Dispose();
}
