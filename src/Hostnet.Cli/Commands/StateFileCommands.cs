using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hostnet.Cli.Output;
using Hostnet.Model;

namespace Hostnet.Cli.Commands;

/// <summary>
/// <c>hostnet export</c> and <c>hostnet import</c>: the whole desired state as one JSON document,
/// <c>{"networks":[…],"vms":[…]}</c>. Import takes all of a file in one transaction, through the same
/// rules as the commands, or none of it, naming the first entry it refused.
/// </summary>
internal static class StateFileCommands
{
    public static IEnumerable<Command> Build(TextWriter output)
    {
        yield return Export(output);
        yield return Import(output);
    }

    private static Command Export(TextWriter output)
    {
        var command = new Command("export", "Print the whole desired state as JSON (the format import reads)");
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var state = ctx.Load();
            Json.Write(output, w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("networks");
                foreach (var n in state.Networks) Json.Network(w, n);
                w.WriteEndArray();
                w.WriteStartArray("vms");
                foreach (var vm in state.Vms) Json.Vm(w, vm, state, details: false);
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return HostnetCli.Success;
        });
        return command;
    }

    private static Command Import(TextWriter output)
    {
        var file = new Argument<string>("FILE") { Description = "A file as export prints it, or - for standard input" };
        var command = new Command("import", "Add the networks and VMs of a JSON file: all of them, or none if one is refused") { file };
        command.SetAction(parse =>
        {
            var ctx = CliContext.From(parse, output);
            var path = parse.GetValue(file)!;
            var text = ReadBounded(path);
            var (networks, vms) = ctx.Write(tx =>
            {
                var before = tx.Load();
                var (state, added) = Apply(before, text, path);
                foreach (var n in state.Networks.Skip(before.Networks.Count)) tx.AddNetwork(n);
                foreach (var vm in added) tx.AddVm(vm);
                // The kernel is not touched: `apply` programs the whole imported state in one plan, one
                // probe window and one batch per namespace. Until then a running VM says it is pending.
                tx.MarkPending(added.Where(vm => vm.Running).Select(vm => vm.Name).ToList());
                return (state.Networks.Count - before.Networks.Count, added.Count);
            });
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imported {networks} network{(networks == 1 ? "" : "s")} and {vms} VM{(vms == 1 ? "" : "s")}"));
            return HostnetCli.Success;
        });
        return command;
    }

    /// <summary>The most <c>import</c> reads: far above any real state, far below what a host can hold in memory.</summary>
    internal const int MaxImportBytes = 64 * 1024 * 1024;

    /// <summary>
    /// The file (or standard input for <c>-</c>) as text, read in chunks up to <see cref="MaxImportBytes"/>:
    /// an endless input (<c>/dev/zero</c>) is refused after that much, never read into memory whole.
    /// </summary>
    private static string ReadBounded(string path)
    {
        var source = path == "-" ? "standard input" : path;
        try
        {
            using var input = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = input.Read(chunk, 0, (int)Math.Min(chunk.Length, MaxImportBytes + 1L - buffer.Length))) > 0)
            {
                buffer.Write(chunk, 0, n);
                if (buffer.Length > MaxImportBytes)
                    throw new ValidationException($"{source} is larger than {MaxImportBytes / (1024 * 1024)} MiB: import reads at most that much");
            }
            buffer.Position = 0;
            using var reader = new StreamReader(buffer, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ValidationException($"cannot read {source}: {e.Message}");
        }
    }

    /// <summary>The state with the file's networks and VMs added, and the VMs as added; or the first refusal.</summary>
    internal static (DesiredState State, List<Vm> Added) Apply(DesiredState state, string text, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new ValidationException($"{source} is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ValidationException($"{source} is not a Hostnet state: give an object {{\"networks\": [...], \"vms\": [...]}}");
            }
            var i = 0;
            foreach (var el in Array(root, "networks", source))
            {
                var where = $"networks[{i++}]";
                var name = String(el, "name", where, required: true)!;
                where += $" ({name})";
                try
                {
                    state = state.AddNetwork(ReadNetwork(el, name, where));
                }
                catch (ValidationException e) when (!e.Message.StartsWith(where, StringComparison.Ordinal))
                {
                    throw new ValidationException($"{where}: {e.Message}", e);
                }
            }
            var added = new List<Vm>();
            i = 0;
            foreach (var el in Array(root, "vms", source))
            {
                var where = $"vms[{i++}]";
                var name = String(el, "name", where, required: true)!;
                where += $" ({name})";
                try
                {
                    var vm = ReadVm(el, name, state, where);
                    state = state.AddVm(vm);
                    added.Add(state.GetVm(vm.Name));
                }
                catch (ValidationException e) when (!e.Message.StartsWith(where, StringComparison.Ordinal))
                {
                    throw new ValidationException($"{where}: {e.Message}", e);
                }
            }
            return (state, added);
        }
    }

    private static Network ReadNetwork(JsonElement el, string name, string where)
    {
        var mode = String(el, "mode", where, required: true);
        var uplink = String(el, "uplink", where, required: true)!;
        var bridge = String(el, "bridge", where, required: false);
        var gateway = String(el, "gateway", where, required: false) is { } g ? StateRules.ParseAddress(g) : (Ipv4Address?)null;
        return mode switch
        {
            "bridged" => new Network(name, NetworkMode.Bridged, uplink, bridge, gateway),
            "host-routed" => new Network(name, NetworkMode.HostRouted, uplink, bridge, gateway ?? Ipv4Address.DefaultRoutedGateway),
            _ => throw new ValidationException($"{where}: '{mode}' is not a mode: give bridged or host-routed"),
        };
    }

    private static Vm ReadVm(JsonElement el, string name, DesiredState state, string where)
    {
        StateRules.CheckVmName(name);
        var uuid = String(el, "uuid", where, required: false) is { } u ? StateRules.ParseUuid(u) : state.NewVmUuid();
        var guest = StateRules.ParseGuest(String(el, "guest", where, required: false), name);
        var running = el.TryGetProperty("running", out var r) && r.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new ValidationException($"{where}: \"running\" is not true or false"),
        };
        var adapters = new List<Adapter>();
        var j = 0;
        var next = 0;
        foreach (var a in Array(el, "adapters", where))
        {
            var at = $"{where} adapters[{j++}]";
            var index = next;
            if (a.TryGetProperty("index", out var idx))
            {
                if (idx.ValueKind != JsonValueKind.Number || !idx.TryGetInt32(out index))
                {
                    throw new ValidationException($"{at}: \"index\" is not a whole number: give 0, 1, ...");
                }
            }
            next = Math.Max(next, index + 1);
            var network = state.GetNetwork(String(a, "network", at, required: true)!);
            var ips = Array(a, "ips", at).Select(ip => ip.ValueKind == JsonValueKind.String
                ? StateRules.ParseVmAddress(network, ip.GetString()!)
                : throw new ValidationException($"{at}: \"ips\" holds something other than strings")).ToList();
            var gateway = String(a, "gateway", at, required: false) is { } g ? StateRules.ParseAddress(g) : (Ipv4Address?)null;
            var mac = String(a, "mac", at, required: false) is { } m ? StateRules.ParseMac(m) : state.NewMac(uuid, index, adapters.Select(x => x.Mac));
            var adapter = new Adapter(index, network.Name, mac, ips, gateway);
            try
            {
                StateRules.CheckAdapterShape(network, adapter);
            }
            catch (ValidationException e)
            {
                throw new ValidationException($"{at}: {e.Message}", e);
            }
            adapters.Add(adapter);
        }
        return new Vm(name, uuid, guest, running, adapters);
    }

    private static IEnumerable<JsonElement> Array(JsonElement el, string property, string where)
    {
        if (!el.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Array) throw new ValidationException($"{where}: \"{property}\" is not a list");
        return value.EnumerateArray();
    }

    private static string? String(JsonElement el, string property, string where, bool required)
    {
        if (el.ValueKind != JsonValueKind.Object) throw new ValidationException($"{where}: is not an object");
        if (!el.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new ValidationException($"{where}: \"{property}\" is missing") : null;
        }
        if (value.ValueKind != JsonValueKind.String) throw new ValidationException($"{where}: \"{property}\" is not a string");
        return value.GetString();
    }
}
