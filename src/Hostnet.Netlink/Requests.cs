using System.Text;
using Hostnet.Netlink.Wire;

namespace Hostnet.Netlink;

/// <summary>
/// One change to the kernel, immutable. <see cref="Describe"/> names the operation and object
/// the way an operator reads it (<c>add route 192.168.200.201/32 dev vme7b9a73a1.0</c>);
/// it is the start of the message of any <see cref="NetlinkException"/> it causes.
/// </summary>
public abstract record RtnlRequest
{
    private protected RtnlRequest()
    {
    }

    public abstract string Describe();

    /// <summary>Writes the request as one netlink message with NLM_F_REQUEST|NLM_F_ACK.</summary>
    internal abstract void Encode(ref NetlinkWriter writer, uint seq);

    /// <summary>
    /// A second step sent only once this request has been acknowledged, in the next send; its
    /// failure is reported as this request's.
    /// </summary>
    internal virtual RtnlRequest? FollowUp => null;

    /// <summary>A namespace whose fd the encoded message carries; kept open until the message is sent.</summary>
    internal virtual NetNamespace? ReferencedNamespace => null;

    internal static ushort NewFlags(bool replace) =>
        (ushort)(Native.NLM_F_REQUEST | Native.NLM_F_ACK | Native.NLM_F_CREATE | (replace ? Native.NLM_F_REPLACE : Native.NLM_F_EXCL));

    internal const ushort ChangeFlags = Native.NLM_F_REQUEST | Native.NLM_F_ACK;

    /// <summary>The rtnetlink family of an address: AF_INET or AF_INET6.</summary>
    internal static byte Family(IpAddress address) => address.IsIpv6 ? (byte)Native.AF_INET6 : (byte)Interop.Libc.AF_INET;

    /// <summary>A prefix length checked against the address's family (0..32, 0..128).</summary>
    internal static byte Prefix(IpAddress address, int prefixLength, string paramName)
    {
        var max = address.Family.MaxPrefixLength();
        if (prefixLength < 0 || prefixLength > max)
            throw new ArgumentOutOfRangeException(paramName, prefixLength, $"an {(address.IsIpv6 ? "IPv6" : "IPv4")} prefix length is 0..{max}");
        return (byte)prefixLength;
    }

    /// <summary>Refuses a second address of another family than the first (a route's gateway, a query's source).</summary>
    internal static void SameFamily(IpAddress first, IpAddress? second, string paramName)
    {
        if (second is { } s && s.Family != first.Family)
            throw new ArgumentException($"{s} is not of the family of {first}", paramName);
    }
}

/// <summary>A veth pair; the peer may be created directly in another namespace (IFLA_NET_NS_FD).</summary>
public sealed record CreateVeth(
    string Name,
    string PeerName,
    NetNamespace? PeerNamespace = null,
    MacAddress? Mac = null,
    MacAddress? PeerMac = null,
    string? Alias = null,
    bool Up = false) : RtnlRequest
{
    public override string Describe()
    {
        var s = $"add veth {Name} peer {PeerName}";
        return PeerNamespace is { } ns ? s + " netns " + ns.DisplayName : s;
    }

    internal override NetNamespace? ReferencedNamespace => PeerNamespace;

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        int msg = w.BeginMessage(Native.RTM_NEWLINK, NewFlags(false), seq);
        w.WriteIfinfomsg(Interop.Libc.AF_UNSPEC, 0, Up ? Native.IFF_UP : 0, Up ? Native.IFF_UP : 0);
        w.WriteAttributeString(Native.IFLA_IFNAME, Name);
        if (Mac is { } mac) w.WriteAttributeMac(Native.IFLA_ADDRESS, mac);
        int info = w.BeginNested(Native.IFLA_LINKINFO);
        w.WriteAttributeString(Native.IFLA_INFO_KIND, "veth");
        int data = w.BeginNested(Native.IFLA_INFO_DATA);
        // VETH_INFO_PEER carries a whole ifinfomsg followed by the peer's IFLA_* attributes.
        int peer = w.BeginNested(Native.VETH_INFO_PEER);
        w.WriteIfinfomsg(Interop.Libc.AF_UNSPEC, 0, 0, 0);
        w.WriteAttributeString(Native.IFLA_IFNAME, PeerName);
        if (PeerMac is { } peerMac) w.WriteAttributeMac(Native.IFLA_ADDRESS, peerMac);
        if (PeerNamespace is not null) w.WriteAttributeU32(Native.IFLA_NET_NS_FD, (uint)PeerNamespace.Fd);
        w.EndNested(peer);
        w.EndNested(data);
        w.EndNested(info);
        w.EndMessage(msg);
    }

    // The kernel applies IFLA_IFALIAS only when changing a link (do_setlink), never at creation;
    // and it must not touch a same-named link that was already there, so it waits for the ack.
    internal override RtnlRequest? FollowUp => Alias is null ? null : new SetAliasByName(Name, Alias);
}

