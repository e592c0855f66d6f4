using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

/// <summary>Small blocking helpers over the libc socket calls for the packet and ICMP sockets.</summary>
internal static class SocketIo
{
    /// <summary>Waits until <paramref name="fd"/> is readable; false on timeout. EINTR retried.</summary>
    internal static unsafe bool WaitReadable(SafeFdHandle fd, int timeoutMs, string operation)
    {
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            var pfd = new Interop.Libc.PollFd { Fd = fd.Fd, Events = Interop.Libc.POLLIN };
            while (true)
            {
                int n = Interop.Libc.Poll(&pfd, 1, timeoutMs);
                if (n >= 0) return n > 0;
                if (Marshal.GetLastPInvokeError() != Errno.EINTR) Errno.ThrowLast(operation + ": poll");
            }
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    /// <summary>A non-blocking receive: the datagram's length, or -1 when nothing is queued.</summary>
    internal static unsafe int TryReceive(SafeFdHandle fd, Span<byte> buffer, string operation)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Interop.Libc.RecvFrom(fd, p, (nuint)buffer.Length, Interop.Libc.MSG_DONTWAIT, null, null);
                if (n >= 0) return (int)n;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EAGAIN) return -1;
                if (errno != Errno.EINTR) Errno.Throw(errno, operation + ": recvfrom");
            }
        }
    }

    internal static unsafe void SendTo(SafeFdHandle fd, ReadOnlySpan<byte> data, ReadOnlySpan<byte> address, string operation)
    {
        fixed (byte* p = data)
        fixed (byte* a = address)
        {
            while (true)
            {
                nint n = Interop.Libc.SendTo(fd, p, (nuint)data.Length, 0, a, address.Length);
                if (n >= 0) return;
                if (Marshal.GetLastPInvokeError() != Errno.EINTR) Errno.ThrowLast(operation + ": sendto");
            }
        }
    }

    internal static unsafe void Bind(SafeFdHandle fd, ReadOnlySpan<byte> address, string operation)
    {
        fixed (byte* a = address)
        {
            Errno.Check(Interop.Libc.Bind(fd, a, address.Length), operation + ": bind");
        }
    }
}
