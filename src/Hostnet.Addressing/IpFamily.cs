namespace Hostnet.Addressing;

/// <summary>The family of an <see cref="IpAddress"/>. IPv4 is the default (a <c>default</c> address is 0.0.0.0).</summary>
public enum IpFamily : byte
{
    Ipv4 = 0,
    Ipv6 = 1,
}

public static class IpFamilyExtensions
{
    /// <summary>The number of bytes of an address of this family: 4 or 16.</summary>
    public static int ByteLength(this IpFamily family) => family == IpFamily.Ipv6 ? 16 : 4;

    /// <summary>The longest prefix of this family: 32 or 128 (a single host).</summary>
    public static int MaxPrefixLength(this IpFamily family) => family == IpFamily.Ipv6 ? 128 : 32;
}
