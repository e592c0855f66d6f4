using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Hostnet.Addressing;

/// <summary>
/// An address with a prefix length, as <c>192.168.200.203/24</c> or <c>2001:db8::1/64</c>: an interface
/// address, a route's destination. The length is 0–32 for IPv4, 0–128 for IPv6.
/// </summary>
public readonly record struct IpPrefix(IpAddress Address, int PrefixLength)
{
    public int PrefixLength { get; } =
        PrefixLength >= 0 && PrefixLength <= Address.Family.MaxPrefixLength()
            ? PrefixLength
            : throw new ArgumentOutOfRangeException(nameof(PrefixLength), PrefixLength, $"a prefix length of {Address} is 0..{Address.Family.MaxPrefixLength()}");

    /// <summary>
    /// A single host: <c>/32</c> for IPv4, <c>/128</c> for IPv6 (a host-routed VM's address, its route,
    /// the gateway on a vme). The one place that decides the host prefix.
    /// </summary>
    public static IpPrefix Host(IpAddress address) => new(address, address.Family.MaxPrefixLength());

    /// <summary>The whole address space of a family, <c>0.0.0.0/0</c> or <c>::/0</c>: a default route's destination.</summary>
    public static IpPrefix Default(IpFamily family) => new(IpAddress.Unspecified(family), 0);

    public IpFamily Family => Address.Family;

    /// <summary>Whether this is a single host (<see cref="Host"/>).</summary>
    public bool IsHost => PrefixLength == Family.MaxPrefixLength();

    /// <summary>The family's all-ones value with the prefix's bits set.</summary>
    private UInt128 Mask
    {
        get
        {
            var bits = Family.MaxPrefixLength();
            var all = bits == 128 ? UInt128.MaxValue : (UInt128)uint.MaxValue;
            return PrefixLength == 0 ? 0 : all & (all << (bits - PrefixLength));
        }
    }

    private UInt128 All => Family == IpFamily.Ipv6 ? UInt128.MaxValue : uint.MaxValue;

    /// <summary>The first address of the subnet.</summary>
    public IpAddress Network => new(Family, Address.Value & Mask);

    /// <summary>The last address of the subnet (IPv4's broadcast address).</summary>
    public IpAddress Broadcast => new(Family, (Address.Value | ~Mask) & All);

    /// <summary>Whether <paramref name="other"/> lies in this address's subnet (never for another family).</summary>
    public bool Contains(IpAddress other) => other.Family == Family && (other.Value & Mask) == (Address.Value & Mask);

    /// <summary>Parses <c>ADDR/N</c>; without <c>/N</c> the prefix is <paramref name="defaultPrefix"/> (null: required).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, int? defaultPrefix, out IpPrefix prefix)
    {
        prefix = default;
        if (text is null) return false;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addrText = slash < 0 ? text : text[..slash];
        if (!IpAddress.TryParse(addrText, out var address)) return false;
        int length;
        if (slash < 0)
        {
            if (defaultPrefix is not { } d || d < 0 || d > address.Family.MaxPrefixLength()) return false;
            length = d;
        }
        else
        {
            var p = text.AsSpan(slash + 1);
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0')) return false;
            foreach (var c in p) if (c is < '0' or > '9') return false;
            length = int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture);
            if (length > address.Family.MaxPrefixLength()) return false;
        }
        prefix = new IpPrefix(address, length);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Address}/{PrefixLength}");
}
