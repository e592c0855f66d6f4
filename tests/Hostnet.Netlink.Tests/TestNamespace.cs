using System.Text.Json;
using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

/// <summary>
/// A network namespace made for one test with <c>ip netns add</c> (an independent tool), under a
/// unique random name, and removed with everything in it on Dispose — also when the test fails.
/// Tests never touch the machine's own namespace.
/// </summary>
public sealed class TestNamespace : IDisposable
{
    public TestNamespace(string tag = "t")
    {
        Name = ClaimUniqueName(tag);
        Sh.Ip("netns", "add", Name);
        Handle = NetNamespace.Open(Name);
    }

    public string Name { get; }

    public NetNamespace Handle { get; }

    /// <summary>A name no other test uses, claimed for this process (<see cref="NamespaceClaims"/>): whatever ends it, the namespace goes.</summary>
    public static string ClaimUniqueName(string tag)
    {
        var name = $"hnt-{tag}-{Guid.NewGuid().ToString("N")[..8]}";
        NamespaceClaims.Claim(name);
        return name;
    }

    /// <summary><c>ip -n NAME ARGS</c>, throwing on failure.</summary>
    public string Ip(params string[] args) => Sh.Ip(["-n", Name, .. args]);

    /// <summary><c>ip -n NAME -j ARGS</c>, parsed.</summary>
    public JsonElement IpJson(params string[] args)
    {
        var text = Ip(["-j", .. args]);
        return string.IsNullOrWhiteSpace(text) ? JsonDocument.Parse("[]").RootElement : JsonDocument.Parse(text).RootElement;
    }

    public int IfIndex(string dev) => IpJson("link", "show", "dev", dev)[0].GetProperty("ifindex").GetInt32();

    public RtnlSocket Socket() => RtnlSocket.Open(Handle);

    /// <summary>Deletes the namespace (its links go with it) and checks that it is gone.</summary>
    public void Dispose()
    {
        Handle.Dispose();
        NamespaceClaims.Release(Name);
        if (File.Exists("/run/netns/" + Name)) throw new InvalidOperationException($"namespace {Name} left behind");
    }
}
