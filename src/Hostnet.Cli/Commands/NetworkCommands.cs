using System.CommandLine;
using System.CommandLine.Help;
using Hostnet.Cli.Output;
using Hostnet.Frontend;
using Hostnet.Model;

namespace Hostnet.Cli.Commands;

/// <summary><c>hostnet network add|list|show|rm</c>.</summary>
internal static class NetworkCommands
{
    public static Command Build(TextWriter output)
    {
        var network = new Command("network", "The LANs the VMs are connected to, bridged or host-routed");
        network.Subcommands.Add(Add(output));
        network.Subcommands.Add(List(output));
        network.Subcommands.Add(Show(output));
        network.Subcommands.Add(Set(output));
        network.Subcommands.Add(Remove(output));
        return network;
    }

    private static Command Set(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = "The network" };
        var serverPorts = new Option<string[]>("--server-ports")
        {
            Description = "Replace the ports on the server's own addresses its VMs may reach, e.g. tcp/53,udp/53",
            HelpName = "PROTO/PORT,...",
            Arity = ArgumentArity.OneOrMore,
        };
        var noServerPorts = new Option<bool>("--no-server-ports") { Description = "Open no port on the server's own addresses to its VMs" };
        var gateway6 = Gateway6Option();
        var (dhcp, noDhcp) = DhcpOptions();
        var dns = DnsOption();
        var noDns = new Option<bool>("--no-dns") { Description = "Hand the guests no DNS server" };
        var command = new Command("set", "Change a network: what is given is replaced, the rest stays") { name, serverPorts, noServerPorts, gateway6, dhcp, noDhcp, dns, noDns };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            Network net;
            try
            {
                net = ctx.Agent.Networks.Set(parse.GetValue(name)!, parse.GetValue(serverPorts), parse.GetValue(noServerPorts), parse.GetValue(gateway6),
                    Dhcp(parse.GetValue(dhcp), parse.GetValue(noDhcp)), parse.GetValue(dns), parse.GetValue(noDns));
            }
            catch (ValidationException e) when (e.Code == RefusalCodes.NothingToChange)
            {
                throw new ValidationException(RefusalCodes.NothingToChange, e.Message, null, (ChangeHint.OptionsArgument, string.Join(' ', ChangeOptions(command))));
            }
            output.WriteLine($"changed network {Describe(net)}");
            return HostnetCli.Success;
        });
        return command;
    }

    /// <summary>
    /// What a <c>set</c> given nothing to change names: every option the command takes, read from the
    /// command itself so that an option added to it is named at once.
    /// </summary>
    private static IEnumerable<string> ChangeOptions(Command command) =>
        command.Options.Where(o => o is not HelpOption && !o.Hidden).Select(o => o.Name);

    private static Command Add(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = "The network's name, e.g. Routed or Bridged" };
        var mode = new Option<string>("--mode")
        {
            Description = "bridged: VMs are ports of a bridge with the uplink; host-routed: the server routes and answers ARP for them",
            Required = true,
            HelpName = "bridged|host-routed",
        };
        mode.AcceptOnlyFromAmong("bridged", "host-routed");
        var bridge = new Option<string?>("--bridge") { Description = "Bridged: the bridge that holds the uplink and the VMs (created if missing), e.g. br1", HelpName = "BR" };
        var uplink = new Option<string>("--uplink") { Description = "The server's interface on the LAN, e.g. eth0", Required = true, HelpName = "IFACE" };
        var gateway = new Option<string?>("--gateway")
        {
            Description = $"Host-routed: the address the VMs route through (default {IpAddress.DefaultRoutedGateway})",
            HelpName = "ADDR",
        };
        var serverPorts = new Option<string[]>("--server-ports")
        {
            Description = "Ports on the server's own addresses its VMs may reach (protected adapters reach no other), e.g. tcp/53,udp/53",
            HelpName = "PROTO/PORT,...",
            Arity = ArgumentArity.OneOrMore,
        };
        var gateway6 = Gateway6Option();
        var (dhcp, noDhcp) = DhcpOptions();
        var dns = DnsOption();
        var command = new Command("add", "Add a network") { name, mode, bridge, uplink, gateway, gateway6, serverPorts, dhcp, noDhcp, dns };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var net = ctx.Agent.Networks.Add(parse.GetValue(name)!, parse.GetValue(mode) == "bridged" ? NetworkMode.Bridged : NetworkMode.HostRouted,
                parse.GetValue(uplink)!, parse.GetValue(bridge), parse.GetValue(gateway), parse.GetValue(serverPorts), parse.GetValue(gateway6),
                Dhcp(parse.GetValue(dhcp), parse.GetValue(noDhcp)), parse.GetValue(dns));
            output.WriteLine($"added network {Describe(net)}");
            return HostnetCli.Success;
        });
        return command;
    }

    private static Option<string?> Gateway6Option() => new("--gateway6")
    {
        Description = $"Host-routed: the IPv6 address the VMs route through, on each vme (default {IpAddress.DefaultRoutedGateway6})",
        HelpName = "ADDR",
    };

    private static Command List(TextWriter output)
    {
        var command = new Command("list", "List the networks");
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var networks = ctx.Agent.Networks.List();
            if (ctx.Json)
            {
                Json.Write(output, Documents.Networks(networks), Json.Types.IReadOnlyListNetworkDocument);
                return HostnetCli.Success;
            }
            var table = new Table("NAME", "MODE", "UPLINK", "BRIDGE", "GATEWAY", "DHCP");
            foreach (var n in networks)
            {
                table.Add(n.Name, Network.ModeName(n.Mode), n.Uplink, n.Bridge ?? "-", n.Gateway?.ToString() ?? "-", n.AnswersDhcp ? "on" : "off");
            }
            table.WriteTo(output);
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command Show(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = "The network" };
        var command = new Command("show", "Show a network and the adapters on it") { name };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var shown = ctx.Agent.Networks.Show(parse.GetValue(name)!);
            var (net, users) = shown;
            if (ctx.Json)
            {
                Json.Write(output, Documents.Network(shown), Json.Types.NetworkDetailsDocument);
                return HostnetCli.Success;
            }
            output.WriteLine($"name:     {net.Name}");
            output.WriteLine($"mode:     {Network.ModeName(net.Mode)}");
            output.WriteLine($"uplink:   {net.Uplink}");
            if (net.Bridge is not null) output.WriteLine($"bridge:   {net.Bridge}");
            if (net.Gateway is { } gw) output.WriteLine($"gateway:  {gw}");
            if (net.Gateway6Given is { } gw6) output.WriteLine($"gateway6: {gw6}");
            if (net.ServerPorts.Count > 0) output.WriteLine($"server ports: {string.Join(",", net.ServerPorts)}");
            output.WriteLine($"dhcp:     {(net.AnswersDhcp ? "on" : "off")}{(net.Dhcp is null ? " (the mode's default)" : "")}");
            if (net.Dns.Count > 0) output.WriteLine($"dns:      {string.Join(",", net.Dns)}");
            output.WriteLine($"adapters: {users.Count}");
            if (users.Count > 0)
            {
                var table = new Table("  VM", "ADAPTER", "HOST", "ADDRESSES");
                foreach (var (vm, a) in users)
                {
                    table.Add("  " + vm.Name, a.Name, vm.HostInterface(a.Index), AdapterText.Addresses(net, a));
                }
                table.WriteTo(output);
            }
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command Remove(TextWriter output)
    {
        var name = new Argument<string>("NAME") { Description = "The network; no adapter may still use it" };
        var command = new Command("rm", "Remove a network") { name };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var netName = parse.GetValue(name)!;
            ctx.Agent.Networks.Remove(netName);
            output.WriteLine($"removed network {netName}");
            return HostnetCli.Success;
        });
        return command;
    }

    private static string Describe(Network n) =>
        $"{n.Name} ("
        + (n.Mode == NetworkMode.Bridged ? $"bridged, bridge {n.Bridge}, uplink {n.Uplink}" : $"host-routed, uplink {n.Uplink}, gateway {n.Gateway}" + (n.Gateway6Given is { } gw6 ? $", gateway6 {gw6}" : ""))
        + (n.ServerPorts.Count > 0 ? $", server ports {string.Join(",", n.ServerPorts)}" : "")
        + (n.Dhcp is { } on ? (on ? ", dhcp on" : ", dhcp off") : "")
        + (n.Dns.Count > 0 ? $", dns {string.Join(",", n.Dns)}" : "") + ")";

    private static (Option<bool> Dhcp, Option<bool> NoDhcp) DhcpOptions() =>
        (new Option<bool>("--dhcp") { Description = "Hostnet answers the DHCP of the network's adapters, for their MACs only (host-routed: the default)" },
         new Option<bool>("--no-dhcp") { Description = "Nothing answers the adapters' DHCP (bridged: the default)" });

    private static Option<string[]> DnsOption() => new("--dns")
    {
        Description = "The DNS servers handed to the guests (DHCP, vm cloud-init), e.g. 192.0.2.53,2001:db8::53",
        HelpName = "ADDR[,ADDR...]",
        Arity = ArgumentArity.OneOrMore,
    };

    /// <summary>The DHCP switch given: --dhcp, --no-dhcp, or neither (null); both is one line and nothing changed.</summary>
    private static bool? Dhcp(bool on, bool off) =>
        on && off ? throw new ValidationException(RefusalCodes.DhcpOnAndOff, "DHCP cannot be switched on and off at once")
        : on ? true : off ? false : null;
}
