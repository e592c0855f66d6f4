using System.Text;

namespace Hostnet.Netlink;

/// <summary>
/// /proc/sys/net/… in a given namespace. A /proc/sys/net file belongs to the namespace of the
/// thread that opens it, so each call opens the file on a thread inside <c>ns</c>. Paths are
/// slash-separated and relative to /proc/sys, so an interface name with a dot stays one
/// component: <c>net/ipv4/conf/vme7b9a73a1.0/proxy_arp</c>.
/// </summary>
public static class Sysctl
{
    private const string Root = "/proc/sys/";

    public static string Read(NetNamespace ns, string path)
    {
        ArgumentNullException.ThrowIfNull(ns);
        string full = FullPath(path);
        return ns.Invoke(() => ReadHere(full));
    }

    public static void Write(NetNamespace ns, string path, string value)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(value);
        string full = FullPath(path);
        ns.Invoke(() => WriteHere(full, value));
    }

    /// <summary>Many writes with one hop into the namespace, in order; the first failure throws.</summary>
    public static void WriteMany(NetNamespace ns, IEnumerable<(string Path, string Value)> items)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(items);
        var list = items.Select(i => (FullPath(i.Path), i.Value ?? throw new ArgumentException("null sysctl value", nameof(items)))).ToList();
        ns.Invoke(() =>
        {
            foreach (var (full, value) in list) WriteHere(full, value);
        });
    }

    /// <summary>Reads on the calling thread (its namespace).</summary>
    internal static unsafe string ReadHere(string full)
    {
        using var fd = SafeFdHandle.Open(full, Interop.Libc.O_RDONLY, "read sysctl " + full);
        byte[] buffer = new byte[4096];
        int total = 0;
        fixed (byte* p = buffer)
        {
            while (total < buffer.Length)
            {
                nint n = Interop.Libc.Read(fd, p + total, (nuint)(buffer.Length - total));
                if (n < 0)
                {
                    if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
                    Errno.ThrowLast("read sysctl " + full);
                }
                if (n == 0) break;
                total += (int)n;
            }
        }
        return Encoding.UTF8.GetString(buffer, 0, total).TrimEnd('\n');
    }

    internal static unsafe void WriteHere(string full, string value)
    {
        string op = $"write sysctl {full} = {value}";
        using var fd = SafeFdHandle.Open(full, Interop.Libc.O_WRONLY, op);
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        fixed (byte* p = bytes)
        {
            while (true)
            {
                nint n = Interop.Libc.Write(fd, p, (nuint)bytes.Length);
                if (n >= 0) return; // proc_sys writes take the whole value in one call
                if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.EINTR) Errno.ThrowLast(op);
            }
        }
    }

    private static string FullPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var parts = path.Split('/');
        if (path.StartsWith('/') || parts.Any(p => p.Length == 0 || p is "." or ".."))
            throw new ArgumentException($"sysctl path \"{path}\" must be relative to /proc/sys, slash-separated, without . or ..", nameof(path));
        return Root + path;
    }
}
