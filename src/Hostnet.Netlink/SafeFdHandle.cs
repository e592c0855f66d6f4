using Microsoft.Win32.SafeHandles;

namespace Hostnet.Netlink;

/// <summary>A Linux file descriptor (socket, namespace file, /dev/net/tun) closed exactly once.</summary>
internal sealed class SafeFdHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeFdHandle() : base(ownsHandle: true)
    {
    }

    internal SafeFdHandle(int fd) : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>The raw descriptor; callers keep the handle alive (DangerousAddRef) while the number is in use.</summary>
    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.Libc.Close((int)handle) == 0;

    /// <summary>Wraps a freshly returned descriptor, or throws through the errno gateway when it is -1.</summary>
    internal static SafeFdHandle FromResult(int fd, string operation)
    {
        if (fd < 0) Errno.ThrowLast(operation);
        return new SafeFdHandle(fd);
    }

    /// <summary>open(2) with O_CLOEXEC, EINTR retried.</summary>
    internal static SafeFdHandle Open(string path, int flags, string operation, int mode = 0)
    {
        while (true)
        {
            int fd = Interop.Libc.Open(path, flags | Interop.Libc.O_CLOEXEC, mode);
            if (fd >= 0) return new SafeFdHandle(fd);
            if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.EINTR) Errno.ThrowLast(operation);
        }
    }
}