/// <summary>A bridge; STP off and forward delay 0 by default, as a VM bridge wants.</summary>
public sealed record CreateBridge(
    string Name,
    MacAddress? Mac = null,
    bool StpOff = true,
    uint ForwardDelayCentiseconds = 0,
    bool Up = false) : RtnlRequest
{
    public override string Describe() => $"add bridge {Name}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        int msg = w.BeginMessage(Native.RTM_NEWLINK, NewFlags(false), seq);
        w.WriteIfinfomsg(Interop.Libc.AF_UNSPEC, 0, Up ? Native.IFF_UP : 0, Up ? Native.IFF_UP : 0);
        w.WriteAttributeString(Native.IFLA_IFNAME, Name);
        if (Mac is { } mac) w.WriteAttributeMac(Native.IFLA_ADDRESS, mac);
        int info = w.BeginNested(Native.IFLA_LINKINFO);
        w.WriteAttributeString(Native.IFLA_INFO_KIND, "bridge");
        int data = w.BeginNested(Native.IFLA_INFO_DATA);
        // The bridge takes the forward delay in clock_t (USER_HZ = 100: centiseconds).
        w.WriteAttributeU32(Native.IFLA_BR_FORWARD_DELAY, ForwardDelayCentiseconds);
        if (StpOff) w.WriteAttributeU32(Native.IFLA_BR_STP_STATE, 0);
        w.EndNested(data);
        w.EndNested(info);
        w.EndMessage(msg);
    }
}

/// <summary>An 802.1Q VLAN interface on a parent link.</summary>
public sealed record CreateVlan(string Name, int ParentIndex, ushort VlanId) : RtnlRequest
{
    public override string Describe() => $"add vlan {Name} link {ParentIndex} id {VlanId}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        int msg = w.BeginMessage(Native.RTM_NEWLINK, NewFlags(false), seq);
        w.WriteIfinfomsg(Interop.Libc.AF_UNSPEC, 0, 0, 0);
        w.WriteAttributeString(Native.IFLA_IFNAME, Name);
        w.WriteAttributeU32(Native.IFLA_LINK, (uint)ParentIndex);
        int info = w.BeginNested(Native.IFLA_LINKINFO);
        w.WriteAttributeString(Native.IFLA_INFO_KIND, "vlan");
        int data = w.BeginNested(Native.IFLA_INFO_DATA);
        w.WriteAttributeU16(Native.IFLA_VLAN_ID, VlanId);
        w.EndNested(data);
        w.EndNested(info);
        w.EndMessage(msg);
    }
}

/// <summary>Deletes a link (a veth takes its peer with it; a persistent tap goes too).</summary>
public sealed record DeleteLink(int Index, string NameForMessages) : RtnlRequest
{
    public override string Describe() => $"delete link {NameForMessages}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        int msg = w.BeginMessage(Native.RTM_DELLINK, ChangeFlags, seq);
        w.WriteIfinfomsg(Interop.Libc.AF_UNSPEC, Index, 0, 0);
        w.EndMessage(msg);
    }
}

