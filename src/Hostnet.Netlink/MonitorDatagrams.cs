using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink;

/// <summary>Turns one message of a monitor's datagram into the events it says (none for a kind the monitor skips); throws <see cref="NetlinkReadException"/> when the message cannot be read.</summary>
internal delegate void MessageDecoder<T>(NetlinkMessage message, List<T> into);

/// <summary>
/// What the kernel's multicast monitors (rtnetlink's and nf_tables') share: datagrams read as they come and
/// turned into events, where a datagram lost (ENOBUFS: the queue overflowed; MSG_TRUNC) or a message that
/// cannot be read becomes one "lost" event and the monitor carries on.
/// </summary>
internal static class MonitorDatagrams
{
    /// <summary>How long one wait for a datagram lasts before the cancellation is looked at again.</summary>
    private const int PollSliceMs = 200;

    /// <summary>
    /// Events as they come, until <paramref name="ct"/> is cancelled (then the sequence ends). Blocks the
    /// enumerating thread. <paramref name="kind"/> names the events in the lost ones' reasons (<c>""</c> or
    /// <c>"nftables "</c>). Only the socket failing throws.
    /// </summary>
    public static IEnumerable<T> Read<T>(RtnlSocket socket, string kind, MessageDecoder<T> decodeOne, Func<string, T> lost, CancellationToken ct)
    {
        var what = kind + "monitor";
        var batch = new List<T>();
        while (!ct.IsCancellationRequested)
        {
            if (!SocketIo.WaitReadable(socket.Handle, PollSliceMs, what)) continue;
            string? dropped = null;
            try
            {
                Decode(socket.ReceiveRaw(what, Interop.Libc.MSG_DONTWAIT), batch, kind, decodeOne, lost);
            }
            catch (NetlinkException e) when (e.Errno == Errno.ENOBUFS)
            {
                dropped = $"the kernel dropped {kind}events: the monitor's queue overflowed (ENOBUFS)";
            }
            catch (NetlinkException e) when (e.Errno == Errno.EMSGSIZE)
            {
                // The datagram was larger than the receive buffer and is gone (MSG_TRUNC).
                dropped = e.Message;
            }
            catch (NetlinkException e) when (e.Errno == Errno.EAGAIN)
            {
                continue;
            }
            if (dropped is not null)
            {
                yield return lost(dropped);
                continue;
            }
            foreach (var e in batch) yield return e;
            batch.Clear();
        }
    }

    /// <summary>
    /// The events of one datagram. Never throws: a message that cannot be read is skipped and, since what it
    /// said is lost, one lost event is added; a broken message header loses the rest of the datagram the same way.
    /// </summary>
    public static void Decode<T>(ReadOnlySpan<byte> datagram, List<T> into, string kind, MessageDecoder<T> decodeOne, Func<string, T> lost)
    {
        string? unreadable = null;
        var reader = new NetlinkReader(datagram);
        while (true)
        {
            NetlinkMessage m;
            try
            {
                if (!reader.TryRead(out m)) break;
            }
            catch (NetlinkReadException e)
            {
                unreadable = e.Message;
                break;
            }
            try
            {
                decodeOne(m, into);
            }
            catch (NetlinkReadException e)
            {
                unreadable ??= e.Message;
            }
        }
        if (unreadable is not null) into.Add(lost($"an {kind}event could not be read: " + unreadable));
    }
}
