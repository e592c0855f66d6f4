using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

/// <summary>
/// The one errno gateway: a failed syscall and the negative <c>error</c> of an
/// <c>NLMSG_ERROR</c> both become a <see cref="NetlinkException"/> here.
/// EINTR is retried at the call sites, never reported.
/// </summary>
internal static class Errno
{
    // asm-generic/errno-base.h, asm-generic/errno.h
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EINTR = 4;
    internal const int EIO = 5;
    internal const int ENXIO = 6;
    internal const int E2BIG = 7;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int ENOMEM = 12;
    internal const int EACCES = 13;
    internal const int EFAULT = 14;
    internal const int EBUSY = 16;
    internal const int EEXIST = 17;
    internal const int EXDEV = 18;
    internal const int ENODEV = 19;
    internal const int ENOTDIR = 20;
    internal const int EISDIR = 21;
    internal const int EINVAL = 22;
    internal const int ENFILE = 23;
    internal const int EMFILE = 24;
    internal const int ENOSPC = 28;
    internal const int EROFS = 30;
    internal const int ERANGE = 34;
    internal const int EDEADLK = 35;
    internal const int ENAMETOOLONG = 36;
    internal const int ENOSYS = 38;
    internal const int ENOTEMPTY = 39;
    internal const int ENODATA = 61;
    internal const int ENONET = 64;
    internal const int EPROTO = 71;
    internal const int EOVERFLOW = 75;
    internal const int ENOTSOCK = 88;
    internal const int EMSGSIZE = 90;
    internal const int EPROTONOSUPPORT = 93;
    internal const int EOPNOTSUPP = 95;
    internal const int EAFNOSUPPORT = 97;
    internal const int EADDRINUSE = 98;
    internal const int EADDRNOTAVAIL = 99;
    internal const int ENETDOWN = 100;
    internal const int ENETUNREACH = 101;
    internal const int ENOBUFS = 105;
    internal const int ETIMEDOUT = 110;
    internal const int ECONNREFUSED = 111;
    internal const int EHOSTUNREACH = 113;
    internal const int EALREADY = 114;

    private static readonly Dictionary<int, string> Names = new()
    {
        [EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR", [EIO] = "EIO",
        [ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [EBADF] = "EBADF", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
        [EACCES] = "EACCES", [EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [EXDEV] = "EXDEV",
        [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR", [EINVAL] = "EINVAL", [ENFILE] = "ENFILE",
        [EMFILE] = "EMFILE", [ENOSPC] = "ENOSPC", [EROFS] = "EROFS", [ERANGE] = "ERANGE", [EDEADLK] = "EDEADLK",
        [ENAMETOOLONG] = "ENAMETOOLONG", [ENOSYS] = "ENOSYS", [ENOTEMPTY] = "ENOTEMPTY", [ENODATA] = "ENODATA",
        [ENONET] = "ENONET", [EPROTO] = "EPROTO", [EOVERFLOW] = "EOVERFLOW", [ENOTSOCK] = "ENOTSOCK",
        [EMSGSIZE] = "EMSGSIZE", [EPROTONOSUPPORT] = "EPROTONOSUPPORT", [EOPNOTSUPP] = "EOPNOTSUPP",
        [EAFNOSUPPORT] = "EAFNOSUPPORT", [EADDRINUSE] = "EADDRINUSE", [EADDRNOTAVAIL] = "EADDRNOTAVAIL",
        [ENETDOWN] = "ENETDOWN", [ENETUNREACH] = "ENETUNREACH", [ENOBUFS] = "ENOBUFS", [ETIMEDOUT] = "ETIMEDOUT",
        [ECONNREFUSED] = "ECONNREFUSED", [EHOSTUNREACH] = "EHOSTUNREACH", [EALREADY] = "EALREADY",
    };

    /// <summary>"EEXIST" for 17; "E123" for a number without a name here.</summary>
    internal static string Name(int errno) =>
        Names.TryGetValue(errno, out var name) ? name : "E" + errno.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>strerror(3): "File exists".</summary>
    internal static string Message(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>Errors that a retry may cure: a busy kernel, a full buffer, an interrupted dump.</summary>
    internal static bool IsTransient(int errno) => errno is EAGAIN or EBUSY or ENOBUFS or ENOMEM or EINTR or ETIMEDOUT;

    internal static NetlinkException Exception(int errno, string operation, string? extAck = null) =>
        new(errno, operation, extAck);

    [DoesNotReturn]
    internal static void Throw(int errno, string operation, string? extAck = null) =>
        throw Exception(errno, operation, extAck);

    /// <summary>Throws for the errno the last P/Invoke left behind.</summary>
    [DoesNotReturn]
    internal static void ThrowLast(string operation) => Throw(Marshal.GetLastPInvokeError(), operation);

    /// <summary>For syscalls that return 0 or -1.</summary>
    internal static void Check(int result, string operation)
    {
        if (result < 0) ThrowLast(operation);
    }
}
