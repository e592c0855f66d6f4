using System.Globalization;
using System.Net.NetworkInformation;

namespace Hostnet.Netlink;

internal static class Format
{
    /// <summary>"52:54:00:12:34:56", the way <c>ip</c> prints a link-layer address.</summary>
    internal static string Mac(PhysicalAddress mac) =>
        string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    internal static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
