using Hostnet.TestKit;

namespace Hostnet.Cli.Tests;

/// <summary>
/// Where the CLI keeps its state: a state that cannot be mistaken for "no VMs", created only by commands
/// that write, readable by root only.
/// </summary>
public class CliContextTests
{
    private const string EmptyStateDir = "--state-dir is empty: give the state directory, or leave the option out";

    private static string EmptyDatabase(string dir) =>
        $"the state database {dir}/state.db is empty: it is not a Hostnet state and is not read as one without VMs; restore it from a backup, or move it away to start with no state";

    private static string Mode(string path) => Sh.Run("stat", ["-c", "%a", path]).EnsureSuccess("stat").Stdout.Trim();

    [Theory]
    [InlineData("apply")]
    [InlineData("watch")]
    [InlineData("plan")]
    [InlineData("vm", "list")]
    [InlineData("vm", "start", "vm1")]
    [InlineData("network", "add", "R", "--mode", "host-routed", "--uplink", "eth0")]
    [InlineData("export")]
    public void An_empty_state_dir_option_is_refused_in_one_line(params string[] command)
    {
        // `--state-dir "$DIR"` with DIR unset: the default state would be taken for this server's, or none for it.
        var r = HostnetSandbox.RunRaw(["--state-dir", "", "--netns", HostnetSandbox.NoServer, .. command]);
        Assert.Equal("hostnet: error: " + EmptyStateDir + "\n", r.Stderr);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
    }

    [Theory]
    [InlineData("apply")]
    [InlineData("watch")]
    [InlineData("plan")]
    [InlineData("vm", "list")]
    [InlineData("vm", "add", "vm1")]
    [InlineData("network", "list")]
    [InlineData("export")]
    public void An_empty_state_database_is_refused_in_one_line_and_left_as_it_is(params string[] command)
    {
        using var h = new HostnetSandbox();
        Directory.CreateDirectory(h.StateDir);
        var db = Path.Combine(h.StateDir, "state.db");
        File.WriteAllBytes(db, []);
        var r = h.Run(command);
        Assert.Equal("hostnet: error: " + EmptyDatabase(h.StateDir) + "\n", r.Stderr);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal(0, new FileInfo(db).Length);
        // Nothing beside it but the kernel lock a writer takes first (an empty file, never read as state).
        Assert.Equal(["state.db"], Directory.GetFileSystemEntries(h.StateDir).Select(Path.GetFileName).Where(n => n != "kernel.lock"));
    }

    [Fact]
    public void Commands_that_read_the_state_create_nothing()
    {
        using var h = new HostnetSandbox();
        foreach (var command in new[] { new[] { "vm", "list" }, ["--json", "vm", "list"], ["network", "list"], ["export"] })
        {
            var r = h.Run(command);
            Assert.True(r.ExitCode == 0, $"{string.Join(' ', command)}: {r.Stderr}");
        }
        Assert.Equal("{\n  \"networks\": [],\n  \"vms\": []\n}\n", h.Ok("export").Stdout);
        foreach (var command in new[] { new[] { "vm", "show", "vm1" }, ["network", "show", "R"], ["vm", "qemu-args", "vm1"] })
            Assert.Equal(1, h.Run(command).ExitCode);
        Assert.False(Directory.Exists(h.StateDir));
    }

    [Fact]
    public void A_new_state_directory_is_0700_and_its_database_0600_whatever_the_umask()
    {
        using var h = new HostnetSandbox();
        var stateDir = Path.Combine(h.StateDir, "lib", "hostnet");
        foreach (var umask in new[] { "000", "777" })
        {
            // The umask is the caller's: a shell sets it and hands over to the CLI.
            var r = Sh.Run("sh", ["-c", $"umask {umask} && exec \"$@\"", "sh", HostnetSandbox.Launcher, "--state-dir", stateDir, "--netns", HostnetSandbox.NoServer,
                "network", "add", "R" + umask, "--mode", "host-routed", "--uplink", "eth0"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal("700", Mode(h.StateDir));
            Assert.Equal("700", Mode(Path.Combine(h.StateDir, "lib")));
            Assert.Equal("700", Mode(stateDir));
            Assert.Equal("600", Mode(Path.Combine(stateDir, "state.db")));
            Directory.Delete(h.StateDir, recursive: true);
        }
    }

    [PrivilegedFact]
    public void Commands_that_read_the_kernel_write_nothing_not_even_under_etc_iproute2()
    {
        // In a mount and network namespace of its own: /etc/iproute2 is a tmpfs only this shell sees, and
        // "this host" is an empty network namespace, where even apply touches nothing of the machine's.
        using var h = new HostnetSandbox();
        var script = """
            set -e
            mount -t tmpfs hnst-etc /etc/iproute2 || exit 99
            mkdir /etc/iproute2/rt_protos.d
            L="$0"; S="$1"
            for c in plan arp route "trace 192.168.200.201" "vm list" export; do
                set +e; $L --state-dir "$S" $c >/dev/null 2>&1; echo "$c: $?"; set -e
            done
            echo "written: $(ls /etc/iproute2/rt_protos.d | tr '\n' ' ')"
            test -e "$S" && echo "state made" || echo "no state"
            $L --state-dir "$S" apply >/dev/null
            echo "after apply: $(ls /etc/iproute2/rt_protos.d | tr '\n' ' ')"
            """;
        var r = Sh.Run("unshare", ["--mount", "--net", "--propagation", "private", "sh", "-c", script, HostnetSandbox.Launcher, h.StateDir], timeout: TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr} {r.Stdout}");
        Assert.Equal(
            """
            plan: 0
            arp: 0
            route: 0
            trace 192.168.200.201: 1
            vm list: 0
            export: 0
            written: 
            no state
            after apply: hostnet.conf 

            """, r.Stdout);
    }
}
