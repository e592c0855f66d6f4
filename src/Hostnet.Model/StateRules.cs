using System.Globalization;

namespace Hostnet.Model;

/// <summary>
/// The rules on single values — names, addresses, prefixes, MACs, UUIDs, guest
/// kinds, one adapter against its network — and the parsing of what a user
/// types into them. The rules between objects (in use, duplicate, unknown,
/// colliding) are <see cref="DesiredState"/>'s edits, which call these; the
/// CLI and import go through both, so a rule holds the same everywhere.
/// Each check throws <see cref="ValidationException"/> with one line that says
/// what is wrong and what to do.
/// </summary>
public static partial class StateRules
{
    /// <summary>VM and network names: a letter or digit, then up to 62 of letters, digits, <c>_ . -</c>.</summary>
    public const int MaxNameLength = 63;

    /// <summary>Network namespace names are file names under <c>/run/netns</c>.</summary>
    public const int MaxNetnsNameLength = 255;

    /// <summary>
    /// The highest adapter index: <c>vme7b9a73a1.999</c> is 15 characters, the
    /// kernel's limit for an interface name.
    /// </summary>
    public const int MaxAdapterIndex = 999;

    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !char.IsAsciiLetterOrDigit(name[0])) return false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-')) return false;
        }
        return true;
    }

    /// <summary>What the kernel takes as an interface name: 1–15 bytes, no <c>/</c>, <c>:</c> or whitespace, not <c>.</c> or <c>..</c>.</summary>
    public static bool IsValidInterfaceName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > Naming.MaxInterfaceName || name is "." or "..") return false;
        foreach (var c in name)
        {
            if (c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c) || c > '~') return false;
        }
        return true;
    }

    public static bool IsValidNetnsName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNetnsNameLength || !char.IsAsciiLetterOrDigit(name[0])) return false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-')) return false;
        }
        return true;
    }

    public static void CheckVmName(string name) => CheckName(name, "VM");

    public static void CheckNetworkName(string name) => CheckName(name, "network");

    private static void CheckName(string name, string what)
    {
        if (!IsValidName(name))
        {
            throw new ValidationException(
                "name-invalid", $"'{name}' is not a valid {what} name: use 1-63 letters, digits, '_', '.' or '-', beginning with a letter or digit");
        }
    }

    /// <summary>Checks an interface name the admin gives (an uplink, a bridge).</summary>
    /// <param name="name">The name.</param>
    /// <param name="role">What it names, for the message: <c>uplink</c>, <c>bridge</c>.</param>
    public static void CheckInterfaceName(string name, string role)
    {
        if (name.Length > Naming.MaxInterfaceName)
        {
            throw new ValidationException("interface-name-too-long", string.Create(CultureInfo.InvariantCulture,
                $"{role} name '{name}' is {name.Length} characters long, but the kernel takes at most 15: choose a shorter name"));
        }
        if (!IsValidInterfaceName(name))
        {
            throw new ValidationException(
                "interface-name-invalid", $"'{name}' cannot be an interface name ({role}): use 1-15 characters without '/', ':' or spaces");
        }
        if (name is "all" or "default")
        {
            // /proc/sys/net/ipv4/conf/{all,default}: what Hostnet sets for this "interface" would change every
            // interface (all) or every one made from now on (default).
            throw new ValidationException(
                "interface-name-reserved", $"{role} name '{name}' is the kernel's name for the settings of {(name == "all" ? "every interface" : "every new interface")} (net.ipv4.conf.{name}), not an interface: give the interface's own name");
        }
        if (name.StartsWith("vme", StringComparison.Ordinal))
        {
            throw new ValidationException(
                "interface-name-vme", $"{role} name '{name}' begins with 'vme', which Hostnet keeps for VM adapters: choose another name");
        }
    }

    public static void CheckNetnsName(string name)
    {
        if (!IsValidNetnsName(name))
        {
            throw new ValidationException(
                "netns-name-invalid", $"'{name}' is not a valid network namespace name: use 1-255 letters, digits, '_', '.' or '-', beginning with a letter or digit");
        }
    }

    /// <summary>A guest MAC: unicast, not all zero, and not a host side (first byte <c>fe</c>).</summary>
    public static void CheckMac(MacAddress mac)
    {
        if (mac.IsZero)
        {
            throw new ValidationException("mac-not-an-adapters",
                $"{mac} cannot be an adapter's MAC address: give another", new Remedy.GenerateMac(), ("mac", mac.ToString()));
        }
        if (mac.IsMulticast)
        {
            throw new ValidationException("mac-multicast",
                $"{mac} is a multicast MAC address: give a unicast one (even first byte, e.g. 02:00:00:00:00:01)", new Remedy.GenerateMac(), ("mac", mac.ToString()));
        }
        if (mac.IsHostSide)
        {
            // The server side of every adapter is the guest MAC with first byte fe: a guest MAC that begins
            // with fe is some adapter's server side — its own, for one — and a bridge keeps frames for it.
            throw new ValidationException("mac-host-side",
                $"{mac} begins with fe, which Hostnet keeps for the server side of VM adapters: give a MAC with another first byte (e.g. 02)", new Remedy.GenerateMac(),
                ("mac", mac.ToString()));
        }
    }

    /// <summary>
    /// The gateway of a host-routed network: an address a host can hold. Link-local is allowed:
    /// newer systems route VMs through 169.254.0.1, as LXD/Incus and Calico use 169.254.x.1.
    /// </summary>
    public static void CheckRoutedGateway(IpAddress gateway)
    {
        if (gateway.IsIpv6)
        {
            // The network's IPv6 gateway is fe80::ffff:1:1 on every vme, apart from this one.
            throw new ValidationException("routed-gateway-family",
                $"{gateway} is an IPv6 address: the gateway given for a host-routed network is its IPv4 one (its VMs' IPv6 gateway is {IpAddress.DefaultRoutedGateway6}): give an IPv4 address such as {IpAddress.DefaultRoutedGateway}");
        }
        if (!gateway.IsLinkLocal && SpecialRange(gateway) is { } range)
        {
            throw new ValidationException(
                "gateway-not-unicast", $"{gateway} is {range} and cannot be a gateway: give a unicast address such as {IpAddress.DefaultRoutedGateway}");
        }
    }

    /// <summary>
    /// One address of an adapter on <paramref name="network"/>, on its own:
    /// not a special range, not the network's gateway, /32 when routed, not the
    /// network or broadcast address of its subnet when bridged.
    /// </summary>
    public static void CheckVmAddress(Network network, IpPrefix cidr, IpAddress? adapterGateway = null)
    {
        var a = cidr.Address;
        if (SpecialRange(a) is { } range)
        {
            throw new ValidationException("address-not-unicast", $"{a} is {range} and cannot be a VM address: choose another address");
        }
        if (network.Mode == NetworkMode.HostRouted)
        {
            if (network.Gateway == a || network.Gateway6 == a)
            {
                throw new ValidationException(
                    "address-is-network-gateway", $"{a} is the gateway of network {network.Name} and cannot be a VM address: choose another address");
            }
            if (!cidr.IsHost)
            {
                var host = IpPrefix.Host(a);
                throw new ValidationException(
                    "routed-address-not-host", $"{cidr}: an address on host-routed network {network.Name} is a single host (/{host.PrefixLength}): give it as {a} or {host}");
            }
            return;
        }
        if (cidr.PrefixLength == 0)
        {
            throw new ValidationException(
                "bridged-prefix-zero", $"{cidr}: /0 would put every address on the LAN of bridged network {network.Name}: give the LAN's prefix length, e.g. {a}/24");
        }
        if (a.IsIpv6)
        {
            // IPv6 has no broadcast address; the first address of a subnet is its routers' anycast address (RFC 4291).
            if (cidr.PrefixLength <= 126 && a == cidr.Network)
            {
                var subnet6 = new IpPrefix(cidr.Network, cidr.PrefixLength);
                throw new ValidationException(
                    "address-is-subnet", $"{a} is the subnet-router anycast address of {subnet6} and cannot be a VM address: choose a host address in the subnet");
            }
        }
        else if (cidr.PrefixLength <= 30)
        {
            var subnet = new IpPrefix(cidr.Network, cidr.PrefixLength);
            if (a == cidr.Network)
            {
                throw new ValidationException(
                    "address-is-subnet", $"{a} is the network address of {subnet} and cannot be a VM address: choose a host address in the subnet");
            }
            if (a == cidr.Broadcast)
            {
                throw new ValidationException(
                    "address-is-broadcast", $"{a} is the broadcast address of {subnet} and cannot be a VM address: choose a host address in the subnet");
            }
        }
        if (adapterGateway == a)
        {
            throw new ValidationException("address-is-gateway",
                $"{a} is the adapter's own gateway and cannot also be its address: choose another address", new Remedy.OtherAdapterGateway(), ("address", a.ToString()));
        }
    }

    /// <summary>The rules on one adapter's fields that need no other adapter to decide.</summary>
    public static void CheckAdapterShape(Network network, Adapter adapter)
    {
        if (adapter.Index is < 0 or > MaxAdapterIndex)
        {
            throw new ValidationException("adapter-index-out-of-range", string.Create(CultureInfo.InvariantCulture,
                $"adapter index {adapter.Index} is out of range: use 0 to {MaxAdapterIndex} (the host interface name has at most 15 characters)"));
        }
        if (adapter.Network != network.Name)
        {
            throw new ArgumentException("the adapter is not on this network", nameof(adapter));
        }
        CheckMac(adapter.Mac);
        if (network.Mode == NetworkMode.HostRouted)
        {
            if (adapter.Addresses.Count == 0)
            {
                throw new ValidationException("address-missing",
                    $"an adapter on host-routed network {network.Name} needs an address", new Remedy.GiveIp(), ("network", network.Name));
            }
            if ((adapter.Gateway ?? adapter.Gateway6) is { } gw)
            {
                throw new ValidationException("adapter-gateway-on-host-routed",
                    $"an adapter on host-routed network {network.Name} routes through the network's gateway {(gw.IsIpv6 ? network.Gateway6 : network.Gateway)}", new Remedy.OmitAdapterGateway(gw),
                    ("network", network.Name), ("gateway", gw.ToString()));
            }
        }
        var seen = new HashSet<IpAddress>();
        foreach (var cidr in adapter.Addresses)
        {
            CheckVmAddress(network, cidr, adapter.GatewayOf(cidr.Family));
            if (!seen.Add(cidr.Address))
            {
                throw new ValidationException("address-twice", $"{cidr.Address} is given twice: give each address once");
            }
        }
        if (network.Mode == NetworkMode.Bridged)
        {
            foreach (var gateway in adapter.Gateways) CheckBridgedGateway(adapter, gateway);
        }
    }

    /// <summary>The special-purpose range <paramref name="a"/> lies in, as words; null for an ordinary unicast address.</summary>
    private static string? SpecialRange(IpAddress a) => a.IsIpv6 ? SpecialRange6(a) :
        a.IsUnspecifiedNetwork ? "in 0.0.0.0/8 (this host on this network)"
        : a.IsLoopback ? "a loopback address (127.0.0.0/8)"
        : a.IsLinkLocal ? "a link-local address (169.254.0.0/16)"
        : a.IsMulticast ? "a multicast address (224.0.0.0/4)"
        : a.IsIpv4 && a.Value == uint.MaxValue ? "the limited broadcast address"
        : a.IsReservedOrBroadcast ? "a reserved address (240.0.0.0/4)"
        : null;

    private static string? SpecialRange6(IpAddress a) =>
        a.Value == 0 ? "the unspecified address (::)"
        : a.IsLoopback ? "the loopback address (::1)"
        : a.IsIpv4Mapped ? "an IPv4-mapped address (::ffff:0:0/96)"
        : a.IsReservedOrBroadcast ? "a reserved address (::/8)"
        : a.IsLinkLocal ? "a link-local address (fe80::/10)"
        : a.IsMulticast ? "a multicast address (ff00::/8)"
        : null;
}
