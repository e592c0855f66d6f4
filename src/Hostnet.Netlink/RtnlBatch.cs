namespace Hostnet.Netlink;

/// <summary>
/// Many requests written into as few <c>sendmsg</c> calls as the 64 KiB buffer allows, acks
/// matched by sequence number: thousands of changes cost about one syscall per ack read.
/// </summary>
public sealed class RtnlBatch
{
    private readonly RtnlSocket _socket;
    private readonly List<RtnlRequest> _requests = [];

    internal RtnlBatch(RtnlSocket socket) => _socket = socket;

    public RtnlBatch Add(RtnlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _requests.Add(request);
        return this;
    }

    public RtnlBatch AddRange(IEnumerable<RtnlRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var r in requests) Add(r);
        return this;
    }

    public int Count => _requests.Count;

    /// <summary>
    /// Sends all. With <paramref name="stopOnError"/> no further send follows the first failure;
    /// note that requests packed into the same send as the failing one have already been run by
    /// the kernel, and their real results are in the list. Requests never sent have no result.
    /// </summary>
    public IReadOnlyList<RtnlResult> Send(bool stopOnError = true) => _socket.SendBatch(_requests, stopOnError);

    /// <summary>Sends all, stopping at the first failure, and throws it.</summary>
    public void SendOrThrow()
    {
        foreach (var r in Send(stopOnError: true))
        {
            if (r.Error is not null) throw r.Error;
        }
    }
}

/// <summary>The outcome of one request of a batch.</summary>
public readonly record struct RtnlResult(RtnlRequest Request, NetlinkException? Error)
{
    public bool Ok => Error is null;
}
