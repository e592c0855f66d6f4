namespace Hostnet.Netlink;

/// <summary>
/// The kernel refused: a netlink request answered with <c>NLMSG_ERROR</c>, or a
/// syscall failed. Carries the raw errno, the operation and object
/// (<c>add route 192.168.200.201/32 dev vme7b9a73a1.0</c>), and the kernel's
/// extended-ack text when it gave one. The message is one line:
/// <c>add route 192.168.200.201/32 dev vme7b9a73a1.0: File exists (EEXIST)</c>.
/// </summary>
public class NetlinkException : Exception
{
    public NetlinkException(int errno, string operation, string? extAck = null)
        : base(Format(errno, operation, extAck))
    {
        Errno = errno;
        Operation = operation;
        ExtAck = string.IsNullOrEmpty(extAck) ? null : extAck;
    }

    public NetlinkException()
        : this(0, "netlink")
    {
    }

    public NetlinkException(string message)
        : base(message)
    {
        Operation = "netlink";
    }

    public NetlinkException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = "netlink";
    }

    /// <summary>The positive errno (17 for EEXIST).</summary>
    public int Errno { get; }

    /// <summary>The errno's symbolic name, "EEXIST".</summary>
    public string ErrnoName => Netlink.Errno.Name(Errno);

    /// <summary>What was being done to what: "add route 10.0.0.1/32 dev x", "setns /run/netns/lab".</summary>
    public string Operation { get; }

    /// <summary>The kernel's extended-ack message (NLMSGERR_ATTR_MSG), when it gave one.</summary>
    public string? ExtAck { get; }

    /// <summary>The object is not there (ENOENT, ENODEV, ESRCH, EADDRNOTAVAIL): a removal found it gone already.</summary>
    public bool IsNotFound => Errno is Netlink.Errno.ENOENT or Netlink.Errno.ENODEV or Netlink.Errno.ESRCH or Netlink.Errno.EADDRNOTAVAIL;

    /// <summary>The object is there already (EEXIST): an add met one, whoever made it.</summary>
    public bool IsAlreadyExists => Errno == Netlink.Errno.EEXIST;

    /// <summary>A route's gateway is not reachable (yet): ENETUNREACH, EHOSTUNREACH, or the EINVAL of "Nexthop has invalid gateway".</summary>
    public bool IsGatewayUnreachable => Errno is Netlink.Errno.ENETUNREACH or Netlink.Errno.EHOSTUNREACH or Netlink.Errno.EINVAL;

    /// <summary>Whether a retry may cure it (EBUSY, EAGAIN, ENOBUFS, …).</summary>
    public bool IsTransient => Netlink.Errno.IsTransient(Errno);

    private static string Format(int errno, string operation, string? extAck)
    {
        var text = $"{operation}: {Netlink.Errno.Message(errno)} ({Netlink.Errno.Name(errno)})";
        return string.IsNullOrEmpty(extAck) ? text : text + " — " + extAck;
    }
}

/// <summary>Malformed netlink wire data: a truncated header, an attribute length past the end, a length too small.</summary>
public sealed class NetlinkReadException : Exception
{
    public NetlinkReadException()
    {
    }

    public NetlinkReadException(string message)
        : base(message)
    {
    }

    public NetlinkReadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
