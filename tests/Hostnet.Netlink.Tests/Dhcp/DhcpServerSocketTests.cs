using Hostnet.Netlink.Dhcp;
using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests.Dhcp;

/// <summary>
/// The vme's DHCP socket on a real veth: its filter lets a guest's DHCP through and keeps everything else the
/// guest sends (a ping, DNS) in the kernel; what it sends reaches the guest (tcpdump there).
/// </summary>
public sealed class DhcpServerSocketTests : IDisposable
{
    private readonly TestNamespace _server = new("dsrv");
    private readonly TestNamespace _guest = new("dgst");
    private readonly MacAddress _guestMac = MacAddress.Parse("02:00:00:00:00:01");

    public DhcpServerSocketTests()
    {
        if (Privilege.SkipReason is not null) return;
        using var s = _server.Socket();
        s.Execute(new CreateVeth("vme0", "eth0", _guest.Handle, PeerMac: _guestMac, Up: true));
        s.Execute(new AddAddress(s.GetLink("vme0")!.Index, "vme0", IpAddress.Parse("169.255.30.1"), 32));
        _server.Ip("route", "add", "192.168.200.201/32", "dev", "vme0");
        _guest.Ip("link", "set", "eth0", "up");
        _guest.Ip("addr", "add", "192.168.200.201/32", "dev", "eth0");
        _guest.Ip("route", "add", "169.255.30.1/32", "dev", "eth0", "scope", "link");
    }

    public void Dispose()
    {
        _server.Dispose();
        _guest.Dispose();
    }

    [PrivilegedFact]
    public void Reads_the_guests_dhcp_only()
    {
        using var socket = DhcpServerSocket.Open(_server.Handle, "vme0");
        Assert.Equal(_server.IfIndex("vme0"), socket.InterfaceIndex);

        // A ping and a DNS query to the gateway, then one DHCP discover.
        Sh.InNetns(_guest.Name, "ping", "-c", "1", "-W", "1", "169.255.30.1");
        Sh.InNetns(_guest.Name, "bash", "-c", "echo x > /dev/udp/169.255.30.1/53");
        Sh.InNetns(_guest.Name, "busybox", "udhcpc", "-f", "-n", "-q", "-i", "eth0", "-s", "/bin/true", "-t", "1", "-T", "1", "-A", "1");

        var buffer = new byte[2048];
        var frames = new List<byte[]>();
        while (DhcpServerSocket.WaitAny([socket], 500).Count > 0)
        {
            int n;
            while ((n = socket.TryReceive(buffer)) >= 0) frames.Add(buffer[..n]);
        }
        // (The guest's kernel may solicit a router meanwhile: the socket reads those too, for the IPv6 answers.)
        Assert.All(frames.Where(f => f[12] != 0x08), f => Assert.Equal(Ipv6Frame.RouterSolicitation, f[14 + 40]));
        var frame = Assert.Single(frames, f => f[12] == 0x08 && f[13] == 0x00);
        Assert.True(Dhcp4Frame.TryReadRequest(frame, out var source, out var discover));
        Assert.Equal(_guestMac, source);
        Assert.Equal(Dhcp4MessageType.Discover, discover.MessageType);
    }

    [PrivilegedFact]
    public void What_it_sends_reaches_the_guest()
    {
        using var socket = DhcpServerSocket.Open(_server.Handle, "vme0");
        var reply = Dhcp4Frame.Reply(socket.Mac, _guestMac, IpAddress.Parse("169.255.30.1"), IpAddress.Parse("192.168.200.201"),
            new Dhcp4Message { Op = Dhcp4Message.BootReply, TransactionId = 42, ClientMac = _guestMac, Options = [(Dhcp4Option.MessageType, [(byte)Dhcp4MessageType.Ack])] });
        var capture = Task.Run(() => Sh.InNetns(_guest.Name, "timeout", "5", "tcpdump", "-i", "eth0", "-n", "-c", "1", "-v", "udp src port 67"));
        // tcpdump needs a moment to listen: the frame is sent until it is seen.
        for (int i = 0; i < 40 && !capture.IsCompleted; i++)
        {
            socket.Send(reply, _guestMac);
            Thread.Sleep(100);
        }
        var seen = capture.Result;
        Assert.Contains("169.255.30.1.67 > 192.168.200.201.68", seen.Stdout, StringComparison.Ordinal);
        Assert.Contains("DHCP-Message (53), length 1: ACK", seen.Stdout, StringComparison.Ordinal);
    }
}
