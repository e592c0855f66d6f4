using System.Net;
using System.Net.NetworkInformation;
using Hostnet.Model;

namespace Hostnet.Engine.Kernel;

/// <summary>The model's addresses to and from the netlink client's (which knows nothing of the model).</summary>
internal static class NetlinkValues
{
    public static IPAddress ToIp(IpAddress a) => new(a.GetBytes());

    public static IpAddress ToIp(IPAddress a) => IpAddress.FromBytes(a.GetAddressBytes());

    public static PhysicalAddress ToMac(MacAddress m) => new(m.GetBytes());

    /// <summary>The MAC of a link; all-zero when the link has none of Ethernet's length.</summary>
    public static MacAddress ToMac(PhysicalAddress? m) =>
        m is null || m.GetAddressBytes().Length != 6 ? default : MacAddress.FromBytes(m.GetAddressBytes());
}
