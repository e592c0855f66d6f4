using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // sys/file.h
        internal const int LOCK_EX = 2;
        internal const int LOCK_NB = 4;

        /// <summary>
        /// flock(2): a lock on the open file description, released when its last descriptor closes —
        /// also when the process is killed — never by another descriptor of the same process.
        /// </summary>
        [LibraryImport(LibraryName, EntryPoint = "flock", SetLastError = true)]
        internal static partial int Flock(SafeFdHandle fd, int operation);
    }
}
