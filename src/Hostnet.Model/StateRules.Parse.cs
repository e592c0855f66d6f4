using System.Globalization;

namespace Hostnet.Model;

/// <summary>Text a user typed (an option, an import file) turned into model values, refusing what is malformed.</summary>
public static partial class StateRules
{
    /// <summary>An IPv4 or IPv6 address, as a user gives it (a gateway, an import file's entry).</summary>
    public static IpAddress ParseAddress(string text)
    {
        if (IpAddress.TryParse(text, out var a)) return a;
        throw NotAnAddress(text);
    }

    /// <summary>
    /// A VM address as given with <c>--ip</c>: <c>ADDR</c> or <c>ADDR/PREFIX</c>.
    /// On a host-routed network <c>ADDR</c> alone means a single host (/32, or /128 for IPv6); on a
    /// bridged one the prefix is required.
    /// </summary>
    public static IpPrefix ParseVmAddress(Network network, string text)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IpAddress.TryParse(addressText, out var address)) throw NotAnAddress(addressText);
        if (slash < 0)
        {
            if (network.Mode == NetworkMode.HostRouted) return IpPrefix.Host(address);
            throw new ValidationException(
                "prefix-length-missing", $"{text}: an address on bridged network {network.Name} needs its prefix length: give it as {text}/{(address.IsIpv4 ? 24 : 64)} (or whatever the LAN's prefix is)");
        }
        if (!IpPrefix.TryParse(text, null, out var cidr))
        {
            throw new ValidationException("prefix-length-invalid", $"'{text}' has a bad prefix length: give /0 to /{IpPrefix.Host(address).PrefixLength} after the address, e.g. {address}/{(address.IsIpv4 ? 24 : 64)}");
        }
        return cidr;
    }

    public static MacAddress ParseMac(string text)
    {
        if (MacAddress.TryParse(text, out var mac)) return mac;
        throw new ValidationException("not-a-mac",
            $"'{text}' is not a MAC address: give six hex bytes as 02:00:00:00:00:01", new Remedy.GenerateMac(), ("text", text));
    }

    /// <summary>A VM UUID: 32 hex digits, with or without the dashes of 7b9a73a1-5c2e-4d1a-9f3b-000000000001.</summary>
    public static Guid ParseUuid(string text)
    {
        if (Guid.TryParseExact(text, "D", out var g) || Guid.TryParseExact(text, "N", out g)) return g;
        throw new ValidationException("not-a-uuid",
            $"'{text}' is not a UUID: give one as 7b9a73a1-5c2e-4d1a-9f3b-000000000001", new Remedy.GenerateUuid(), ("text", text));
    }

    /// <summary><c>tap</c> (also when null), <c>netns</c> (the namespace named after the VM) or <c>netns:NAME</c>.</summary>
    public static Guest ParseGuest(string? text, string vmName)
    {
        if (text is null or "tap") return Guest.Tap;
        if (text == "netns") return Guest.Netns(Naming.DefaultNetns(vmName));
        if (text.StartsWith("netns:", StringComparison.Ordinal))
        {
            var name = text["netns:".Length..];
            CheckNetnsName(name);
            return Guest.Netns(name);
        }
        throw new ValidationException("not-a-guest-kind", $"'{text}' is not a guest kind: give tap (a QEMU/KVM guest), netns or netns:NAME");
    }

    /// <summary>An adapter reference: <c>net0</c> or <c>0</c>.</summary>
    public static int ParseAdapterIndex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var digits = text.StartsWith("net", StringComparison.Ordinal) ? text[3..] : text;
        if (digits.Length is > 0 and <= 3 && (digits.Length == 1 || digits[0] != '0') && digits.All(char.IsAsciiDigit))
        {
            return int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        throw new ValidationException("not-an-adapter", $"'{text}' is not an adapter: give net0, net1, ... or 0, 1, ...");
    }

    private static ValidationException NotAnAddress(string text) =>
        text.Contains(':', StringComparison.Ordinal)
            ? new("not-an-address", $"'{text}' is not an IPv6 address: give hex groups as 2001:db8::201")
            : new("not-an-address", $"'{text}' is not an IPv4 address: give four numbers 0-255 as A.B.C.D, e.g. 192.168.200.201");
}
