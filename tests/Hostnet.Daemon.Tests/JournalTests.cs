using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// Logs under systemd: when stderr is the journal's stream (<c>$JOURNAL_STREAM</c> names it), an entry in
/// journald's native protocol with structured fields; otherwise a plain line on stderr. The journal is a
/// datagram socket the test binds; the stream a file whose device and inode <c>stat</c> gives.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class JournalTests : IDisposable
{
    private const string NoServer = "hnops-no-server";

    private readonly string _dir = Directory.CreateTempSubdirectory("hnops-journal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>An entry's fields: <c>NAME=value</c> lines, or a name, a newline, a 64-bit little-endian length and the value.</summary>
    private static Dictionary<string, string> Fields(ReadOnlySpan<byte> entry)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        while (entry.Length > 0)
        {
            var end = entry.IndexOf((byte)'\n');
            var equals = entry[..end].IndexOf((byte)'=');
            if (equals >= 0)
            {
                fields[Encoding.ASCII.GetString(entry[..equals])] = Encoding.UTF8.GetString(entry[(equals + 1)..end]);
                entry = entry[(end + 1)..];
            }
            else
            {
                var name = Encoding.ASCII.GetString(entry[..end]);
                var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(entry[(end + 1)..]);
                fields[name] = Encoding.UTF8.GetString(entry.Slice(end + 9, length));
                entry = entry[(end + 9 + length + 1)..];
            }
        }
        return fields;
    }

    /// <summary>The daemon with stderr appended to a file; <paramref name="journalStream"/> says whether $JOURNAL_STREAM names that file.</summary>
    private RunningDaemon Start(string stderr, bool journalStream, string journal)
    {
        File.WriteAllText(stderr, "");
        var socket = Path.Combine(_dir, "h.sock");
        var env = new Dictionary<string, string>
        {
            ["HOSTNET_JOURNAL_SOCKET"] = journal,
            // Another file's device and inode: stderr is not the journal's.
            ["JOURNAL_STREAM"] = Sh.Run("stat", ["-c", "%d:%i", journalStream ? stderr : _dir]).EnsureSuccess("stat").Stdout.Trim(),
        };
        return RunningDaemon.Launch("sh", ["-c", "exec \"$0\" \"$@\" 2>>\"$STDERR\"", HostnetCli.Launcher,
            "--netns", NoServer, "--state-dir", Path.Combine(_dir, "state"), "daemon", "--socket", socket], socket,
            new Dictionary<string, string>(env) { ["STDERR"] = stderr });
    }

    [Fact]
    public async Task With_stderr_the_journals_stream_an_error_is_an_entry_with_structured_fields()
    {
        var path = Path.Combine(_dir, "journal");
        using var journal = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        journal.Bind(new UnixDomainSocketEndPoint(path));
        journal.ReceiveTimeout = 30_000;
        var stderr = Path.Combine(_dir, "stderr");
        using var daemon = Start(stderr, journalStream: true, path);

        // The server's namespace does not exist: the apply fails, a 500 the daemon logs.
        using var response = await daemon.Http.PostAsync(new Uri("/v1/apply", UriKind.Relative), new StringContent(""));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);

        // The request's entry, among those the watch loop writes about the same missing namespace.
        var buffer = new byte[256 * 1024];
        var fields = Fields(buffer.AsSpan(0, journal.Receive(buffer)));
        while (fields.GetValueOrDefault("HOSTNET_EVENT") != "request-failed") fields = Fields(buffer.AsSpan(0, journal.Receive(buffer)));
        Assert.Equal("hostnet", fields["SYSLOG_IDENTIFIER"]);
        Assert.Equal("3", fields["PRIORITY"]);
        Assert.Equal("request-failed", fields["HOSTNET_EVENT"]);
        Assert.Equal("POST", fields["HOSTNET_METHOD"]);
        Assert.Equal("/v1/apply", fields["HOSTNET_PATH"]);
        Assert.StartsWith("POST /v1/apply failed", fields["MESSAGE"], StringComparison.Ordinal);
        daemon.Terminate();
        var written = File.ReadAllText(stderr);
        Assert.True(written.Length == 0, "the daemon wrote on stderr, not to the journal: " + written);
    }

    [Fact]
    public async Task With_stderr_elsewhere_an_error_is_a_line_on_stderr()
    {
        var path = Path.Combine(_dir, "journal");
        using var journal = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        journal.Bind(new UnixDomainSocketEndPoint(path));
        var stderr = Path.Combine(_dir, "stderr");
        using var daemon = Start(stderr, journalStream: false, path);

        using var response = await daemon.Http.PostAsync(new Uri("/v1/apply", UriKind.Relative), new StringContent(""));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        daemon.Terminate();

        Assert.Contains("POST /v1/apply failed", File.ReadAllText(stderr), StringComparison.Ordinal);
        Assert.Equal(0, journal.Available);
    }
}
