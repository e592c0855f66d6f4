using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

/// <summary>libnftables (Debian's <c>libnftables1</c>): nft's own parser and netlink code behind a text/JSON API.</summary>
internal static partial class Interop
{
    internal static partial class Nftables
    {
        internal const string LibraryName = "libnftables.so.1";

        // nftables/libnftables.h
        internal const uint NFT_CTX_DEFAULT = 0;
        internal const uint NFT_CTX_OUTPUT_JSON = 1 << 4;

        [LibraryImport(LibraryName, EntryPoint = "nft_ctx_new")]
        internal static partial SafeNftContextHandle CtxNew(uint flags);

        [LibraryImport(LibraryName, EntryPoint = "nft_ctx_free")]
        internal static partial void CtxFree(nint ctx);

        [LibraryImport(LibraryName, EntryPoint = "nft_ctx_output_set_flags")]
        internal static partial void CtxOutputSetFlags(SafeNftContextHandle ctx, uint flags);

        [LibraryImport(LibraryName, EntryPoint = "nft_ctx_buffer_output")]
        internal static partial int CtxBufferOutput(SafeNftContextHandle ctx);

        [LibraryImport(LibraryName, EntryPoint = "nft_ctx_buffer_error")]
        internal static partial int CtxBufferError(SafeNftContextHandle ctx);

        [LibraryImport(LibraryName, EntryPoint = "nft_ctx_get_output_buffer")]
        internal static partial nint CtxGetOutputBuffer(SafeNftContextHandle ctx);

        [LibraryImport(LibraryName, EntryPoint = "nft_ctx_get_error_buffer")]
        internal static partial nint CtxGetErrorBuffer(SafeNftContextHandle ctx);

        [LibraryImport(LibraryName, EntryPoint = "nft_run_cmd_from_buffer", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int RunCmdFromBuffer(SafeNftContextHandle ctx, string buffer);
    }
}

/// <summary>An <c>nft_ctx</c>, freed once.</summary>
internal sealed class SafeNftContextHandle : SafeHandle
{
    public SafeNftContextHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        Interop.Nftables.CtxFree(handle);
        return true;
    }
}
