namespace Hostnet.Engine.Kernel;

/// <summary>The nftables families Hostnet keeps a <c>hostnet</c> table in.</summary>
public enum FilterFamily
{
    /// <summary>Frames crossing a bridge: what bridged guests send (MAC, ARP, addresses, guards).</summary>
    Bridge,

    /// <summary>IPv4 and IPv6: what routed guests send (before routing), and what reaches the server itself.</summary>
    Inet,

    /// <summary>ARP that reaches the server: what routed guests say in it.</summary>
    Arp,
}

/// <summary>
/// Hostnet's own nftables table in one family: its sets, chains and rules, keyed by interface so that
/// an adapter is a few set elements (<see cref="FilterElement"/>), never a change here. <see cref="Shape"/>
/// sums up what the table holds (sets, chains, each rule's comment); a table whose shape differs from
/// the one wanted (an admin deleted a rule, an older Hostnet made it) is made anew.
/// </summary>
public sealed record FilterTable(FilterFamily Family, string Shape) : KernelObject(Server)
{
    /// <summary>The table's name in every family.</summary>
    public const string Name = "hostnet";

    public override string Identity => $"nft table {FamilyName(Family)} {Name}";
    public override Rank Rank => Rank.FilterTable;

    public override string Describe() => $"nft table {FamilyName(Family)} {Name} ({Filters.HostnetRuleset.For(Family).Summary})";

    /// <summary>nft's name of the family.</summary>
    public static string FamilyName(FilterFamily f) => f switch
    {
        FilterFamily.Bridge => "bridge",
        FilterFamily.Inet => "inet",
        _ => "arp",
    };
}

/// <summary>
/// One element of a set in Hostnet's table of <see cref="Family"/>: <c>vme7b9a73a1.0 . 02:00:5e:10:00:01</c>
/// in <c>mac</c>, <c>vme7b9a73a1.0</c> in <c>mac_on</c>. <see cref="Key"/> is written as nft prints it
/// (parts joined by <c> . </c>), so a listed element and a wanted one compare as strings.
/// </summary>
public sealed record FilterElement(FilterFamily Family, string Set, string Key) : KernelObject(Server)
{
    public override string Identity => $"nft element {FilterTable.FamilyName(Family)} {FilterTable.Name} {Set} {{ {Key} }}";
    public override Rank Rank => Rank.FilterElement;
    public override string Describe() => Identity;
}
