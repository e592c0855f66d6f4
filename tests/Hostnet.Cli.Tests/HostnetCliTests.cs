namespace Hostnet.Cli.Tests;

/// <summary>The command line as a whole: version, help, exit codes, global options.</summary>
public class HostnetCliTests
{
    [Fact]
    public void Version_prints_the_version()
    {
        var r = HostnetSandbox.RunRaw(["--version"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("0.1.0\n", r.Stdout);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("network", "--help")]
    [InlineData("network", "add", "--help")]
    [InlineData("vm", "add", "--help")]
    [InlineData("adapter", "set", "--help")]
    [InlineData("import", "--help")]
    public void Help_is_everywhere(params string[] args)
    {
        var r = HostnetSandbox.RunRaw(args);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Usage:", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("--state-dir", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        var r = HostnetSandbox.RunRaw(["--help"]);
        foreach (var c in new[] { "network", "vm", "adapter", "export", "import" }) Assert.Contains(c, r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hostnet: see 'hostnet --help'")]
    [InlineData("hostnet: see 'hostnet vm --help'", "vm")]
    [InlineData("hostnet: see 'hostnet vm add --help'", "vm", "add")]
    [InlineData("hostnet: see 'hostnet network add --help'", "network", "add", "R", "--uplink", "eth0")]
    [InlineData("hostnet: see 'hostnet network add --help'", "network", "add", "R", "--mode", "routed", "--uplink", "eth0")]
    [InlineData("hostnet: see 'hostnet vm list --help'", "vm", "list", "--bogus")]
    [InlineData("hostnet: see 'hostnet adapter add --help'", "adapter", "add", "vm1")]
    [InlineData("hostnet: see 'hostnet adapter add --help'", "adapter", "add", "vm1", "--network", "Routed", "--ip")]
    [InlineData("hostnet: see 'hostnet adapter add --help'", "adapter", "add", "vm1", "--network", "Routed", "--ip", "10.0.0.1", "10.0.0.2")]
    public void A_command_line_that_does_not_parse_exits_2(string lastLine, params string[] args)
    {
        using var h = new HostnetSandbox();
        var r = h.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var lines = r.Stderr.TrimEnd('\n').Split('\n');
        Assert.All(lines, l => Assert.StartsWith("hostnet: ", l, StringComparison.Ordinal));
        Assert.Equal(lastLine, lines[^1]);
        Assert.False(Directory.Exists(h.StateDir));
    }

    [Fact]
    public void Global_options_work_before_and_after_the_command()
    {
        using var h = new HostnetSandbox();
        h.WithSeed();
        var before = HostnetSandbox.RunRaw(["--state-dir", h.StateDir, "--json", "vm", "list"]);
        var after = HostnetSandbox.RunRaw(["vm", "list", "--json", "--state-dir", h.StateDir]);
        var between = HostnetSandbox.RunRaw(["vm", "--state-dir", h.StateDir, "list", "--json"]);
        Assert.Equal(0, before.ExitCode);
        Assert.StartsWith("[", before.Stdout, StringComparison.Ordinal);
        Assert.Equal(before.Stdout, after.Stdout);
        Assert.Equal(before.Stdout, between.Stdout);
    }

    [Fact]
    public void The_state_directory_may_come_from_the_environment()
    {
        using var h = new HostnetSandbox();
        h.WithSeed();
        var r = HostnetSandbox.RunRaw(["vm", "list", "--json"], new Dictionary<string, string> { ["HOSTNET_STATE_DIR"] = h.StateDir });
        Assert.Equal(h.Ok("vm", "list", "--json").Stdout, r.Stdout);
    }

    [Fact]
    public void A_bad_namespace_name_never_becomes_a_path()
    {
        var r = HostnetSandbox.RunRaw(["--netns", "../../tmp", "vm", "list"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("hostnet: error: '../../tmp' is not a valid network namespace name: use 1-255 letters, digits, '_', '.' or '-', beginning with a letter or digit\n", r.Stderr);
    }

    [Fact]
    public void Any_failure_is_one_line_without_a_stack_trace()
    {
        using var h = new HostnetSandbox();
        Directory.CreateDirectory(h.StateDir);
        var file = Path.Combine(h.StateDir, "file");
        File.WriteAllText(file, "");
        var r = HostnetSandbox.RunRaw(["--state-dir", Path.Combine(file, "state"), "vm", "add", "vm1"]);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith($"hostnet: error: cannot create the state directory {file}/state: ", r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        // A command that only reads says so too, instead of showing no VMs.
        var read = HostnetSandbox.RunRaw(["--state-dir", Path.Combine(file, "state"), "vm", "list"]);
        Assert.Equal(1, read.ExitCode);
        Assert.Equal($"hostnet: error: cannot read the state directory {file}/state: {file} is a file, not a directory\n", read.Stderr);
    }

    [Fact]
    public void Two_times_twenty_processes_at_once_lose_no_VM()
    {
        using var h = new HostnetSandbox();
        var names = Enumerable.Range(0, 40).Select(i => $"vm{i / 20}-{i % 20}").ToList();
        // All forty start together on a database none of them has created yet.
        var processes = names.Select(n =>
        {
            var psi = new System.Diagnostics.ProcessStartInfo(HostnetSandbox.Launcher)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[] { "--state-dir", h.StateDir, "vm", "add", n }) psi.ArgumentList.Add(a);
            return System.Diagnostics.Process.Start(psi)!;
        }).ToList();
        foreach (var p in processes)
        {
            var err = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(120)));
            Assert.True(p.ExitCode == 0, err);
            p.Dispose();
        }
        var list = h.Ok("vm", "list").Stdout;
        foreach (var n in names) Assert.Contains("\n" + n + " ", list, StringComparison.Ordinal);
        Assert.Equal(41, list.TrimEnd('\n').Split('\n').Length);
    }
}
