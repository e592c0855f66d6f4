using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

/// <summary>
/// nftables through libnftables' API, in one process (no <c>nft</c> per change): commands in nft's
/// language or as JSON in, JSON out. The library's netlink socket belongs to the namespace of the
/// thread that opens the context, so a context is opened, used and disposed on one thread — inside
/// <see cref="NetNamespace.Invoke{T}"/> for a server that is a named namespace.
/// </summary>
public sealed class Nftables : IDisposable
{
    private readonly SafeNftContextHandle _ctx;

    private Nftables(SafeNftContextHandle ctx) => _ctx = ctx;

    /// <summary>A context in the calling thread's network namespace, JSON output, output and errors buffered.</summary>
    public static Nftables Open()
    {
        SafeNftContextHandle ctx;
        try
        {
            ctx = Interop.Nftables.CtxNew(Interop.Nftables.NFT_CTX_DEFAULT);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw Missing();
        }
        if (ctx.IsInvalid)
        {
            ctx.Dispose();
            throw new NetlinkException(Errno.ENOMEM, "nft_ctx_new");
        }
        Interop.Nftables.CtxOutputSetFlags(ctx, Interop.Nftables.NFT_CTX_OUTPUT_JSON);
        Interop.Nftables.CtxBufferOutput(ctx);
        Interop.Nftables.CtxBufferError(ctx);
        return new Nftables(ctx);
    }

    /// <summary>Whether libnftables can be loaded here.</summary>
    public static bool IsAvailable() => NativeLibrary.TryLoad(Interop.Nftables.LibraryName, out var h) && Free(h);

    private static bool Free(nint h)
    {
        NativeLibrary.Free(h);
        return true;
    }

    /// <summary>
    /// Runs commands (nft's language, or a JSON <c>{"nftables": [...]}</c> document) as one
    /// transaction and returns the JSON output (empty for commands that print nothing). A refusal
    /// throws a <see cref="NetlinkException"/> naming <paramref name="operation"/> with nft's first error line.
    /// </summary>
    public string Run(string commands, string operation)
    {
        int rc = Interop.Nftables.RunCmdFromBuffer(_ctx, commands);
        int errno = Marshal.GetLastPInvokeError();
        var output = Read(Interop.Nftables.CtxGetOutputBuffer(_ctx));
        if (rc == 0) return output;
        var error = Read(Interop.Nftables.CtxGetErrorBuffer(_ctx));
        throw new NetlinkException(ErrnoOf(error, errno), operation, FirstLine(error));
    }

    public void Dispose() => _ctx.Dispose();

    private static string Read(nint buffer) => buffer == nint.Zero ? "" : Marshal.PtrToStringUTF8(buffer) ?? "";

    /// <summary>nft says the errno only as its strerror text; the usual ones are mapped back, else EINVAL (a refused command).</summary>
    internal static int ErrnoOf(string error, int lastError)
    {
        if (error.Contains("No such file or directory", StringComparison.Ordinal)) return Errno.ENOENT;
        if (error.Contains("File exists", StringComparison.Ordinal)) return Errno.EEXIST;
        if (error.Contains("Operation not permitted", StringComparison.Ordinal)) return Errno.EPERM;
        if (error.Contains("Device or resource busy", StringComparison.Ordinal)) return Errno.EBUSY;
        return lastError is Errno.EPERM or Errno.ENOMEM or Errno.ENOBUFS ? lastError : Errno.EINVAL;
    }

    internal static string FirstLine(string error)
    {
        foreach (var line in error.Split('\n'))
        {
            var t = line.Trim();
            if (t.Length == 0) continue;
            // "internal:0:0-0: Error: Could not process rule: …" → "Could not process rule: …"
            var at = t.IndexOf("Error: ", StringComparison.Ordinal);
            return at >= 0 ? t[(at + 7)..] : t;
        }
        return "nft refused the commands";
    }

    private static NetlinkException Missing() =>
        new(Errno.ENOENT, $"load {Interop.Nftables.LibraryName}", "Hostnet programs its filters through libnftables: install it (Debian/Ubuntu: apt-get install libnftables1)");
}
