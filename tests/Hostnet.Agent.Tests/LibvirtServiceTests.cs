namespace Hostnet.Agent.Tests;

/// <summary>libvirt's hook through the application layer: which domain is which VM, and the hook file it writes.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class LibvirtServiceTests
{
    private const string Uuid = "7b9a73a1-5c2e-4d1a-9f3b-000000000001";

    private static string DomainXml(string name, string uuid) =>
        $"""
        <domain type='qemu' id='3'>
          <name>{name}</name>
          <uuid>{uuid}</uuid>
          <sysinfo type='smbios'><system><entry name='uuid'>00000000-0000-4000-8000-00000000dead</entry></system></sysinfo>
          <devices>
            <disk type='file' device='disk'><encryption format='luks'><secret type='passphrase' uuid='00000000-0000-4000-8000-00000000beef'/></encryption></disk>
            <interface type='ethernet'><target dev='vme7b9a73a1.0' managed='no'/></interface>
          </devices>
        </domain>
        """;

    [Fact]
    public void The_domain_uuid_is_the_domain_elements_own_uuid()
    {
        Assert.Equal(Guid.Parse(Uuid), LibvirtService.DomainUuid(DomainXml("web", Uuid)));
        // A status document wraps the domain: its <uuid> is still the domain's child.
        Assert.Equal(Guid.Parse(Uuid), LibvirtService.DomainUuid($"<domstatus state='running'><uuid>00000000-0000-4000-8000-000000000000</uuid>{DomainXml("web", Uuid)}</domstatus>"));
        Assert.Null(LibvirtService.DomainUuid("<domain><name>web</name><devices><uuid>" + Uuid + "</uuid></devices></domain>"));
        Assert.Null(LibvirtService.DomainUuid("<domain><name>web</name><uuid>not-a-uuid</uuid></domain>"));
        Assert.Null(LibvirtService.DomainUuid("<domain><uuid>" + Uuid));
        Assert.Null(LibvirtService.DomainUuid("<!DOCTYPE d [<!ENTITY e 'x'>]><domain><uuid>" + Uuid + "</uuid></domain>"));
        Assert.Null(LibvirtService.DomainUuid(""));
        Assert.Null(LibvirtService.DomainUuid(null));
    }

    [Fact]
    public void A_domain_is_the_tap_guest_of_its_uuid_else_of_its_name()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        agent.Vms.Add("vm1", Uuid, null);
        agent.Vms.Add("web", "4980d06a-0000-4000-8000-000000000002", null);
        agent.Vms.Add("ns1", "0c000000-0000-4000-8000-000000000003", "netns:hnag-never-made");
        var state = agent.Vms.List()[0].State;

        // The UUID wins over a name another VM has.
        Assert.Equal("vm1", LibvirtService.Match(state, "web", Guid.Parse(Uuid))?.Name);
        Assert.Equal("web", LibvirtService.Match(state, "web", Guid.Parse("00000000-0000-4000-8000-000000000009"))?.Name);
        Assert.Equal("web", LibvirtService.Match(state, "web", null)?.Name);
        Assert.Null(LibvirtService.Match(state, "other", Guid.Parse("00000000-0000-4000-8000-000000000009")));
        // A network-namespace guest is never a libvirt domain, by name or UUID.
        Assert.Null(LibvirtService.Match(state, "ns1", Guid.Parse("0c000000-0000-4000-8000-000000000003")));
    }

    [Theory]
    [InlineData("prepare", "begin")]
    [InlineData("migrate", "begin")]
    [InlineData("release", "end")]
    public void A_domain_hostnet_does_not_know_changes_nothing_and_makes_no_state(string operation, string subOperation)
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: "hnag-never-made");
        Assert.Equal(new HookResult(null, HookAction.UnknownDomain), agent.Libvirt.Hook("web", operation, subOperation, DomainXml("web", Uuid)));
        Assert.False(Directory.Exists(dir.Path));
    }

    [Fact]
    public void A_domain_is_hostnets_only_when_an_interface_opens_a_tap_of_hostnets_name()
    {
        Assert.True(LibvirtService.HasHostnetInterface(DomainXml("web", Uuid)));
        // A status document wraps the domain.
        Assert.True(LibvirtService.HasHostnetInterface($"<domstatus state='running'>{DomainXml("web", Uuid)}</domstatus>"));
        Assert.True(LibvirtService.HasHostnetInterface("<domain><devices><interface type='ethernet'><target dev='vme00000001.12' managed='no'/></interface></devices></domain>"));
        Assert.False(LibvirtService.HasHostnetInterface("<domain><devices><interface type='network'><source network='default'/><target dev='vnet0'/></interface></devices></domain>"));
        Assert.False(LibvirtService.HasHostnetInterface("<domain><devices><interface type='ethernet'><target dev='vme7b9a73a1'/></interface></devices></domain>"));
        Assert.False(LibvirtService.HasHostnetInterface("<domain><devices><interface type='ethernet'><target dev='vmeXb9a73a1.0'/></interface></devices></domain>"));
        // A target elsewhere than in an interface of the domain's devices is not one.
        Assert.False(LibvirtService.HasHostnetInterface("<domain><metadata><interface><target dev='vme7b9a73a1.0'/></interface></metadata><devices/></domain>"));
        Assert.False(LibvirtService.HasHostnetInterface("<domain><devices><disk><target dev='vme7b9a73a1.0'/></disk></devices></domain>"));
        Assert.False(LibvirtService.HasHostnetInterface("<domain><devices><interface type='ethernet'><target dev='vme7b9a73a1.0'"));
        Assert.False(LibvirtService.HasHostnetInterface("<domain><name>web</name><devices/></domain>"));
        Assert.False(LibvirtService.HasHostnetInterface(""));
        Assert.False(LibvirtService.HasHostnetInterface(null));
    }

    [Theory]
    [InlineData("prepare", "begin")]
    [InlineData("migrate", "begin")]
    [InlineData("release", "end")]
    public void A_domain_without_a_hostnet_tap_is_none_of_hostnets_even_of_a_vms_name_and_with_a_state_that_cannot_be_read(string operation, string subOperation)
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: "hnag-never-made");
        agent.Vms.Add("web", Uuid, null);
        var unmarked = DomainXml("web", Uuid).Replace("vme7b9a73a1.0", "vnet3", StringComparison.Ordinal);
        Assert.Equal(new HookResult(null, HookAction.UnknownDomain), agent.Libvirt.Hook("web", operation, subOperation, unmarked));
        Assert.False(agent.Vms.Show("web").Vm.Running);

        var database = BreakState(dir.Path);
        var broken = File.ReadAllBytes(database);
        Assert.Equal(new HookResult(null, HookAction.UnknownDomain), agent.Libvirt.Hook("web", operation, subOperation, unmarked));
        Assert.Equal(broken, File.ReadAllBytes(database));
        // A Hostnet domain still needs the state: the hook fails, and libvirt says why.
        var refused = Assert.Throws<Store.StoreException>(() => agent.Libvirt.Hook("web", operation, subOperation, DomainXml("web", Uuid)));
        Assert.StartsWith($"the state database {database} is damaged (not a database)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(broken, File.ReadAllBytes(database));
    }

    /// <summary>Overwrites the state database with bytes that are no SQLite database; returns its path.</summary>
    internal static string BreakState(string stateDir)
    {
        var database = Path.Combine(stateDir, Store.StateStore.DatabaseFileName);
        Assert.True(File.Exists(database), $"{database} is missing");
        foreach (var side in new[] { "-wal", "-shm" }) File.Delete(database + side);
        File.WriteAllBytes(database, [.. System.Text.Encoding.ASCII.GetBytes("this is not a database, "), .. new byte[4096]]);
        return database;
    }

    [Theory]
    [InlineData("start", "begin")]
    [InlineData("started", "begin")]
    [InlineData("stopped", "end")]
    [InlineData("restore", "begin")]
    [InlineData("reconnect", "begin")]
    [InlineData("attach", "begin")]
    [InlineData("prepare", "end")]
    public void Other_operations_change_nothing_even_for_a_known_domain(string operation, string subOperation)
    {
        using var dir = new TempStateDir();
        // The server does not exist: an operation that reached for the kernel would fail.
        var agent = new HostAgent(dir.Path, netns: "hnag-never-made");
        agent.Vms.Add("vm1", Uuid, null);
        Assert.Equal(new HookResult(null, HookAction.None), agent.Libvirt.Hook("vm1", operation, subOperation, DomainXml("vm1", Uuid)));
        Assert.False(agent.Vms.Show("vm1").Vm.Running);
    }

    [Fact]
    public void The_hook_is_an_executable_script_that_runs_the_command_with_libvirts_arguments_once()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        var hooks = Path.Combine(dir.Path, "hooks");
        string[] command = ["/opt/host net/hostnet", "--state-dir", "/var/lib/it's", "libvirt", "hook"];

        var first = agent.Libvirt.InstallHook(hooks, command);
        var path = Path.Combine(hooks, "qemu.d", "hostnet");
        Assert.Equal(new HookInstalled(path, true), first);
        var text = File.ReadAllText(path);
        Assert.StartsWith("#!/bin/sh\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\nexec '/opt/host net/hostnet' '--state-dir' '/var/lib/it'\\''s' 'libvirt' 'hook' \"$@\"\n", text, StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(path));
        Assert.Equal(["hostnet"], Directory.GetFiles(Path.Combine(hooks, "qemu.d")).Select(Path.GetFileName));
        Assert.Equal(["qemu.d"], Directory.GetFileSystemEntries(hooks).Select(Path.GetFileName));

        // The same again: nothing written.
        var stamp = File.GetLastWriteTimeUtc(path);
        File.SetLastWriteTimeUtc(path, stamp.AddMinutes(-5));
        Assert.Equal(new HookInstalled(path, false), agent.Libvirt.InstallHook(hooks, command));
        Assert.Equal(stamp.AddMinutes(-5), File.GetLastWriteTimeUtc(path));

        // Hostnet's own hook for another state is replaced.
        Assert.Equal(new HookInstalled(path, true), agent.Libvirt.InstallHook(hooks, ["/usr/bin/hostnet", "libvirt", "hook"]));
        Assert.EndsWith("\nexec '/usr/bin/hostnet' 'libvirt' 'hook' \"$@\"\n", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void A_hooks_folder_that_cannot_be_made_is_refused_with_its_path()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        Directory.CreateDirectory(dir.Path);
        var hooks = Path.Combine(dir.Path, "hooks");
        File.WriteAllText(hooks, "a file, not a folder\n");

        var refused = Assert.Throws<RequestRefusedException>(() => agent.Libvirt.InstallHook(hooks, ["/usr/bin/hostnet", "libvirt", "hook"]));
        Assert.Equal(ErrorCodes.HookNotWritten, refused.Code);
        Assert.Equal(Path.Combine(hooks, "qemu.d", "hostnet"), refused["path"]);
        Assert.NotEmpty(refused["reason"]);
        Assert.Equal("a file, not a folder\n", File.ReadAllText(hooks));
        Assert.Equal([hooks], Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_hook_file_of_hostnets_name_that_is_someone_elses_is_left_as_it_is()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        var hooks = Path.Combine(dir.Path, "hooks");
        var path = Path.Combine(hooks, "qemu.d", "hostnet");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        const string Foreign = "#!/bin/sh\n# someone's own hook\nexit 0\n";
        File.WriteAllText(path, Foreign);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_000_000);

        var refused = Assert.Throws<RequestRefusedException>(() => agent.Libvirt.InstallHook(hooks, ["/usr/bin/hostnet", "libvirt", "hook"]));
        Assert.Equal(ErrorCodes.HookNotHostnets, refused.Code);
        Assert.Equal(path, refused["path"]);
        Assert.Equal(Foreign, File.ReadAllText(path));
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(path));
        Assert.Equal(["hostnet"], Directory.GetFiles(Path.Combine(hooks, "qemu.d")).Select(Path.GetFileName));
        Assert.Equal(["qemu.d"], Directory.GetFileSystemEntries(hooks).Select(Path.GetFileName));
    }
}
