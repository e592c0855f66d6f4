using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // linux/magic.h
        internal const long NSFS_MAGIC = 0x6e736673;

        /// <summary>
        /// Room for <c>struct statfs</c> (120 bytes on x86-64 and arm64); only <c>f_type</c>, its first
        /// field (a <c>long</c>), is read.
        /// </summary>
        internal const int StatFsSize = 128;

        /// <summary>statfs(2): the filesystem a path is on; a bind-mounted namespace file is on nsfs.</summary>
        [LibraryImport(LibraryName, EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int StatFs(string path, byte* buf);

        /// <summary>fstatfs(2): as <see cref="StatFs"/>, for an open fd.</summary>
        [LibraryImport(LibraryName, EntryPoint = "fstatfs", SetLastError = true)]
        internal static unsafe partial int FStatFs(SafeFdHandle fd, byte* buf);
    }
}
