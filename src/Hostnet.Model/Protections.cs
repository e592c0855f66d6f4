namespace Hostnet.Model;

/// <summary>
/// What Hostnet stops a guest from doing through one adapter (DESIGN.md, "Isolation"). Every one is
/// on for a new adapter; each can be switched off per adapter, as LXD/Incus' <c>security.*</c> options.
/// </summary>
[Flags]
public enum Protections
{
    None = 0,

    /// <summary>The guest's frames leave only with its adapter's MAC.</summary>
    Mac = 1,

    /// <summary>The guest's packets leave only from the adapter's own addresses (0.0.0.0 for DHCP discovery where it has none).</summary>
    Addresses = 2,

    /// <summary>The guest's ARP names only its own address and MAC.</summary>
    Arp = 4,

    /// <summary>No DHCP/DHCPv6 server replies, router advertisements, or frames to the IEEE 802.1 reserved group addresses (STP BPDUs, pause, LACP, 802.1X, LLDP) or Cisco's (CDP, VTP, DTP, PVST+) from the guest.</summary>
    Guards = 8,

    /// <summary>The server accepts from the guest only what the adapter needs (ARP, ICMP) and the ports its network opens.</summary>
    Server = 16,

    All = Mac | Addresses | Arp | Guards | Server,
}

/// <summary>The protections' names, as the CLI, the JSON and export spell them.</summary>
public static class ProtectionNames
{
    /// <summary>Each protection with its name, in the order they are shown.</summary>
    public static IReadOnlyList<(Protections Flag, string Name)> Each { get; } =
    [
        (Protections.Mac, "mac"),
        (Protections.Addresses, "addresses"),
        (Protections.Arp, "arp"),
        (Protections.Guards, "guards"),
        (Protections.Server, "server"),
    ];

    /// <summary>The names of the protections that are on, in order.</summary>
    public static IReadOnlyList<string> Names(Protections p) => Each.Where(e => (p & e.Flag) != 0).Select(e => e.Name).ToList();

    /// <summary>The protection of a name; null when there is none of that name.</summary>
    public static Protections? Parse(string name)
    {
        foreach (var (flag, n) in Each)
        {
            if (string.Equals(n, name, StringComparison.Ordinal)) return flag;
        }
        return null;
    }
}

/// <summary>A port the server opens to the VMs of a network: <c>tcp/53</c>, <c>udp/53</c>.</summary>
public sealed record ServerPort(string Protocol, int Port)
{
    public override string ToString() => $"{Protocol}/{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary><c>tcp/53</c> or <c>udp/53</c>; null when it is neither.</summary>
    public static ServerPort? Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) return null;
        var proto = text[..slash];
        if (proto is not ("tcp" or "udp")) return null;
        if (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return null;
        return new ServerPort(proto, port);
    }
}

/// <summary>The protections and server ports as a user gives them, checked.</summary>
public static class ProtectionRules
{
    /// <summary>
    /// <paramref name="current"/> with <paramref name="on"/> switched on and <paramref name="off"/> off; each
    /// names protections (<c>mac</c>, <c>addresses</c>, <c>arp</c>, <c>guards</c>, <c>server</c>, or <c>all</c>).
    /// </summary>
    public static Protections Switch(Protections current, IReadOnlyList<string>? on, IReadOnlyList<string>? off)
    {
        var onFlags = Parse(on);
        var offFlags = Parse(off);
        if ((onFlags & offFlags) is var both && both != Protections.None)
        {
            var name = ProtectionNames.Names(both)[0];
            throw new ValidationException(RefusalCodes.ProtectionOnAndOff, $"protection {name} cannot be switched on and off at once", null, ("protection", name));
        }
        return (current | onFlags) & ~offFlags;
    }

    private static Protections Parse(IReadOnlyList<string>? names)
    {
        var p = Protections.None;
        foreach (var text in names ?? [])
        {
            foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                p |= name == "all" ? Protections.All : ProtectionNames.Parse(name)
                    ?? throw new ValidationException(RefusalCodes.NotAProtection, $"'{name}' is not a protection: give mac, addresses, arp, guards, server or all", null, ("protection", name));
            }
        }
        return p;
    }

    /// <summary>Server ports as given (<c>tcp/53,udp/53</c>, repeatable), in order, each once.</summary>
    public static IReadOnlyList<ServerPort> ParsePorts(IReadOnlyList<string>? texts)
    {
        var result = new List<ServerPort>();
        foreach (var text in texts ?? [])
        {
            foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var port = ServerPort.Parse(item)
                    ?? throw new ValidationException(RefusalCodes.NotAServerPort, $"'{item}' is not a server port: give tcp/PORT or udp/PORT, PORT 1-65535, e.g. tcp/53", null, ("port", item));
                if (!result.Contains(port)) result.Add(port);
            }
        }
        return result;
    }
}
