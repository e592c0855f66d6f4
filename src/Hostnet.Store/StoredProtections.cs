using Hostnet.Model;

namespace Hostnet.Store;

/// <summary>How the protections an adapter has off and a network's server ports are written in their columns.</summary>
internal static class StoredProtections
{
    /// <summary>The names of the protections that are off, comma-separated ("" when all are on).</summary>
    public static string Off(Protections on) =>
        string.Join(",", ProtectionNames.Each.Where(e => (on & e.Flag) == 0).Select(e => e.Name));

    /// <summary>Every protection but those named off; an unknown name (a later release's) is ignored.</summary>
    public static Protections On(string off)
    {
        var p = Protections.All;
        foreach (var name in off.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (ProtectionNames.Parse(name) is { } flag) p &= ~flag;
        }
        return p;
    }

    public static string Ports(IReadOnlyList<ServerPort> ports) => string.Join(",", ports);

    public static IReadOnlyList<ServerPort> PortsOf(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ServerPort.Parse).OfType<ServerPort>().ToList();
}
