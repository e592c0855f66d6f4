using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Hostnet.Daemon;

/// <summary>
/// The daemon's unix socket: bound with its mode and group, a stale one replaced, a live one refused.
/// </summary>
internal static partial class UnixSocket
{
    /// <summary>0660: root and the socket's group may talk to the daemon, nobody else.</summary>
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>The group given the socket when it exists (<c>groupadd --system hostnet</c>): its members may use the API.</summary>
    public const string Group = "hostnet";

    /// <summary>0755: a directory the daemon makes for its socket lets everyone reach the socket, whose own mode decides.</summary>
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>A socket bound to <paramref name="path"/> with mode 0660, not yet listening.</summary>
    public static Socket Bind(string path)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the daemon's socket is a Linux unix socket");
        try
        {
            var directory = Path.GetDirectoryName(path)!;
            // Made here, it is 0755 whatever the umask; one that exists keeps its mode.
            if (!Directory.Exists(directory)) File.SetUnixFileMode(Directory.CreateDirectory(directory, DirectoryMode).FullName, DirectoryMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonRefusedException($"cannot create the socket's directory {Path.GetDirectoryName(path)}: {e.Message} (run as root, or give --socket PATH)", e);
        }
        ReplaceStale(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, Mode);
            GiveToGroup(path);
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw InUse(path, e);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            throw new DaemonRefusedException($"cannot listen on {path}: {e.Message}", e);
        }
    }

    /// <summary>The socket's group becomes <see cref="Group"/> when that group exists; otherwise it stays the daemon's (root's).</summary>
    private static void GiveToGroup(string path)
    {
        var group = Interop.Getgrnam(Group);
        if (group == 0) return;
        // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }
        var gid = (uint)Marshal.ReadInt32(group, 2 * IntPtr.Size);
        if (Interop.Chown(path, uint.MaxValue, gid) != 0)
            throw new DaemonRefusedException($"cannot give {path} to group {Group}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>Removes the socket file once the daemon has stopped listening on it.</summary>
    public static void Remove(string path)
    {
        if (KindOf(path) == Kind.Socket) File.Delete(path);
    }

    /// <summary>
    /// A socket file nobody listens on (a daemon that died without removing it) is removed; one a daemon
    /// answers on, or a file that is not a socket, is left alone and refused.
    /// </summary>
    private static void ReplaceStale(string path)
    {
        switch (KindOf(path))
        {
            case Kind.None:
                return;
            case Kind.Other:
                throw new DaemonRefusedException($"{path} exists and is not a socket: give another --socket");
        }
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            File.Delete(path);
            return;
        }
        throw InUse(path, null);
    }

    private static DaemonRefusedException InUse(string path, Exception? inner)
    {
        var line = $"a hostnet daemon already serves {path}: stop it first, or give another --socket";
        return inner is null ? new(line) : new(line, inner);
    }

    private enum Kind
    {
        None,
        Socket,
        Other,
    }

    /// <summary>What is at <paramref name="path"/>, the link itself if it is one: .NET does not say whether a file is a socket.</summary>
    private static Kind KindOf(string path)
    {
        var buffer = new byte[Interop.StatxSize];
        if (Interop.Statx(Interop.AT_FDCWD, path, Interop.AT_SYMLINK_NOFOLLOW, Interop.STATX_TYPE, ref buffer[0]) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Interop.ENOENT ? Kind.None : throw new DaemonRefusedException($"cannot look at {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        var mode = BitConverter.ToUInt16(buffer, Interop.StatxModeOffset);
        return (mode & Interop.S_IFMT) == Interop.S_IFSOCK ? Kind.Socket : Kind.Other;
    }

    private static partial class Interop
    {
        // fcntl.h
        public const int AT_FDCWD = -100;
        public const int AT_SYMLINK_NOFOLLOW = 0x100;

        // linux/stat.h: struct statx is 256 bytes on every architecture; stx_mode is the __u16 at offset 28.
        public const uint STATX_TYPE = 0x1;
        public const int StatxSize = 256;
        public const int StatxModeOffset = 28;
        public const int S_IFMT = 0xF000;
        public const int S_IFSOCK = 0xC000;

        // errno.h
        public const int ENOENT = 2;

        /// <summary>The group named <paramref name="name"/> (a pointer to libc's static struct group), or 0 when there is none.</summary>
        [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
        public static partial nint Getgrnam(string name);

        /// <summary>uid <c>(uid_t)-1</c> keeps the owner.</summary>
        [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Chown(string path, uint uid, uint gid);

        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
    }
}
