using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Hostnet.Daemon.Console;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Hostnet.Daemon;

/// <summary>
/// The daemon's TCP listener for a panel on another machine: TLS with a PEM certificate and key, and a bearer
/// token read from a file only its owner can read. Every request that comes over TCP must carry
/// <c>Authorization: Bearer TOKEN</c>; the unix socket needs none (its file mode is its access control).
/// </summary>
public sealed partial class TcpEndpoint : IDisposable
{
    /// <summary>The SHA-256 of the token: compared in constant time with the SHA-256 of what a request presents.</summary>
    private readonly byte[] _tokenHash;

    /// <summary>The console's sign-in for browsers, which cannot send the bearer header.</summary>
    private readonly ConsoleLogin _login;

    private TcpEndpoint(IPEndPoint endPoint, X509Certificate2 certificate, byte[] tokenHash)
    {
        EndPoint = endPoint;
        Certificate = certificate;
        _tokenHash = tokenHash;
        _login = new ConsoleLogin(tokenHash);
    }

    /// <summary>The address and port listened on.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The server certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// Reads and checks everything the listener needs before anything listens: the address, the certificate
    /// and its key, the token and its file's mode. A fault is a <see cref="DaemonRefusedException"/> of one line.
    /// </summary>
    public static TcpEndpoint Load(string listen, string certificateFile, string keyFile, string tokenFile)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(certificateFile);
        ArgumentNullException.ThrowIfNull(keyFile);
        ArgumentNullException.ThrowIfNull(tokenFile);
        var endPoint = ParseListen(listen);
        var token = ReadToken(tokenFile);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new DaemonRefusedException($"cannot read the TLS certificate {certificateFile} with its key {keyFile}: {OneLine(e.Message)}", e);
        }
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new DaemonRefusedException($"the key {keyFile} is not the private key of the certificate {certificateFile}");
        }
        return new TcpEndpoint(endPoint, certificate, SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    /// <summary><c>ADDR:PORT</c>, an IPv6 address in brackets: <c>0.0.0.0:8443</c>, <c>[::1]:8443</c>.</summary>
    private static IPEndPoint ParseListen(string listen)
    {
        if (!IPEndPoint.TryParse(listen, out var endPoint) || endPoint.Port == 0 || !listen.Contains(':', StringComparison.Ordinal)
            || (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && !listen.StartsWith('[')))
            throw new DaemonRefusedException($"--listen {listen} is not ADDR:PORT: give an address and a port, as 0.0.0.0:8443 or [::1]:8443");
        return endPoint;
    }

    /// <summary>
    /// The token: the file's one line. As ssh refuses a private key others may read, a token file whose mode lets
    /// its group or others in, or that another user owns, is refused.
    /// </summary>
    private static string ReadToken(string file)
    {
        var (found, mode, uid) = Stat(file);
        if (!found) throw new DaemonRefusedException($"the token file {file} does not exist");
        if ((mode & 0x3F) != 0)
            throw new DaemonRefusedException($"the token file {file} has mode {Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0')}, readable beyond its owner: run `chmod 600 {file}`");
        var me = Interop.Geteuid();
        if (uid != me && uid != 0)
            throw new DaemonRefusedException($"the token file {file} belongs to uid {uid}, not to root or to the daemon's user");
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonRefusedException($"cannot read the token file {file}: {e.Message}", e);
        }
        var token = text.Trim();
        if (token.Length == 0) throw new DaemonRefusedException($"the token file {file} is empty: write the token in it");
        if (token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c > '~'))
            throw new DaemonRefusedException($"the token file {file} holds more than one token: write one line of printable ASCII without spaces");
        return token;
    }

    /// <summary>
    /// The middleware: a request that came over TCP without the right bearer token is answered 401 with a
    /// problem and <c>WWW-Authenticate: Bearer</c>, and goes no further; one over the unix socket passes. A
    /// browser signs in at <c>/login</c> and is then admitted by its session cookie (its writes only from the
    /// console's own origin); a browser opening a page without either is sent to <c>/login</c>.
    /// </summary>
    public Task Authorize(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.Connection.LocalIpAddress is null) return next(context);
        var request = context.Request;
        if (request.Path.Equals(ConsoleLogin.LoginPath, StringComparison.Ordinal)) return _login.Handle(context, IsToken);
        // The sign-in form's style sheet, nothing else, is served to whoever asks.
        if (HttpMethods.IsGet(request.Method) && request.Path.Equals("/console/console.css", StringComparison.Ordinal)) return next(context);
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            if (_login.HasSession(request))
            {
                return ConsoleLogin.SameOrigin(request)
                    ? next(context)
                    : Problems.Write(context, new ProblemDocument("about:blank", ReasonPhrases.GetReasonPhrase(StatusCodes.Status403Forbidden),
                        StatusCodes.Status403Forbidden, "a write signed in by the console's cookie must come from the console's own page", "origin-refused"));
            }
            if (ConsoleLogin.IsPageLoad(request)) return ConsoleLogin.RedirectToLogin(context);
            return Unauthorized(context, "Bearer realm=\"hostnet\"", "token-missing", "this API needs a bearer token: send `Authorization: Bearer TOKEN`");
        }
        if (!IsToken(header[scheme.Length..].Trim()))
            return Unauthorized(context, "Bearer realm=\"hostnet\", error=\"invalid_token\"", "token-wrong", "the bearer token is not this daemon's");
        return next(context);
    }

    /// <summary>Whether <paramref name="presented"/> is the token, compared in constant time.</summary>
    private bool IsToken(string presented) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _tokenHash);

    private static Task Unauthorized(HttpContext context, string challenge, string code, string detail)
    {
        context.Response.Headers.WWWAuthenticate = challenge;
        return Problems.Write(context, new ProblemDocument("about:blank", ReasonPhrases.GetReasonPhrase(StatusCodes.Status401Unauthorized),
            StatusCodes.Status401Unauthorized, detail, code));
    }

    /// <summary>
    /// The TCP socket bound to <see cref="EndPoint"/> and listening: a port taken or an address not here is one
    /// line. It listens before the unix socket does, so that once the unix socket answers the port does too
    /// (a connection waits in the backlog until Kestrel accepts it).
    /// </summary>
    internal Socket Bind()
    {
        var socket = new Socket(EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (EndPoint.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = EndPoint.Address.Equals(IPAddress.IPv6Any);
            socket.Bind(EndPoint);
            socket.Listen(512);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var why = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "the port is taken",
                SocketError.AddressNotAvailable => "the address is not one of this server's",
                SocketError.AccessDenied => "permission denied",
                _ => e.Message,
            };
            throw new DaemonRefusedException($"cannot listen on {Format(EndPoint)}: {why}", e);
        }
    }

    /// <summary><c>ADDR:PORT</c> as <c>--listen</c> takes it.</summary>
    public static string Format(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return endPoint.ToString();
    }

    public void Dispose() => Certificate.Dispose();

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Whether <paramref name="path"/> exists (followed if a link), its mode bits and its owner.</summary>
    private static (bool Found, int Mode, uint Uid) Stat(string path)
    {
        var buffer = new byte[Interop.StatxSize];
        if (Interop.Statx(Interop.AT_FDCWD, path, 0, Interop.STATX_MODE | Interop.STATX_UID, ref buffer[0]) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Interop.ENOENT ? (false, 0, 0u) : throw new DaemonRefusedException($"cannot look at {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        return (true, BitConverter.ToUInt16(buffer, Interop.StatxModeOffset), BitConverter.ToUInt32(buffer, Interop.StatxUidOffset));
    }

    private static partial class Interop
    {
        public const int AT_FDCWD = -100;

        // linux/stat.h: struct statx is 256 bytes; stx_uid is the __u32 at offset 20, stx_mode the __u16 at 28.
        public const uint STATX_MODE = 0x2;
        public const uint STATX_UID = 0x8;
        public const int StatxSize = 256;
        public const int StatxUidOffset = 20;
        public const int StatxModeOffset = 28;
        public const int ENOENT = 2;

        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

        [LibraryImport("libc", EntryPoint = "geteuid")]
        public static partial uint Geteuid();
    }
}
