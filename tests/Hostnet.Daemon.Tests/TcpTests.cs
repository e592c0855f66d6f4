using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>
/// <c>hostnet daemon --listen ADDR:PORT --tls-cert --tls-key --token-file</c>: the daemon runs inside a network
/// namespace the test makes and listens on its loopback; curl in that namespace is the independent client. The
/// certificate is self-signed, made here; nothing listens outside the namespace.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TcpTests : IDisposable
{
    private const string Address = "127.0.0.1";
    private const int Port = 8443;

    private readonly string _netns = "hnops-tcp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly string _dir = Directory.CreateTempSubdirectory("hnops-tcp-").FullName;
    private readonly string _token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
    private bool _claimed;

    /// <summary>The token with its last digit changed: never the token itself.</summary>
    private string WrongToken => _token[..^1] + (_token[^1] == '0' ? "1" : "0");

    private string StateDir => Path.Combine(_dir, "state");
    private string SocketPath => Path.Combine(_dir, "h.sock");
    private string CertFile => Path.Combine(_dir, "cert.pem");
    private string KeyFile => Path.Combine(_dir, "key.pem");
    private string TokenFile => Path.Combine(_dir, "token");
    private static string Url(string path, string scheme = "https") => $"{scheme}://{Address}:{Port}{path}";

    public void Dispose()
    {
        if (_claimed) NamespaceClaims.Release(_netns);
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The namespace with its loopback up, a self-signed certificate for 127.0.0.1, the token in a 0600 file, and a VM in the state.</summary>
    private void Prepare(UnixFileMode tokenMode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        NamespaceClaims.Claim(_netns);
        _claimed = true;
        Sh.Ip("netns", "add", _netns);
        Sh.Ip("-n", _netns, "link", "set", "lo", "up");

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=hostnet test daemon", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Parse(Address));
        request.CertificateExtensions.Add(names.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(CertFile, cert.ExportCertificatePem());
        File.WriteAllText(KeyFile, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(TokenFile, _token + "\n");
        File.SetUnixFileMode(TokenFile, tokenMode);

        const string state = """
            {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"}],
             "vms":[{"name":"vm1","uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001","guest":"tap","running":false,
                     "adapters":[{"network":"Routed","ips":["192.168.200.201"]}]}]}
            """;
        Sh.Run("ip", ["netns", "exec", _netns, HostnetCli.Launcher, "--state-dir", StateDir, "import", "-"], stdin: state).EnsureSuccess("import");
    }

    private string[] DaemonArgs(string socket) =>
    [
        // --netns too: the daemon's server is the namespace it listens in, never this machine's own network.
        "netns", "exec", _netns, HostnetCli.Launcher, "--netns", _netns, "--state-dir", StateDir, "daemon", "--socket", socket,
        "--listen", $"{Address}:{Port}", "--tls-cert", CertFile, "--tls-key", KeyFile, "--token-file", TokenFile,
    ];

    private RunningDaemon StartDaemon() => RunningDaemon.Launch("ip", DaemonArgs(SocketPath), SocketPath);

    /// <summary>curl in the namespace, trusting the test's certificate: the status, the headers and the body.</summary>
    private (int Exit, int Status, string Headers, string Body) Curl(string url, params string[] more)
    {
        var headers = Path.Combine(_dir, "headers");
        var r = Sh.InNetns(_netns, "curl", ["-sS", "--max-time", "20", "--cacert", CertFile, "-D", headers, "-o", "-", "-w", "\n%{http_code}", .. more, url]);
        var cut = r.Stdout.LastIndexOf('\n');
        var status = cut < 0 ? 0 : int.Parse(r.Stdout[(cut + 1)..], CultureInfo.InvariantCulture);
        return (r.ExitCode, status, File.Exists(headers) ? File.ReadAllText(headers) : "", cut < 0 ? r.Stdout : r.Stdout[..cut] + r.Stderr);
    }

    private static void AssertUnauthorized((int Exit, int Status, string Headers, string Body) answer, string code)
    {
        Assert.True(answer.Status == 401, $"answered {answer.Status}: {answer.Body}");
        Assert.Matches("(?im)^www-authenticate: Bearer", answer.Headers);
        Assert.Matches("(?im)^content-type: application/problem\\+json", answer.Headers);
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
        Assert.DoesNotContain("\n", problem.RootElement.GetProperty("detail").GetString()!, StringComparison.Ordinal);
    }

    [PrivilegedFact]
    public async Task The_right_token_is_answered_as_on_the_socket_a_wrong_or_missing_one_is_401_and_plain_http_fails()
    {
        Prepare();
        using var daemon = StartDaemon();

        // The unix socket needs no token.
        using var onSocket = await daemon.Http.GetAsync(new Uri("/v1/vms", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, onSocket.StatusCode);
        var expected = await onSocket.Content.ReadAsStringAsync();
        Assert.Contains("\"vm1\"", expected, StringComparison.Ordinal);

        var right = Curl(Url("/v1/vms"), "-H", "Authorization: Bearer " + _token);
        Assert.True(right.Exit == 0 && right.Status == 200, $"curl {right.Exit}, status {right.Status}: {right.Body}");
        Assert.Equal(expected, right.Body);

        AssertUnauthorized(Curl(Url("/v1/vms"), "-H", "Authorization: Bearer " + WrongToken), "token-wrong");
        AssertUnauthorized(Curl(Url("/v1/vms")), "token-missing");
        AssertUnauthorized(Curl(Url("/v1/vms"), "-H", "Authorization: Basic " + Convert.ToBase64String("root:"u8)), "token-missing");
        // A write without the token changes nothing.
        AssertUnauthorized(Curl(Url("/v1/vms/vm1"), "-X", "DELETE"), "token-missing");
        Assert.Contains("\"vm1\"", await daemon.Http.GetStringAsync(new Uri("/v1/vms", UriKind.Relative)), StringComparison.Ordinal);

        // Plain HTTP on the TLS port is not served.
        var plain = Curl(Url("/v1/vms", "http"), "-H", "Authorization: Bearer " + _token);
        Assert.True(plain.Exit != 0 && plain.Status != 200, $"plain HTTP answered {plain.Status}: {plain.Body}");
        Assert.DoesNotContain("\"vm1\"", plain.Body, StringComparison.Ordinal);

        // A second daemon on the same port: one line, and the first serves on.
        var second = Sh.Run("ip", DaemonArgs(Path.Combine(_dir, "h2.sock")));
        Assert.NotEqual(0, second.ExitCode);
        Assert.Equal($"hostnet: error: cannot listen on {Address}:{Port}: the port is taken", second.Stderr.Trim());
        Assert.False(File.Exists(Path.Combine(_dir, "h2.sock")));
        Assert.Equal(200, Curl(Url("/v1/vms"), "-H", "Authorization: Bearer " + _token).Status);
    }

    [PrivilegedFact]
    public async Task A_browser_signs_in_with_the_token_once_and_its_cookie_admits_reads_and_same_origin_writes()
    {
        Prepare();
        using var daemon = StartDaemon();
        var jar = Path.Combine(_dir, "cookies");

        // A page opened without a session goes to the sign-in form; an API client still gets its 401.
        var page = Curl(Url("/"), "-H", "Accept: text/html");
        Assert.Equal(303, page.Status);
        Assert.Matches("(?im)^location: /login\\r?$", page.Headers);
        var form = Curl(Url("/login"));
        Assert.Equal(200, form.Status);
        Assert.Contains("name=\"token\"", form.Body, StringComparison.Ordinal);

        // A wrong token: the form again with a 401, and no cookie.
        var wrong = Curl(Url("/login"), "-c", jar, "--data-urlencode", "token=" + WrongToken);
        Assert.Equal(401, wrong.Status);
        Assert.Contains("role=\"alert\"", wrong.Body, StringComparison.Ordinal);
        Assert.DoesNotMatch("(?im)^set-cookie:", wrong.Headers);

        // The right one: a session cookie that is not the token itself.
        var signedIn = Curl(Url("/login"), "-c", jar, "--data-urlencode", "token=" + _token);
        Assert.Equal(303, signedIn.Status);
        var cookie = Assert.Single(signedIn.Headers.Split('\n'), l => l.StartsWith("set-cookie:", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_token, cookie, StringComparison.Ordinal);

        // The cookie admits the page and the API's reads, as the socket answers them.
        Assert.Equal(200, Curl(Url("/"), "-b", jar, "-H", "Accept: text/html").Status);
        var expected = await daemon.Http.GetStringAsync(new Uri("/v1/vms", UriKind.Relative));
        var read = Curl(Url("/v1/vms"), "-b", jar);
        Assert.Equal(200, read.Status);
        Assert.Equal(expected, read.Body);

        // A write by the cookie from another origin (or none) is refused and changes nothing; from the console's own it runs.
        var forged = Curl(Url("/v1/vms/vm1"), "-b", jar, "-X", "DELETE", "-H", "Origin: https://elsewhere.example");
        Assert.Equal(403, forged.Status);
        Assert.Equal(403, Curl(Url("/v1/vms/vm1"), "-b", jar, "-X", "DELETE").Status);
        Assert.Contains("\"vm1\"", await daemon.Http.GetStringAsync(new Uri("/v1/vms", UriKind.Relative)), StringComparison.Ordinal);
        var own = Curl(Url("/v1/vms/vm1"), "-b", jar, "-X", "DELETE", "-H", $"Origin: https://{Address}:{Port}");
        Assert.True(own.Status == 204, $"answered {own.Status}: {own.Body}");
        Assert.DoesNotContain("\"vm1\"", await daemon.Http.GetStringAsync(new Uri("/v1/vms", UriKind.Relative)), StringComparison.Ordinal);

        // A cookie made up without the token admits nothing.
        AssertUnauthorized(Curl(Url("/v1/vms"), "-H", "Cookie: hostnet-console=" + new string('0', 64)), "token-missing");
    }

    [PrivilegedFact]
    public void A_token_file_others_may_read_is_refused_in_one_line_and_nothing_listens()
    {
        Prepare(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var run = Sh.Run("ip", DaemonArgs(SocketPath));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"hostnet: error: the token file {TokenFile} has mode 0644, readable beyond its owner: run `chmod 600 {TokenFile}`", run.Stderr.Trim());
        Assert.Equal("", run.Stdout);
        Assert.False(File.Exists(SocketPath));
        Assert.Equal("", Sh.InNetns(_netns, "ss", "-ltnH").EnsureSuccess("ss").Stdout.Trim());
    }

    [Fact]
    public void A_key_that_is_not_the_certificates_or_an_address_without_a_port_is_one_line_and_nothing_listens()
    {
        using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            using var cert = new CertificateRequest("CN=hostnet test daemon", key, HashAlgorithmName.SHA256)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(CertFile, cert.ExportCertificatePem());
            File.WriteAllText(KeyFile, other.ExportPkcs8PrivateKeyPem());
        }
        File.WriteAllText(TokenFile, _token);
        File.SetUnixFileMode(TokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string[] Daemon(string listen) =>
            ["--netns", _netns, "--state-dir", StateDir, "daemon", "--socket", SocketPath, "--listen", listen, "--tls-cert", CertFile, "--tls-key", KeyFile, "--token-file", TokenFile];

        var mismatched = HostnetCli.Run(Daemon($"{Address}:{Port}"));
        Assert.Equal(1, mismatched.ExitCode);
        Assert.StartsWith($"hostnet: error: cannot read the TLS certificate {CertFile} with its key {KeyFile}: ", mismatched.Stderr, StringComparison.Ordinal);
        Assert.Single(mismatched.Stderr.Trim().Split('\n'));

        var noPort = HostnetCli.Run(Daemon(Address));
        Assert.Equal(1, noPort.ExitCode);
        Assert.Equal($"hostnet: error: --listen {Address} is not ADDR:PORT: give an address and a port, as 0.0.0.0:8443 or [::1]:8443", noPort.Stderr.Trim());
        Assert.False(File.Exists(SocketPath));
    }

    [Fact]
    public void The_four_tcp_options_go_together_a_missing_one_is_a_usage_error()
    {
        var run = HostnetCli.Run(["--netns", _netns, "--state-dir", StateDir, "daemon", "--socket", SocketPath, "--listen", $"{Address}:{Port}", "--tls-cert", CertFile]);

        Assert.Equal(2, run.ExitCode);
        var lines = run.Stderr.Trim().Split('\n');
        Assert.Equal("hostnet: --listen, --tls-cert, --tls-key and --token-file go together: --tls-key and --token-file are missing", lines[0]);
        Assert.False(File.Exists(SocketPath));
    }
}
