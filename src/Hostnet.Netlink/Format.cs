using System.Globalization;

namespace Hostnet.Netlink;

internal static class Format
{
    internal static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);
}
