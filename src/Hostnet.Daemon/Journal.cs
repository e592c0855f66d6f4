using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Hostnet.Daemon;

/// <summary>
/// The daemon's log when systemd runs it: journald's native protocol (one datagram of <c>FIELD=value</c> lines
/// to <c>/run/systemd/journal/socket</c>) with structured fields: <c>MESSAGE</c>, <c>PRIORITY</c>,
/// <c>SYSLOG_IDENTIFIER=hostnet</c>, and each named value of the message as <c>HOSTNET_NAME</c>
/// (<c>{Event}</c> is <c>HOSTNET_EVENT</c>, <c>{Vm}</c> <c>HOSTNET_VM</c>). Used only when stderr is the journal's
/// stream (<c>$JOURNAL_STREAM</c> names its device and inode); otherwise the daemon writes plain lines on stderr.
/// </summary>
internal sealed partial class JournalLoggerProvider : ILoggerProvider
{
    private const string DefaultSocket = "/run/systemd/journal/socket";

    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly UnixDomainSocketEndPoint _journal;

    private JournalLoggerProvider(string path) => _journal = new UnixDomainSocketEndPoint(path);

    /// <summary>The journal's provider when stderr is connected to the journal; otherwise null.</summary>
    public static JournalLoggerProvider? WhenStderrIsJournal()
    {
        if (!OperatingSystem.IsLinux() || !StderrIs(Environment.GetEnvironmentVariable("JOURNAL_STREAM"))) return null;
        // HOSTNET_JOURNAL_SOCKET: another journal socket (for a test, never needed under systemd).
        var path = Environment.GetEnvironmentVariable("HOSTNET_JOURNAL_SOCKET") is { Length: > 0 } p ? p : DefaultSocket;
        return File.Exists(path) ? new JournalLoggerProvider(path) : null;
    }

    public ILogger CreateLogger(string categoryName) => new JournalLogger(this);

    public void Dispose() => _socket.Dispose();

    /// <summary>Sends one entry; a journal that is gone loses it (the daemon serves on).</summary>
    internal void Send(IReadOnlyList<(string Name, string Value)> fields)
    {
        using var entry = new MemoryStream();
        Span<byte> length = stackalloc byte[8];
        foreach (var (name, value) in fields)
        {
            entry.Write(Encoding.ASCII.GetBytes(name));
            var bytes = Encoding.UTF8.GetBytes(value);
            if (value.Contains('\n', StringComparison.Ordinal))
            {
                // A value with a newline: the name, a newline, its length as 64-bit little-endian, the value.
                entry.WriteByte((byte)'\n');
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)bytes.Length);
                entry.Write(length);
            }
            else
            {
                entry.WriteByte((byte)'=');
            }
            entry.Write(bytes);
            entry.WriteByte((byte)'\n');
        }
        try
        {
            lock (_socket) _socket.SendTo(entry.GetBuffer().AsSpan(0, (int)entry.Length), SocketFlags.None, _journal);
        }
        catch (SocketException)
        {
            // The journal is not there, or the entry is too large for a datagram: lost, as a full journal loses it.
        }
    }

    /// <summary>Whether stderr is the file <paramref name="stream"/> (<c>DEVICE:INODE</c>, decimal) names.</summary>
    private static bool StderrIs(string? stream)
    {
        var parts = stream?.Split(':');
        if (parts is not { Length: 2 }
            || !ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var device)
            || !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            return false;
        var buffer = new byte[256];
        if (Statx(2, "", AT_EMPTY_PATH, STATX_INO, ref buffer[0]) != 0) return false;
        // struct statx: stx_ino the __u64 at 32; stx_dev_major and stx_dev_minor the __u32s at 136 and 140.
        var ino = BitConverter.ToUInt64(buffer, 32);
        ulong major = BitConverter.ToUInt32(buffer, 136), minor = BitConverter.ToUInt32(buffer, 140);
        // glibc's makedev: how st_dev, and so $JOURNAL_STREAM, writes the device.
        var dev = ((major & 0xfffff000UL) << 32) | ((major & 0xfffUL) << 8) | ((minor & 0xffffff00UL) << 12) | (minor & 0xffUL);
        return dev == device && ino == inode;
    }

    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_INO = 0x100;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    private sealed class JournalLogger(JournalLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            ArgumentNullException.ThrowIfNull(formatter);
            var message = formatter(state, exception);
            if (exception is not null) message += "\n" + exception;
            var fields = new List<(string, string)>
            {
                ("MESSAGE", message),
                ("PRIORITY", Priority(logLevel)),
                ("SYSLOG_IDENTIFIER", "hostnet"),
            };
            if (eventId.Name is { Length: > 0 } name && !HasField(state, "Event")) fields.Add(("HOSTNET_EVENT", name));
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    if (key == "{OriginalFormat}" || value is null) continue;
                    fields.Add(("HOSTNET_" + FieldName(key), Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
                }
            }
            provider.Send(fields);
        }

        private static bool HasField<TState>(TState state, string key) =>
            state is IReadOnlyList<KeyValuePair<string, object?>> values && values.Any(v => v.Key == key);

        /// <summary>syslog's levels, as journald reads <c>PRIORITY</c>.</summary>
        private static string Priority(LogLevel level) => level switch
        {
            LogLevel.Critical => "2",
            LogLevel.Error => "3",
            LogLevel.Warning => "4",
            LogLevel.Information => "6",
            _ => "7",
        };

        /// <summary><c>RepairedRoute</c> as <c>REPAIRED_ROUTE</c>: a journal field name is upper case letters, digits and underscores.</summary>
        private static string FieldName(string key)
        {
            var name = new StringBuilder();
            for (var i = 0; i < key.Length; i++)
            {
                var c = key[i];
                if (char.IsUpper(c) && i > 0 && char.IsLower(key[i - 1])) name.Append('_');
                name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
            }
            return name.ToString();
        }
    }
}
