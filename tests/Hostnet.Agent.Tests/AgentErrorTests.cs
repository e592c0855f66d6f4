namespace Hostnet.Agent.Tests;

/// <summary>The application layer's own refusals: a code and its arguments, and nothing changed.</summary>
public class AgentErrorTests
{
    [Fact]
    public void A_trace_on_a_server_namespace_that_does_not_exist_is_refused_with_the_namespace()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, "hnag-no-such-server-" + Guid.NewGuid().ToString("N")[..8]);
        var e = Assert.Throws<RequestRefusedException>(() => agent.Kernel.Trace(IpAddress.Parse("192.168.200.201"), null));
        Assert.Equal(ErrorCodes.NetnsNotFound, e.Code);
        Assert.Equal(agent.Netns, e["netns"]);
        Assert.False(Directory.Exists(dir.Path));
    }

    [Fact]
    public void A_watch_that_would_resync_more_often_than_every_second_is_refused()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        var e = Assert.Throws<RequestRefusedException>(() => agent.Watch(TimeSpan.FromMilliseconds(999)));
        Assert.Equal(ErrorCodes.ResyncIntervalTooShort, e.Code);
        Assert.Equal("1", e["minimumSeconds"]);
        Assert.Equal(TimeSpan.FromSeconds(1), agent.Watch(TimeSpan.FromSeconds(1)).Every);
    }

    [Fact]
    public void Qemu_arguments_are_refused_for_a_netns_guest_and_for_a_vm_without_adapters()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        agent.Vms.Add("ns", null, "netns:hnag-never-made");
        agent.Vms.Add("bare", null, null);
        var netns = Assert.Throws<RequestRefusedException>(() => agent.Vms.Qemu("ns"));
        Assert.Equal((ErrorCodes.NotATapGuest, "ns", "netns:hnag-never-made"), (netns.Code, netns["vm"], netns["guest"]));
        var bare = Assert.Throws<RequestRefusedException>(() => agent.Vms.Qemu("bare"));
        Assert.Equal((ErrorCodes.NoAdapters, "bare"), (bare.Code, bare["vm"]));
    }

    [Fact]
    public void The_message_of_an_agent_error_is_its_code_and_arguments_not_a_sentence()
    {
        var e = new RequestRefusedException(ErrorCodes.NetnsNotFound, ("netns", "lab1"));
        Assert.Equal("netns-not-found netns=lab1", e.Message);
    }
}
