using System.CommandLine;
using Hostnet.Cli.Output;
using Hostnet.Model;

namespace Hostnet.Cli.Commands;

/// <summary><c>hostnet adapter add|set|rm</c>.</summary>
internal static class AdapterCommands
{
    public static Command Build(TextWriter output)
    {
        var adapter = new Command("adapter", "A VM's network adapters (net0, net1, ...)");
        adapter.Subcommands.Add(Add(output));
        adapter.Subcommands.Add(Set(output));
        adapter.Subcommands.Add(Remove(output));
        return adapter;
    }

    private sealed record AdapterOptions(Option<string[]> Ips, Option<string[]> Gateway, Option<string?> Mac, Option<string[]> Protect, Option<string[]> NoProtect);

    private static AdapterOptions Options(Command command)
    {
        var ips = new Option<string[]>("--ip")
        {
            Description = "An address (repeat for more): ADDR on a host-routed network (a /32), ADDR/PREFIX on a bridged one",
            HelpName = "ADDR[/PREFIX]",
            Arity = ArgumentArity.OneOrMore,
        };
        var gateway = new Option<string[]>("--gateway")
        {
            Description = "Bridged only: the VM's default gateway on the LAN (once per family for a dual-stack adapter: an IPv4 and an IPv6 one)",
            HelpName = "ADDR",
            Arity = ArgumentArity.OneOrMore,
        };
        var mac = new Option<string?>("--mac") { Description = "The guest's MAC (default: generated, stable for the VM and adapter)", HelpName = "MAC" };
        command.Options.Add(ips);
        command.Options.Add(gateway);
        var protect = new Option<string[]>("--protect")
        {
            Description = "Switch protections on (all are on for a new adapter): mac, addresses, arp, guards, server, all",
            HelpName = "NAME[,NAME]",
            Arity = ArgumentArity.OneOrMore,
        };
        var noProtect = new Option<string[]>("--no-protect")
        {
            Description = "Switch protections off: mac, addresses, arp, guards, server, all (a guest that takes its address from the LAN's DHCP needs addresses,arp off)",
            HelpName = "NAME[,NAME]",
            Arity = ArgumentArity.OneOrMore,
        };
        command.Options.Add(mac);
        command.Options.Add(protect);
        command.Options.Add(noProtect);
        return new AdapterOptions(ips, gateway, mac, protect, noProtect);
    }

    private static Command Add(TextWriter output)
    {
        var vmArg = new Argument<string>("VM") { Description = "The VM" };
        var network = new Option<string>("--network") { Description = "The network to connect it to", Required = true, HelpName = "NET" };
        var command = new Command("add", "Add an adapter to a VM") { vmArg, network };
        var o = Options(command);
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var vmName = parse.GetValue(vmArg)!;
            var (gateway, gateway6) = StateRules.SplitGateways(parse.GetValue(o.Gateway));
            var added = ctx.Agent.Adapters.Add(vmName, parse.GetValue(network)!, parse.GetValue(o.Ips) ?? [], gateway, parse.GetValue(o.Mac),
                parse.GetValue(o.Protect), parse.GetValue(o.NoProtect), gateway6);
            var line = AdapterText.Describe(added.Vm, added.Adapter, added.Network);
            output.WriteLine($"added {vmName} {line}");
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command Set(TextWriter output)
    {
        var vmArg = new Argument<string>("VM") { Description = "The VM" };
        var adapterArg = new Argument<string>("ADAPTER") { Description = "net0, net1, ... (or 0, 1, ...)" };
        var network = new Option<string?>("--network") { Description = "Move it to another network", HelpName = "NET" };
        var noIp = new Option<bool>("--no-ip") { Description = "Remove all its addresses (a bridged adapter whose guest uses the LAN's DHCP)" };
        var noGateway = new Option<bool>("--no-gateway") { Description = "Remove its gateways (bridged); --gateway replaces both" };
        var command = new Command("set", "Change an adapter: what is given is replaced (--ip replaces all addresses), the rest stays")
        {
            vmArg, adapterArg, network, noIp, noGateway,
        };
        var o = Options(command);
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var vmName = parse.GetValue(vmArg)!;
            var ips = parse.GetValue(o.Ips);
            var (gateway, gateway6) = StateRules.SplitGateways(parse.GetValue(o.Gateway));
            var changed = ctx.Agent.Adapters.Set(vmName, parse.GetValue(adapterArg)!, parse.GetValue(network),
                ips is { Length: > 0 } ? ips : null, gateway, parse.GetValue(o.Mac),
                clearAddresses: parse.GetValue(noIp), clearGateway: parse.GetValue(noGateway), parse.GetValue(o.Protect), parse.GetValue(o.NoProtect), gateway6);
            var line = AdapterText.Describe(changed.Vm, changed.Adapter, changed.Network);
            output.WriteLine($"changed {vmName} {line}");
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command Remove(TextWriter output)
    {
        var vmArg = new Argument<string>("VM") { Description = "The VM" };
        var adapterArg = new Argument<string>("ADAPTER") { Description = "net0, net1, ... (or 0, 1, ...)" };
        var command = new Command("rm", "Remove an adapter from a VM") { vmArg, adapterArg };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var vmName = parse.GetValue(vmArg)!;
            var index = ctx.Agent.Adapters.Remove(vmName, parse.GetValue(adapterArg)!);
            output.WriteLine($"removed {vmName} net{index}");
            return HostnetCli.Success;
        });
        return command;
    }
}