/// <summary>Changes properties of an existing link; only the properties set are sent.</summary>
public sealed record SetLink(int Index, string NameForMessages) : RtnlRequest
{
    public bool? Up { get; init; }

    public int? Mtu { get; init; }

    public MacAddress? Mac { get; init; }

    /// <summary>The bridge (or bond) to enslave to; 0 = nomaster.</summary>
    public int? MasterIndex { get; init; }

    /// <summary>IFLA_IFALIAS; the empty string clears it.</summary>
    public string? Alias { get; init; }

    public NetNamespace? MoveTo { get; init; }

    internal override NetNamespace? ReferencedNamespace => MoveTo;

    public override string Describe()
    {
        var s = new StringBuilder("set link ").Append(NameForMessages);
        if (Up is { } up) s.Append(up ? " up" : " down");
        if (Mtu is { } mtu) s.Append(" mtu ").Append(Format.Num(mtu));
        if (Mac is { } mac) s.Append(" address ").Append(mac);
        if (MasterIndex is { } master) s.Append(master == 0 ? " nomaster" : " master " + Format.Num(master));
        if (Alias is not null) s.Append(" alias \"").Append(Alias).Append('"');
        if (MoveTo is not null) s.Append(" netns ").Append(MoveTo.DisplayName);
        return s.ToString();
    }

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        int msg = w.BeginMessage(Native.RTM_NEWLINK, ChangeFlags, seq);
        uint change = Up.HasValue ? Native.IFF_UP : 0;
        w.WriteIfinfomsg(Interop.Libc.AF_UNSPEC, Index, Up == true ? Native.IFF_UP : 0, change);
        if (Mtu is { } mtu) w.WriteAttributeU32(Native.IFLA_MTU, (uint)mtu);
        if (Mac is { } mac) w.WriteAttributeMac(Native.IFLA_ADDRESS, mac);
        if (MasterIndex is { } master) w.WriteAttributeU32(Native.IFLA_MASTER, (uint)master);
        if (Alias is not null) w.WriteAttributeString(Native.IFLA_IFALIAS, Alias);
        if (MoveTo is not null) w.WriteAttributeU32(Native.IFLA_NET_NS_FD, (uint)MoveTo.Fd);
        w.EndMessage(msg);
    }
}

/// <summary>Adds an address of either family (IFA_LOCAL = IFA_ADDRESS, as <c>ip addr add</c> does on a non-point-to-point link).</summary>
/// <summary>
/// <c>ip addr add</c>; with <c>NoDad</c> an IPv6 address is made without duplicate address detection
/// (<c>nodad</c>), usable at once rather than tentative for a second.
/// </summary>
public sealed record AddAddress(int IfIndex, string DevName, IpAddress Address, int PrefixLength, RouteScope Scope = RouteScope.Universe, bool Replace = false,
    bool NoDad = false) : RtnlRequest
{
    public override string Describe() => $"{(Replace ? "replace" : "add")} address {Address}/{PrefixLength} dev {DevName}{(NoDad ? " nodad" : "")}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        byte prefix = Prefix(Address, PrefixLength, nameof(PrefixLength));
        int msg = w.BeginMessage(Native.RTM_NEWADDR, NewFlags(Replace), seq);
        // As iproute2 sends it: flags that fit in 8 bits go in the header.
        w.WriteIfaddrmsg(Family(Address), prefix, (byte)(NoDad ? Native.IFA_F_NODAD : 0), (byte)Scope, IfIndex);
        w.WriteAttributeAddress(Native.IFA_LOCAL, Address);
        w.WriteAttributeAddress(Native.IFA_ADDRESS, Address);
        w.EndMessage(msg);
    }
}

