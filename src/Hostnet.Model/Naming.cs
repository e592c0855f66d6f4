using System.Globalization;

namespace Hostnet.Model;

/// <summary>The names the seed's system gives interfaces.</summary>
public static class Naming
{
    /// <summary>The kernel's IFNAMSIZ less the terminating NUL.</summary>
    public const int MaxInterfaceName = 15;

    /// <summary>
    /// <c>vme%08x.%d</c>: the first 32 bits of the VM UUID with bit 31 cleared,
    /// then the adapter index (<c>vme7b9a73a1.0</c>).
    /// </summary>
    public static string HostInterface(Guid uuid, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"vme{HostInterfacePrefix(uuid):x8}.{index}");

    /// <summary>Whether <paramref name="name"/> has the form of a VM's host interface name (<see cref="HostInterface"/>).</summary>
    public static bool IsHostInterface(string? name) =>
        name is { Length: > 12 and <= MaxInterfaceName } && name.StartsWith("vme", StringComparison.Ordinal) && name[11] == '.'
        && name.AsSpan(3, 8).ContainsAnyExcept("0123456789abcdef") is false
        && name.AsSpan(12).ContainsAnyExceptInRange('0', '9') is false;

    /// <summary>
    /// The number in a VM's host interface names: the UUID's first 32 bits (as written,
    /// <c>fb9a73a1-…</c>) with bit 31 cleared. Two VMs with the same number would collide.
    /// </summary>
    public static uint HostInterfacePrefix(Guid uuid) =>
        uint.Parse(uuid.ToString("N").AsSpan(0, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) & 0x7FFFFFFF;

    /// <summary>
    /// The guest's routing table (and rule priority) for routed adapter <paramref name="index"/> &gt; 0:
    /// <c>1000 + index</c>. Its addresses answer through it, out of their own <c>ethN</c>.
    /// </summary>
    public static uint GuestRoutingTable(int index) => 1000 + (uint)index;

    /// <summary>The guest-side interface of adapter <paramref name="index"/>: <c>eth0</c>, <c>eth1</c>, ….</summary>
    public static string GuestInterface(int index) => string.Create(CultureInfo.InvariantCulture, $"eth{index}");

    /// <summary>The namespace of a netns guest when none is named: <c>hostnet-VMNAME</c>.</summary>
    public static string DefaultNetns(string vmName) => "hostnet-" + vmName;
}
