namespace Hostnet.Engine.Kernel;

/// <summary>
/// The paths under <c>/proc/sys</c> of settings both address families have, by family: the same
/// setting of IPv6 is asked for with <see cref="IpFamily.Ipv6"/>, not written out again. Settings
/// one family alone has (IPv4's proxy_arp, rp_filter, send_redirects; IPv6's proxy_ndp) are written as they are.
/// </summary>
public static class SysctlPaths
{
    /// <summary><c>net/ipv4/conf/DEV/NAME</c> or <c>net/ipv6/conf/DEV/NAME</c> (DEV may be <c>all</c> or <c>default</c>).</summary>
    public static string Conf(IpFamily family, string device, string name) => $"net/{Directory(family)}/conf/{device}/{name}";

    /// <summary><c>net/ipv4/neigh/DEV/NAME</c> or <c>net/ipv6/neigh/DEV/NAME</c>.</summary>
    public static string Neigh(IpFamily family, string device, string name) => $"net/{Directory(family)}/neigh/{device}/{name}";

    private static string Directory(IpFamily family) => family == IpFamily.Ipv6 ? "ipv6" : "ipv4";
}