public sealed record DeleteAddress(int IfIndex, string DevName, IpAddress Address, int PrefixLength) : RtnlRequest
{
    public override string Describe() => $"delete address {Address}/{PrefixLength} dev {DevName}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        byte prefix = Prefix(Address, PrefixLength, nameof(PrefixLength));
        int msg = w.BeginMessage(Native.RTM_DELADDR, ChangeFlags, seq);
        w.WriteIfaddrmsg(Family(Address), prefix, 0, 0, IfIndex);
        w.WriteAttributeAddress(Native.IFA_LOCAL, Address);
        w.WriteAttributeAddress(Native.IFA_ADDRESS, Address);
        w.EndMessage(msg);
    }
}

/// <summary>
/// A route of either family (its destination's; the gateway and preferred source are of the same). Table above
/// 255 goes in RTA_TABLE; the protocol defaults to RTPROT_BOOT, as with <c>ip route</c>.
/// </summary>
public sealed record RouteSpec(
    IpAddress Destination,
    int PrefixLength,
    int? OutIfIndex,
    string? DevName,
    IpAddress? Gateway = null,
    uint Table = RouteTable.Main,
    RouteProtocol Protocol = RouteProtocol.Boot,
    RouteScope Scope = RouteScope.Universe,
    IpAddress? PreferredSource = null,
    uint? Metric = null)
{
    /// <summary>"192.168.200.201/32 via 10.0.0.1 dev vme7b9a73a1.0 table 100", the way <c>ip route</c> prints it.</summary>
    public override string ToString()
    {
        var s = new StringBuilder().Append(Destination).Append('/').Append(Format.Num(PrefixLength));
        if (Gateway is not null) s.Append(" via ").Append(Gateway);
        if (DevName is not null) s.Append(" dev ").Append(DevName);
        else if (OutIfIndex is { } oif) s.Append(" oif ").Append(Format.Num(oif));
        if (Table != Native.RT_TABLE_MAIN) s.Append(" table ").Append(Format.Num(Table));
        if (Metric is { } metric) s.Append(" metric ").Append(Format.Num(metric));
        return s.ToString();
    }

    internal void Encode(ref NetlinkWriter w, ushort type, ushort flags, uint seq, bool delete)
    {
        byte prefix = RtnlRequest.Prefix(Destination, PrefixLength, nameof(PrefixLength));
        RtnlRequest.SameFamily(Destination, Gateway, nameof(Gateway));
        RtnlRequest.SameFamily(Destination, PreferredSource, nameof(PreferredSource));
        int msg = w.BeginMessage(type, flags, seq);
        byte table = Table < 256 ? (byte)Table : (byte)Native.RT_TABLE_UNSPEC;
        // A delete matches any scope and type unless asked (RT_SCOPE_NOWHERE / RTN_UNSPEC), as `ip route del` does;
        // the protocol still has to match, so a delete never takes another owner's route.
        w.WriteRtmsg(RtnlRequest.Family(Destination), prefix, 0, table, (byte)Protocol,
            delete ? Native.RT_SCOPE_NOWHERE : (byte)Scope, delete ? Native.RTN_UNSPEC : Native.RTN_UNICAST);
        if (prefix > 0) w.WriteAttributeAddress(Native.RTA_DST, Destination);
        if (OutIfIndex is { } oif) w.WriteAttributeU32(Native.RTA_OIF, (uint)oif);
        if (Gateway is { } gateway) w.WriteAttributeAddress(Native.RTA_GATEWAY, gateway);
        if (PreferredSource is { } source) w.WriteAttributeAddress(Native.RTA_PREFSRC, source);
        if (Metric is { } metric) w.WriteAttributeU32(Native.RTA_PRIORITY, metric);
        // As iproute2: a table that fits rtm_table goes there alone, a larger one in RTA_TABLE.
        if (Table >= 256) w.WriteAttributeU32(Native.RTA_TABLE, Table);
        w.EndMessage(msg);
    }
}

public sealed record AddRoute(RouteSpec Route, bool Replace = false) : RtnlRequest
{
    public override string Describe() => $"{(Replace ? "replace" : "add")} route {Route}";

