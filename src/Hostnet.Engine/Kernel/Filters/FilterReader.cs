using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Filters;

/// <summary>Lists Hostnet's nftables tables in a namespace, on its thread (libnftables' socket follows the thread).</summary>
internal static class FilterReader
{
    public static IReadOnlyList<FilterListing> Read(NetNamespace ns) => ns.Invoke(() =>
    {
        using var nft = Nftables.Open();
        var result = new List<FilterListing>();
        foreach (var family in FilterJson.HostnetTables(nft.Run("list tables", "nft list tables")))
        {
            var name = FilterTable.FamilyName(family);
            result.Add(FilterJson.Table(family, nft.Run($"list table {name} {FilterTable.Name}", $"nft list table {name} {FilterTable.Name}")));
        }
        return (IReadOnlyList<FilterListing>)result;
    });
}
