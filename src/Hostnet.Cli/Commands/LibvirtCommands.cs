using System.CommandLine;
using Hostnet.Agent;
using Hostnet.Model;

namespace Hostnet.Cli.Commands;

/// <summary>
/// <c>hostnet libvirt install-hook [--hooks-dir DIR]</c> writes libvirt's QEMU hook; <c>hostnet libvirt hook
/// DOMAIN OPERATION SUBOPERATION EXTRA</c> is what that hook runs, the domain's XML on standard input.
/// </summary>
internal static class LibvirtCommands
{
    public static Command Build(TextWriter output)
    {
        var libvirt = new Command("libvirt", "libvirt starts VMs networked: a QEMU hook that starts a VM's networking with its domain");
        libvirt.Subcommands.Add(InstallHook(output));
        libvirt.Subcommands.Add(Hook());
        return libvirt;
    }

    private static Command InstallHook(TextWriter output)
    {
        var hooksDir = new Option<string?>("--hooks-dir")
        {
            Description = $"libvirt's hooks folder (default {LibvirtService.DefaultHooksDir}); the hook is {LibvirtService.HookFile} in it",
            HelpName = "DIR",
        };
        var command = new Command("install-hook",
            $"Write libvirt's QEMU hook {LibvirtService.HookFile}, which runs this binary's 'libvirt hook' for this server and state: "
            + "a domain's start starts its VM's networking, its release stops it")
        {
            hooksDir,
        };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(hooksDir);
            if (dir is not null && string.IsNullOrWhiteSpace(dir))
                throw new ValidationException("--hooks-dir is empty: give libvirt's hooks folder, or leave the option out");
            var ctx = CliContext.From(parse, output);
            var binary = Environment.ProcessPath ?? throw new ValidationException("cannot tell where this binary is: write the hook by hand");
            // The hook names the server and the state it was installed for: libvirt runs it with an environment of its own.
            List<string> run = [Path.GetFullPath(binary)];
            if (ctx.Netns is { } netns) run.AddRange(["--netns", netns]);
            run.AddRange(["--state-dir", Path.GetFullPath(ctx.StateDir), "libvirt", "hook"]);
            var installed = ctx.Agent.Libvirt.InstallHook(dir ?? LibvirtService.DefaultHooksDir, run);
            var runs = string.Join(' ', run) + " DOMAIN OPERATION SUBOPERATION EXTRA";
            output.WriteLine(installed.Changed ? $"wrote {installed.Path} (runs {runs})" : $"{installed.Path} is already this hook (runs {runs})");
            output.WriteLine("libvirt looks for QEMU hooks when it starts or reloads: if it runs without one yet, reload it (systemctl reload libvirtd, or virtqemud)");
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command Hook()
    {
        var domain = new Argument<string>("DOMAIN") { Description = "The domain's name" };
        var operation = new Argument<string>("OPERATION") { Description = "libvirt's operation: prepare, start, started, stopped, release, migrate, restore, reconnect, attach" };
        var subOperation = new Argument<string>("SUBOPERATION") { Description = "begin, end or -" };
        var extra = new Argument<string[]>("EXTRA") { Description = "libvirt's extra argument (-)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("hook",
            "What libvirt's QEMU hook runs (the domain's XML on standard input): prepare begin starts the VM's networking, "
            + "migrate begin (an incoming migration) makes it ready without the probe and tells the LAN once the guest runs here, "
            + "release end stops it; anything else, a domain without a Hostnet tap and one that is no VM of this server's change nothing")
        {
            domain, operation, subOperation, extra,
        };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, TextWriter.Null);
            // libvirt writes the domain's XML to the hook; a terminal gives none.
            var xml = Console.IsInputRedirected ? Console.In.ReadToEnd() : null;
            // Nothing on standard output: libvirt takes what a migrate or restore hook prints for the domain's new XML.
            var result = ctx.Agent.Libvirt.Hook(parse.GetValue(domain)!, parse.GetValue(operation)!, parse.GetValue(subOperation)!, xml);
            if (result is { Action: HookAction.Readied, Vm: { } vm }) AnnounceWhenGuestRuns(ctx, vm);
            return HostnetCli.Success;
        });
        return command;
    }

    /// <summary>
    /// Leaves behind, detached, a <c>hostnet vm announce VM --when-guest-runs</c> for this server and state: libvirt
    /// runs no hook once a migrated guest runs here, and waits for the hook (and for its output to close) before the
    /// migration goes on, so the wait runs on in a session of its own with no standard input or output of libvirt's.
    /// </summary>
    private static void AnnounceWhenGuestRuns(CliContext ctx, string vm)
    {
        var binary = Environment.ProcessPath ?? throw new ValidationException("cannot tell where this binary is: run 'hostnet vm announce' once the guest runs here");
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var a in new[] { "-c", "setsid \"$0\" \"$@\" </dev/null >/dev/null 2>&1 &", Path.GetFullPath(binary) }) psi.ArgumentList.Add(a);
        if (ctx.Netns is { } netns)
        {
            psi.ArgumentList.Add("--netns");
            psi.ArgumentList.Add(netns);
        }
        foreach (var a in new[] { "--state-dir", Path.GetFullPath(ctx.StateDir), "vm", "announce", vm, "--when-guest-runs" }) psi.ArgumentList.Add(a);
        using var sh = System.Diagnostics.Process.Start(psi) ?? throw new InvalidOperationException("cannot run /bin/sh");
        sh.WaitForExit();
    }
}
