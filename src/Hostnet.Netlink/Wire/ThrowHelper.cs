using System.Diagnostics.CodeAnalysis;

namespace Hostnet.Netlink.Wire;

internal static class ThrowHelper
{
    [DoesNotReturn]
    internal static void ThrowRead(string what) => throw new NetlinkReadException("malformed netlink data: " + what);

    [DoesNotReturn]
    internal static T ThrowRead<T>(string what) => throw new NetlinkReadException("malformed netlink data: " + what);

    [DoesNotReturn]
    internal static void ThrowWriteOverflow(int needed, int available) =>
        throw new InvalidOperationException($"netlink request does not fit its buffer: needs {needed} bytes, {available} left");
}
