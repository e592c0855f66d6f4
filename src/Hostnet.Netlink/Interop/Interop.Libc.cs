using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

/// <summary>
/// The libc calls Hostnet.Netlink makes, one syscall family per file
/// (<c>Interop.Socket.cs</c>, <c>Interop.Namespace.cs</c>, …). Every call
/// sets the last P/Invoke error; <see cref="Errno"/> is the one gateway that
/// turns a failure into a <see cref="NetlinkException"/>.
/// </summary>
internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const string LibraryName = "libc";

        // fcntl.h (x86_64/aarch64 values)
        internal const int O_RDONLY = 0x0;
        internal const int O_RDWR = 0x2;
        internal const int O_CREAT = 0x40;
        internal const int O_EXCL = 0x80;
        internal const int O_CLOEXEC = 0x80000;

        [LibraryImport(LibraryName, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Open(string path, int flags, int mode);

        [LibraryImport(LibraryName, EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);

        [LibraryImport(LibraryName, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Unlink(string path);
    }
}

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int O_WRONLY = 0x1;

        [LibraryImport(LibraryName, EntryPoint = "read", SetLastError = true)]
        internal static unsafe partial nint Read(SafeFdHandle fd, byte* buf, nuint count);

        [LibraryImport(LibraryName, EntryPoint = "write", SetLastError = true)]
        internal static unsafe partial nint Write(SafeFdHandle fd, byte* buf, nuint count);

        [LibraryImport(LibraryName, EntryPoint = "pread", SetLastError = true)]
        internal static unsafe partial nint Pread(SafeFdHandle fd, byte* buf, nuint count, long offset);

        [LibraryImport(LibraryName, EntryPoint = "pwrite", SetLastError = true)]
        internal static unsafe partial nint Pwrite(SafeFdHandle fd, byte* buf, nuint count, long offset);

        [LibraryImport(LibraryName, EntryPoint = "ftruncate", SetLastError = true)]
        internal static partial int Ftruncate(SafeFdHandle fd, long length);
    }
}
