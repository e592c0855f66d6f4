using System.CommandLine;
using Hostnet.Cli.Output;
using Hostnet.Frontend;
using Hostnet.Model;

namespace Hostnet.Cli.Commands;

/// <summary><c>hostnet vm add|list|show|rm|start|stop</c>.</summary>
internal static class VmCommands
{
    public static Command Build(TextWriter output)
    {
        var vm = new Command("vm", "Virtual machines: QEMU/KVM guests (tap) or network namespaces (netns)");
        vm.Subcommands.Add(Add(output));
        vm.Subcommands.Add(List(output));
        vm.Subcommands.Add(Show(output));
        vm.Subcommands.Add(Remove(output));
        vm.Subcommands.Add(EngineCommands.StartOrStop(output, start: true));
        vm.Subcommands.Add(EngineCommands.StartOrStop(output, start: false));
        vm.Subcommands.Add(Announce(output));
        vm.Subcommands.Add(QemuCommands.QemuArgs(output));
        vm.Subcommands.Add(CloudInit(output));
        return vm;
    }

    private static Command CloudInit(TextWriter output)
    {
        var name = new Argument<string>("VM") { Description = "The VM" };
        var command = new Command("cloud-init", "The VM's cloud-init NoCloud network-config (version 2): its adapters by MAC, addresses, routes, DNS") { name };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            output.Write(ctx.Agent.Vms.CloudInit(parse.GetValue(name)!));
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command Add(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = "The VM's name" };
        var uuid = new Option<string?>("--uuid") { Description = "The VM's UUID (default: a new random one); its first 8 hex digits name the host interfaces", HelpName = "UUID" };
        var guest = new Option<string?>("--guest")
        {
            Description = "tap: a QEMU/KVM guest (default); netns or netns:NSNAME: a network namespace (default name hostnet-NAME)",
            HelpName = "tap|netns[:NSNAME]",
        };
        var command = new Command("add", "Add a VM (then give it adapters with 'hostnet adapter add')") { name, uuid, guest };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var vm = ctx.Agent.Vms.Add(parse.GetValue(name)!, parse.GetValue(uuid), parse.GetValue(guest));
            output.WriteLine($"added VM {vm.Name} (uuid {vm.Uuid:D}, guest {vm.Guest}, host interfaces {vm.HostInterface(0)[..^1]}N)");
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command List(TextWriter output)
    {
        var command = new Command("list", "List the VMs");
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var vms = ctx.Agent.Vms.List();
            if (ctx.Json)
            {
                Json.Write(output, Documents.Vms(vms), Json.Types.IReadOnlyListVmDocument);
                return HostnetCli.Success;
            }
            var table = new Table("NAME", "UUID", "GUEST", "STATE", "ADAPTERS");
            foreach (var (vm, _, pending) in vms)
            {
                var adapters = vm.Adapters.Count == 0 ? "-" : string.Join(" ", vm.Adapters.Select(a => $"{a.Name}={a.Network}"));
                table.Add(vm.Name, vm.Uuid.ToString("D"), vm.Guest.ToString(), StateText(vm) + (pending ? "*" : ""), adapters);
            }
            table.WriteTo(output);
            if (vms.Any(v => v.PendingApply)) output.WriteLine("* " + PendingNote);
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command Show(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = "The VM" };
        var command = new Command("show", "Show a VM, its adapters and, for a tap guest, QEMU's -netdev arguments") { name };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var shown = ctx.Agent.Vms.Show(parse.GetValue(name)!);
            var (vm, state, isPending) = shown;
            if (ctx.Json)
            {
                Json.Write(output, Documents.Vm(shown), Json.Types.VmDocument);
                return HostnetCli.Success;
            }
            output.WriteLine($"name:   {vm.Name}");
            output.WriteLine($"uuid:   {vm.Uuid:D}");
            output.WriteLine($"guest:  {vm.Guest}");
            output.WriteLine($"state:  {StateText(vm)}{(isPending ? " (" + PendingNote + ")" : "")}");
            if (vm.Adapters.Count == 0) output.WriteLine("adapters: none (add one with 'hostnet adapter add')");
            foreach (var a in vm.Adapters) output.WriteLine(AdapterText.Describe(vm, a, state.FindNetwork(a.Network)));
            if (vm.Guest.Kind == GuestKind.Tap && vm.Adapters.Count > 0)
            {
                output.WriteLine($"qemu:   {Qemu.CommandLine(vm)}");
                output.WriteLine("libvirt: (in the domain's <devices>)");
                output.Write(Qemu.LibvirtInterfaces(vm, indent: "  "));
                output.WriteLine("guest side (what the guest's own network setup must do):");
                foreach (var g in Qemu.GuestSettings(vm, state))
                {
                    foreach (var line in g.IpCommands()) output.WriteLine("  " + line);
                }
            }
            return HostnetCli.Success;
        });
        return command;
    }

    private static string StateText(Vm vm) => vm.Running ? "running" : "stopped";

    /// <summary>What a pending mark means: the change is saved, the kernel has not followed it (a start that died or failed after its commit).</summary>
    private const string PendingNote = "pending apply: the kernel has not followed the last change yet; `hostnet apply` finishes it";

    private static Command Announce(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = "The running VM" };
        var whenGuestRuns = new Option<bool>("--when-guest-runs")
        {
            Description = "First wait until the guest sends its first frame into its tap (QEMU announces a migrated guest as soon as it resumes here); "
                + "nothing is sent if the tap goes away first",
        };
        var command = new Command("announce",
            "Tell the LAN that a running VM's addresses are on this server (gratuitous ARP, unsolicited NA), as its start does: "
            + "after an incoming migration, once the guest runs here") { name, whenGuestRuns };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var vmName = parse.GetValue(name)!;
            int count;
            if (!parse.GetValue(whenGuestRuns))
            {
                count = ctx.Agent.Vms.Announce(vmName);
            }
            else if (ctx.Agent.Vms.AnnounceWhenGuestRuns(vmName) is { } announced)
            {
                count = announced;
            }
            else
            {
                output.WriteLine($"VM {vmName}'s tap went away before its guest ran here: nothing announced");
                return HostnetCli.Success;
            }
            output.WriteLine(count == 1 ? $"announced 1 address of VM {vmName}" : $"announced {count} addresses of VM {vmName}");
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command Remove(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = "The VM" };
        var command = new Command("rm", "Remove a VM and its adapters") { name };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var vmName = parse.GetValue(name)!;
            ctx.Agent.Vms.Remove(vmName);
            output.WriteLine($"removed VM {vmName}");
            return HostnetCli.Success;
        });
        return command;
    }
}
