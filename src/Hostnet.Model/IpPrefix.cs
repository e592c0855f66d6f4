using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Hostnet.Model;

/// <summary>An interface address with its prefix length, as <c>192.168.200.203/24</c>.</summary>
public readonly record struct IpPrefix(IpAddress Address, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);
    public IpAddress Network => new(Address.Value & Mask);
    public IpAddress Broadcast => new(Address.Value | ~Mask);

    /// <summary>Whether <paramref name="other"/> lies in this address's subnet.</summary>
    public bool Contains(IpAddress other) => (other.Value & Mask) == (Address.Value & Mask);

    /// <summary>Parses <c>A.B.C.D/N</c>; without <c>/N</c> the prefix is <paramref name="defaultPrefix"/> (null: required).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, int? defaultPrefix, out IpPrefix cidr)
    {
        cidr = default;
        if (text is null) return false;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addrText = slash < 0 ? text : text[..slash];
        if (!IpAddress.TryParse(addrText, out var address)) return false;
        int prefix;
        if (slash < 0)
        {
            if (defaultPrefix is null) return false;
            prefix = defaultPrefix.Value;
        }
        else
        {
            var p = text[(slash + 1)..];
            if (p.Length is 0 or > 2 || (p.Length > 1 && p[0] == '0')) return false;
            foreach (var c in p) if (c is < '0' or > '9') return false;
            prefix = int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture);
            if (prefix > 32) return false;
        }
        cidr = new IpPrefix(address, prefix);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Address}/{PrefixLength}");
}
