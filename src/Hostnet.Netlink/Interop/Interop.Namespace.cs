using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // linux/sched.h
        internal const int CLONE_NEWNET = 0x40000000;

        /// <summary>Moves the calling thread (only) into the namespace of <paramref name="fd"/>.</summary>
        [LibraryImport(LibraryName, EntryPoint = "setns", SetLastError = true)]
        internal static partial int SetNs(SafeFdHandle fd, int nstype);

        [LibraryImport(LibraryName, EntryPoint = "unshare", SetLastError = true)]
        internal static partial int Unshare(int flags);
    }
}
