namespace Hostnet.Model;

/// <summary>
/// A user mistake: the request was refused and nothing was changed. It carries a stable
/// <see cref="Code"/>, the values the words need (<see cref="Arguments"/>), the core's sentence
/// (<see cref="Exception.Message"/>, which names no front end's commands or options) and, when an
/// action mends it, the <see cref="Remedy"/>: a front end says that action in its own words (the CLI
/// prints the line after <c>hostnet: error: </c>). A retry without a change cannot succeed.
/// </summary>
public sealed class ValidationException : Exception
{
    /// <summary>The code of a refusal made without one.</summary>
    public const string Unspecified = "invalid";

    public ValidationException()
    {
    }

    public ValidationException(string message) : base(message)
    {
    }

    public ValidationException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <param name="code">What is wrong, as a stable machine word.</param>
    /// <param name="message">What is wrong, in the core's words.</param>
    /// <param name="remedy">What mends it, when something does.</param>
    /// <param name="arguments">The values the words need.</param>
    public ValidationException(string code, string message, Remedy? remedy = null, params (string Name, string Value)[] arguments) : base(message)
    {
        Code = code;
        Remedy = remedy;
        Arguments = arguments.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);
    }

    /// <summary>What is wrong, as a stable machine word (<c>network-not-found</c>).</summary>
    public string Code { get; } = Unspecified;

    /// <summary>The values the words need: names, addresses.</summary>
    public IReadOnlyDictionary<string, string> Arguments { get; } = new Dictionary<string, string>();

    /// <summary>What mends it, when something does; a front end says it in its own words.</summary>
    public Remedy? Remedy { get; }
}

/// <summary>The codes of <see cref="ValidationException"/> whose words are a front end's alone: it names its own options for them.</summary>
public static class RefusalCodes
{
    /// <summary>An adapter's addresses were given and cleared in one change.</summary>
    public const string AddressesGivenAndCleared = "addresses-given-and-cleared";

    /// <summary>An adapter's gateway was given and cleared in one change.</summary>
    public const string GatewayGivenAndCleared = "gateway-given-and-cleared";

    /// <summary>A name that is no protection (argument <c>protection</c>).</summary>
    public const string NotAProtection = "not-a-protection";

    /// <summary>A protection switched on and off in one change (argument <c>protection</c>).</summary>
    public const string ProtectionOnAndOff = "protection-on-and-off";

    /// <summary>A server port that is not <c>tcp/PORT</c> or <c>udp/PORT</c> (argument <c>port</c>).</summary>
    public const string NotAServerPort = "not-a-server-port";

    /// <summary>A network's server ports were given and cleared in one change.</summary>
    public const string ServerPortsGivenAndCleared = "server-ports-given-and-cleared";

    /// <summary>A DNS server that is no usable address (argument <c>dns</c>).</summary>
    public const string NotADnsServer = "not-a-dns-server";

    /// <summary>A network's DNS servers were given and cleared in one change.</summary>
    public const string DnsGivenAndCleared = "dns-given-and-cleared";

    /// <summary>A network's DHCP switched on and off in one change.</summary>
    public const string DhcpOnAndOff = "dhcp-on-and-off";

    /// <summary>A network change that names nothing to change.</summary>
    public const string NothingToChange = "nothing-to-change";
}