    internal override void Encode(ref NetlinkWriter w, uint seq) =>
        Route.Encode(ref w, Native.RTM_NEWROUTE, NewFlags(Replace), seq, delete: false);
}

public sealed record DeleteRoute(RouteSpec Route) : RtnlRequest
{
    public override string Describe() => $"delete route {Route}";

    internal override void Encode(ref NetlinkWriter w, uint seq) =>
        Route.Encode(ref w, Native.RTM_DELROUTE, ChangeFlags, seq, delete: true);
}

/// <summary>A neighbour entry (ARP for IPv4, NDP for IPv6); permanent by default.</summary>
public sealed record AddNeighbor(int IfIndex, string DevName, IpAddress Address, MacAddress Mac, NeighborState State = NeighborState.Permanent, bool Replace = false) : RtnlRequest
{
    public override string Describe() =>
        $"{(Replace ? "replace" : "add")} neighbor {Address} lladdr {Mac} dev {DevName}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        int msg = w.BeginMessage(Native.RTM_NEWNEIGH, NewFlags(Replace), seq);
        w.WriteNdmsg(Family(Address), IfIndex, (ushort)State, 0);
        w.WriteAttributeAddress(Native.NDA_DST, Address);
        w.WriteAttributeMac(Native.NDA_LLADDR, Mac);
        w.EndMessage(msg);
    }
}

public sealed record DeleteNeighbor(int IfIndex, string DevName, IpAddress Address) : RtnlRequest
{
    public override string Describe() => $"delete neighbor {Address} dev {DevName}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        int msg = w.BeginMessage(Native.RTM_DELNEIGH, ChangeFlags, seq);
        w.WriteNdmsg(Family(Address), IfIndex, 0, 0);
        w.WriteAttributeAddress(Native.NDA_DST, Address);
        w.EndMessage(msg);
    }
}

/// <summary>
/// A proxy (published) ARP or NDP entry, <c>ip neigh add proxy ADDR dev DEV</c>: RTM_NEWNEIGH with NTF_PROXY.
/// The kernel ignores NLM_F_EXCL for proxy entries: adding an existing one succeeds (no EEXIST).
/// </summary>
public sealed record AddProxyNeighbor(int IfIndex, string DevName, IpAddress Address) : RtnlRequest
{
    public override string Describe() => $"add proxy neighbor {Address} dev {DevName}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        int msg = w.BeginMessage(Native.RTM_NEWNEIGH, NewFlags(false), seq);
        w.WriteNdmsg(Family(Address), IfIndex, Native.NUD_PERMANENT, Native.NTF_PROXY);
        w.WriteAttributeAddress(Native.NDA_DST, Address);
        w.EndMessage(msg);
    }
}

public sealed record DeleteProxyNeighbor(int IfIndex, string DevName, IpAddress Address) : RtnlRequest
{
    public override string Describe() => $"delete proxy neighbor {Address} dev {DevName}";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        int msg = w.BeginMessage(Native.RTM_DELNEIGH, ChangeFlags, seq);
        w.WriteNdmsg(Family(Address), IfIndex, 0, Native.NTF_PROXY);
        w.WriteAttributeAddress(Native.NDA_DST, Address);
        w.EndMessage(msg);
    }
}

/// <summary>IFLA_IFALIAS on a link found by name (RTM_NEWLINK with ifi_index 0 and IFLA_IFNAME).</summary>
internal sealed record SetAliasByName(string Name, string Alias) : RtnlRequest
{
    public override string Describe() => $"set link {Name} alias \"{Alias}\"";

    internal override void Encode(ref NetlinkWriter w, uint seq)
    {
        int msg = w.BeginMessage(Native.RTM_NEWLINK, ChangeFlags, seq);
        w.WriteIfinfomsg(Interop.Libc.AF_UNSPEC, 0, 0, 0);
        w.WriteAttributeString(Native.IFLA_IFNAME, Name);
        w.WriteAttributeString(Native.IFLA_IFALIAS, Alias);
        w.EndMessage(msg);
    }
}
