using System.Security.Cryptography;
using System.Text.Json;

namespace Hostnet.TestKit;

/// <summary>
/// The seed's world out of network namespaces, the way containernetworking's
/// testutils build theirs: a <c>lan</c> namespace holding a bridge, computer X
/// (192.168.200.10/24) on it, and a server namespace whose <c>eth0</c> plugs into
/// the LAN (192.168.200.1/24). Guests are namespaces named with <see cref="Guest"/>.
/// Every name carries a random per-lab prefix; <see cref="Dispose"/> removes
/// every namespace with that prefix, also when the test failed, and a lab whose test
/// process was killed is removed by the next one (<see cref="NamespaceClaims"/>). Nothing is made
/// in the machine's own namespace: links are created directly inside the lab's.
/// </summary>
public sealed class Lab : IDisposable
{
    public const string LanPrefix = "192.168.200.";
    public const string ComputerXAddress = "192.168.200.10";
    public const string ServerAddress = "192.168.200.1";

    /// <summary>Computer X's and the server's IPv6 addresses on the LAN (2001:db8:200::/64), put there by <see cref="AddIpv6"/>.</summary>
    public const string ComputerXAddress6 = "2001:db8:200::10";

    /// <inheritdoc cref="ComputerXAddress6"/>
    public const string ServerAddress6 = "2001:db8:200::1";

    public string Prefix { get; }
    public string LanNs => Prefix + "-lan";
    public string ComputerXNs => Prefix + "-cx";
    public string ServerNs => Prefix + "-srv";

    /// <summary>The state directory of the Hostnet that manages this lab's server.</summary>
    public string StateDir { get; }

    private Lab(string prefix)
    {
        Prefix = prefix;
        StateDir = Path.Combine(Path.GetTempPath(), prefix + "-state");
    }

    /// <summary>A guest namespace name of this lab (removed with it).</summary>
    public string Guest(string vm) => $"{Prefix}-{vm}";

    /// <summary>Builds the LAN, computer X and the server; <paramref name="serverAddress"/> false leaves eth0 without an address.</summary>
    /// <param name="serverAddress">False leaves eth0 without an address.</param>
    /// <param name="prefix">The start of every name (a suite's own, so that its namespaces are told apart).</param>
    public static Lab Create(bool serverAddress = true, string prefix = "hn")
    {
        var lab = new Lab(prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)));
        NamespaceClaims.Claim(lab.Prefix, lab.StateDir);
        try
        {
            lab.Build(serverAddress);
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private void Build(bool serverAddress)
    {
        foreach (var ns in new[] { LanNs, ComputerXNs, ServerNs }) Sh.Ip("netns", "add", ns);
        Sh.Ip("-n", LanNs, "link", "add", "lanbr", "type", "bridge", "stp_state", "0", "forward_delay", "0");
        Sh.Ip("-n", LanNs, "link", "set", "lanbr", "up");
        Plug(ComputerXNs, "cx-port");
        Plug(ServerNs, "srv-port");
        Sh.Ip("-n", ComputerXNs, "addr", "add", ComputerXAddress + "/24", "dev", "eth0");
        if (serverAddress) Sh.Ip("-n", ServerNs, "addr", "add", ServerAddress + "/24", "dev", "eth0");
    }

    /// <summary>IPv6 on the LAN too: computer X and the server's eth0 at their /64 addresses, nodad (usable at once).</summary>
    public Lab AddIpv6()
    {
        Sh.Ip("-n", ComputerXNs, "addr", "add", ComputerXAddress6 + "/64", "dev", "eth0", "nodad");
        Sh.Ip("-n", ServerNs, "addr", "add", ServerAddress6 + "/64", "dev", "eth0", "nodad");
        return this;
    }

    /// <summary>A veth from the LAN bridge to <c>eth0</c> in <paramref name="ns"/>, both made inside the lab.</summary>
    public void Plug(string ns, string portName)
    {
        Sh.Ip("-n", LanNs, "link", "add", portName, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Sh.Ip("-n", LanNs, "link", "set", portName, "master", "lanbr", "up");
        Sh.Ip("-n", ns, "link", "set", "lo", "up");
        Sh.Ip("-n", ns, "link", "set", "eth0", "up");
    }

    /// <summary>
    /// <c>ping -c1</c> from a namespace, up to <paramref name="attempts"/> times (a loaded
    /// machine may lose one); the first reply's time in ms, or null when nothing answered.
    /// </summary>
    public static double? Ping(string ns, string address, int waitSeconds = 2, int attempts = 3)
    {
        for (var i = 0; i < attempts; i++)
        {
            if (PingOnce(ns, address, waitSeconds) is { } ms) return ms;
        }
        return null;
    }

    private static double? PingOnce(string ns, string address, int waitSeconds)
    {
        var r = Sh.InNetns(ns, "ping", "-c", "1", "-W", waitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), address);
        if (r.ExitCode != 0) return null;
        var at = r.Stdout.IndexOf("time=", StringComparison.Ordinal);
        if (at < 0) return null;
        var end = r.Stdout.IndexOf(' ', at);
        return double.Parse(r.Stdout[(at + 5)..end], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The MAC of an interface, as <c>ip -j link</c> shows it.</summary>
    public static string Mac(string ns, string dev)
    {
        using var doc = JsonDocument.Parse(Sh.Ip("-n", ns, "-j", "link", "show", "dev", dev));
        return doc.RootElement[0].GetProperty("address").GetString()!;
    }

    /// <summary>The lladdr of a neighbour entry, or null when there is none (or it is not complete).</summary>
    public static string? NeighborMac(string ns, string address)
    {
        using var doc = JsonDocument.Parse(Sh.Ip("-n", ns, "-j", "neigh", "show", "to", address));
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (e.TryGetProperty("lladdr", out var mac)) return mac.GetString();
        }
        return null;
    }

    /// <summary>The namespaces of this lab that still exist.</summary>
    public IReadOnlyList<string> Leftovers() =>
        Sh.Run("ip", ["netns", "list"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0])
            .Where(n => n.StartsWith(Prefix + "-", StringComparison.Ordinal))
            .ToList();

    /// <summary>Removes every namespace with the lab's prefix and its state directory (<see cref="NamespaceClaims"/>).</summary>
    public void Dispose() => NamespaceClaims.Release(Prefix);
}
