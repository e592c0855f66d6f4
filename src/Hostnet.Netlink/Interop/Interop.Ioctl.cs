using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // linux/if_tun.h: _IOW('T', n, int)
        internal const uint TUNSETIFF = 0x400454ca;
        internal const uint TUNSETPERSIST = 0x400454cb;
        internal const uint TUNSETOWNER = 0x400454cc;

        // linux/if_tun.h
        internal const short IFF_TUN = 0x0001;
        internal const short IFF_TAP = 0x0002;
        internal const short IFF_NO_PI = 0x1000;
        internal const short IFF_VNET_HDR = 0x4000;

        // linux/if.h: struct ifreq is 40 bytes on 64-bit: char ifr_name[IFNAMSIZ]; union { short flags; … }
        internal const int IFNAMSIZ = 16;
        internal const int SizeOfIfReq = 40;

        // ioctl is variadic; every argument we pass is a pointer or an integer, which the
        // x86_64 and aarch64 variadic conventions pass exactly like a fixed argument.
        [LibraryImport(LibraryName, EntryPoint = "ioctl", SetLastError = true)]
        internal static unsafe partial int Ioctl(SafeFdHandle fd, nuint request, void* arg);

        [LibraryImport(LibraryName, EntryPoint = "ioctl", SetLastError = true)]
        internal static partial int Ioctl(SafeFdHandle fd, nuint request, nint arg);
    }
}
