using System.CommandLine;
using Hostnet.Agent.Contracts;
using Hostnet.Cli.Output;
using Hostnet.Model;

namespace Hostnet.Cli.Commands;

/// <summary>
/// <c>hostnet vm qemu-args VM [--args-only | --libvirt | --json]</c>: what a tap guest's QEMU (or libvirt
/// domain) needs to open the taps <c>vm start</c> made, and what the guest must set on its side.
/// </summary>
internal static class QemuCommands
{
    public static Command QemuArgs(TextWriter output)
    {
        var name = new Argument<string>("VM") { Description = "A tap guest" };
        var argsOnly = new Option<bool>("--args-only")
        {
            Description = "Print only the QEMU arguments, on one line (for $(hostnet vm qemu-args VM --args-only))",
        };
        var libvirt = new Option<bool>("--libvirt")
        {
            Description = "Print libvirt <interface type='ethernet'> elements for the domain's <devices> instead",
        };
        var command = new Command("qemu-args",
            "QEMU's -netdev/-device arguments for a tap guest's adapters (on the first line) and the guest-side "
            + "settings of each adapter; the taps exist once the VM is started ('hostnet vm start')")
        {
            name, argsOnly, libvirt,
        };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var onlyArgs = parse.GetValue(argsOnly);
            var asLibvirt = parse.GetValue(libvirt);
            if ((onlyArgs ? 1 : 0) + (asLibvirt ? 1 : 0) + (ctx.Json ? 1 : 0) > 1)
                throw new ValidationException("--args-only, --libvirt and --json each print a different form: give one of them");

            var (vm, state, guest) = ctx.Agent.Vms.Qemu(parse.GetValue(name)!);

            if (ctx.Json) Json.Write(output, ToDocument.Qemu(vm, guest), Json.Types.QemuDocument);
            else if (asLibvirt) output.Write(Qemu.LibvirtInterfaces(vm));
            else
            {
                output.WriteLine(Qemu.CommandLine(vm));
                if (!onlyArgs) WriteGuestSettings(output, vm, state, guest);
            }
            return HostnetCli.Success;
        });
        return command;
    }

    /// <summary>
    /// <c>net0: eth0, mac …, host-routed network Routed: addresses …, gateway … (on-link)</c>, then the
    /// commands that make it so in the guest, indented.
    /// </summary>
    private static void WriteGuestSettings(TextWriter output, Vm vm, DesiredState state, IReadOnlyList<GuestAdapterSettings> guest)
    {
        foreach (var g in guest)
        {
            var network = state.GetNetwork(g.Adapter.Network);
            var addresses = g.Addresses.Count == 0 ? "none (the guest's own DHCP)" : string.Join(", ", g.Addresses);
            var gateway = g.Gateway is { } gw ? $"default via {gw}" + (g.OnLinkGateway ? $" (on-link: {gw} dev {g.Interface} scope link)" : "")
                : g.Gateway6 is null ? "no gateway" : "";
            if (g.Gateway6 is { } gw6) gateway += (gateway.Length > 0 ? ", " : "") + $"IPv6 default via {gw6} dev {g.Interface}";
            output.WriteLine($"{g.Adapter.Name}: guest {g.Interface}, mac {g.Adapter.Mac}, tap {vm.HostInterface(g.Adapter.Index)}, "
                + $"{Network.ModeName(network.Mode)} network {network.Name}: addresses {addresses}, {gateway}");
            foreach (var line in g.IpCommands()) output.WriteLine("  " + line);
        }
    }
}
