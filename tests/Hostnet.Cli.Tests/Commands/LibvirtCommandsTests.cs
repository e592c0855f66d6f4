using Hostnet.TestKit;

namespace Hostnet.Cli.Tests.Commands;

/// <summary><c>hostnet libvirt install-hook</c> and <c>hostnet libvirt hook</c> against a state directory only (no kernel).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class LibvirtCommandsTests
{
    private const string Xml = "<domain type='qemu' id='1'><name>web</name><uuid>00000000-0000-4000-8000-0000000000ee</uuid><devices/></domain>\n";

    /// <summary>A domain of vm1's UUID whose interface opens vm1's tap, as <c>vm qemu-args --libvirt</c> writes it: Hostnet's.</summary>
    private const string Vm1Xml = "<domain type='qemu' id='1'><name>web</name><uuid>7b9a73a1-5c2e-4d1a-9f3b-000000000001</uuid>"
        + "<devices><interface type='ethernet'><mac address='52:54:00:00:00:01'/><target dev='vme7b9a73a1.0' managed='no'/><model type='virtio'/></interface></devices></domain>\n";

    [Theory]
    [InlineData("prepare", "begin")]
    [InlineData("migrate", "begin")]
    [InlineData("release", "end")]
    [InlineData("started", "begin")]
    [InlineData("reconnect", "begin")]
    public void A_domain_hostnet_does_not_know_is_exit_0_silently_and_changes_nothing(string operation, string subOperation)
    {
        using var h = new HostnetSandbox().WithSeed();
        var before = h.Dump();
        Assert.Equal(new ShResult(0, "", ""), HostnetSandbox.RunRaw(
            ["--state-dir", h.StateDir, "--netns", HostnetSandbox.NoServer, "libvirt", "hook", "web", operation, subOperation, "-"], stdin: Xml));
        Assert.Equal(before, h.Dump());

        // Without any state: none is made.
        using var empty = new HostnetSandbox();
        Assert.Equal(new ShResult(0, "", ""), HostnetSandbox.RunRaw(
            ["--state-dir", empty.StateDir, "--netns", HostnetSandbox.NoServer, "libvirt", "hook", "web", operation, subOperation, "-"], stdin: Xml));
        Assert.False(Directory.Exists(empty.StateDir));
    }

    [Fact]
    public void A_known_domain_is_started_through_the_server_the_hook_names()
    {
        // The sandbox's server namespace does not exist: the start reaches for it and says so, and libvirt would refuse the domain.
        using var h = new HostnetSandbox().WithSeed();
        var r = HostnetSandbox.RunRaw(["--state-dir", h.StateDir, "--netns", HostnetSandbox.NoServer, "libvirt", "hook", "web", "prepare", "begin", "-"], stdin: Vm1Xml);
        Assert.Equal((1, "", $"hostnet: error: network namespace {HostnetSandbox.NoServer} does not exist (--netns names one under /run/netns)\n"),
            (r.ExitCode, r.Stdout, r.Stderr));
        Assert.DoesNotContain("running", h.Ok("vm", "list").Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("prepare", "begin")]
    [InlineData("migrate", "begin")]
    [InlineData("release", "end")]
    public void A_state_that_cannot_be_read_blocks_no_domain_but_hostnets_own(string operation, string subOperation)
    {
        using var h = new HostnetSandbox().WithSeed();
        var database = Path.Combine(h.StateDir, "state.db");
        foreach (var side in new[] { "-wal", "-shm" }) File.Delete(database + side);
        File.WriteAllBytes(database, [.. System.Text.Encoding.ASCII.GetBytes("this is not a database, "), .. new byte[4096]]);
        var broken = File.ReadAllBytes(database);

        // vm1's name, but no Hostnet tap: not Hostnet's, and the state is not read.
        var unmarked = Vm1Xml.Replace("vme7b9a73a1.0", "vnet7", StringComparison.Ordinal);
        Assert.Equal(new ShResult(0, "", ""), HostnetSandbox.RunRaw(
            ["--state-dir", h.StateDir, "--netns", HostnetSandbox.NoServer, "libvirt", "hook", "vm1", operation, subOperation, "-"], stdin: unmarked));
        Assert.Equal(broken, File.ReadAllBytes(database));

        // Hostnet's domain: libvirt refuses it with Hostnet's line.
        var r = HostnetSandbox.RunRaw(["--state-dir", h.StateDir, "--netns", HostnetSandbox.NoServer, "libvirt", "hook", "vm1", operation, subOperation, "-"], stdin: Vm1Xml);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Matches(@"^hostnet: error: [^\n]+\n$", r.Stderr);
        Assert.StartsWith($"hostnet: error: the state database {database} is damaged (not a database)", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(broken, File.ReadAllBytes(database));
    }

    [Fact]
    public void Install_hook_writes_an_executable_hook_once_that_runs_this_binary_for_this_server_and_state()
    {
        using var h = new HostnetSandbox().WithSeed();
        var hooks = Path.Combine(h.StateDir, "libvirt-hooks");
        var path = Path.Combine(hooks, "qemu.d", "hostnet");

        var first = h.Ok("libvirt", "install-hook", "--hooks-dir", hooks).Stdout;
        var binary = Path.Combine(HostnetCli.RepositoryRoot, ".build", "hostnet", "hostnet");
        var runs = $"(runs {binary} --netns {HostnetSandbox.NoServer} --state-dir {h.StateDir} libvirt hook DOMAIN OPERATION SUBOPERATION EXTRA)";
        const string Restart = "libvirt looks for QEMU hooks when it starts or reloads: if it runs without one yet, reload it (systemctl reload libvirtd, or virtqemud)\n";
        Assert.Equal($"wrote {path} {runs}\n" + Restart, first);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(path));
        Assert.Equal($"{path} is already this hook {runs}\n" + Restart, h.Ok("libvirt", "install-hook", "--hooks-dir", hooks).Stdout);
        Assert.Equal(["hostnet"], Directory.GetFileSystemEntries(Path.Combine(hooks, "qemu.d")).Select(Path.GetFileName));

        // Run as libvirt runs it (another working folder, no HOSTNET_STATE_DIR): an unknown domain passes, a known one reaches for the server.
        var unknown = Sh.Run(path, ["web", "prepare", "begin", "-"], stdin: Xml);
        Assert.Equal(new ShResult(0, "", ""), unknown);
        var known = Sh.Run(path, ["vm1", "prepare", "begin", "-"], stdin: Vm1Xml.Replace("7b9a73a1-5c2e-4d1a-9f3b-000000000001", "00000000-0000-4000-8000-0000000000ee", StringComparison.Ordinal));
        Assert.Equal((1, "", $"hostnet: error: network namespace {HostnetSandbox.NoServer} does not exist (--netns names one under /run/netns)\n"),
            (known.ExitCode, known.Stdout, known.Stderr));
    }

    [Fact]
    public void Install_hook_over_someone_elses_file_is_refused_and_leaves_it_as_it_is()
    {
        using var h = new HostnetSandbox();
        var hooks = Path.Combine(h.StateDir, "libvirt-hooks");
        var path = Path.Combine(hooks, "qemu.d", "hostnet");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        const string Foreign = "#!/bin/sh\n# an admin's own hook\nexit 0\n";
        File.WriteAllText(path, Foreign);

        var r = h.Run("libvirt", "install-hook", "--hooks-dir", hooks);
        Assert.Equal((1, "", $"hostnet: error: {path} is not Hostnet's hook: left as it is (libvirt runs every file in qemu.d; move it away, or give --hooks-dir DIR)\n"),
            (r.ExitCode, r.Stdout, r.Stderr));
        Assert.Equal(Foreign, File.ReadAllText(path));
        Assert.Equal(["hostnet"], Directory.GetFileSystemEntries(Path.Combine(hooks, "qemu.d")).Select(Path.GetFileName));
        Assert.Equal(["qemu.d"], Directory.GetFileSystemEntries(hooks).Select(Path.GetFileName));

        var empty = h.Run("libvirt", "install-hook", "--hooks-dir", "");
        Assert.Equal((1, "hostnet: error: --hooks-dir is empty: give libvirt's hooks folder, or leave the option out\n"), (empty.ExitCode, empty.Stderr));
    }
}
