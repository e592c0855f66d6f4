using System.Runtime.InteropServices;

namespace Hostnet.Netlink;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // sys/socket.h, bits/socket_type.h
        internal const int AF_UNSPEC = 0;
        internal const int AF_INET = 2;
        internal const int AF_BRIDGE = 7;
        internal const int AF_NETLINK = 16;
        internal const int AF_PACKET = 17;
        internal const int SOCK_DGRAM = 2;
        internal const int SOCK_RAW = 3;
        internal const int SOCK_NONBLOCK = 0x800;
        internal const int SOCK_CLOEXEC = 0x80000;
        internal const int MSG_DONTWAIT = 0x40;
        internal const int MSG_TRUNC = 0x20;
        internal const int MSG_PEEK = 0x2;

        // asm-generic/socket.h
        internal const int SOL_SOCKET = 1;
        internal const int SO_SNDBUF = 7;
        internal const int SO_RCVBUF = 8;
        internal const int SO_SNDBUFFORCE = 32;
        internal const int SO_RCVBUFFORCE = 33;

        // netinet/in.h
        internal const int IPPROTO_ICMP = 1;

        // poll.h
        internal const short POLLIN = 0x1;

        [StructLayout(LayoutKind.Sequential)]
        internal struct PollFd
        {
            public int Fd;
            public short Events;
            public short REvents;
        }

        [LibraryImport(LibraryName, EntryPoint = "socket", SetLastError = true)]
        internal static partial int Socket(int domain, int type, int protocol);

        [LibraryImport(LibraryName, EntryPoint = "bind", SetLastError = true)]
        internal static unsafe partial int Bind(SafeFdHandle fd, byte* addr, int addrLen);

        [LibraryImport(LibraryName, EntryPoint = "getsockname", SetLastError = true)]
        internal static unsafe partial int GetSockName(SafeFdHandle fd, byte* addr, ref int addrLen);

        [LibraryImport(LibraryName, EntryPoint = "sendto", SetLastError = true)]
        internal static unsafe partial nint SendTo(SafeFdHandle fd, byte* buf, nuint len, int flags, byte* addr, int addrLen);

        [LibraryImport(LibraryName, EntryPoint = "recvfrom", SetLastError = true)]
        internal static unsafe partial nint RecvFrom(SafeFdHandle fd, byte* buf, nuint len, int flags, byte* addr, int* addrLen);

        [LibraryImport(LibraryName, EntryPoint = "setsockopt", SetLastError = true)]
        internal static unsafe partial int SetSockOpt(SafeFdHandle fd, int level, int name, void* value, int len);

        [LibraryImport(LibraryName, EntryPoint = "poll", SetLastError = true)]
        internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);
    }
}
