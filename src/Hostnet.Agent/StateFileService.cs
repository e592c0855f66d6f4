using System.Globalization;
using System.Text.Json;
using Hostnet.Agent.Contracts;
using Hostnet.Model;

namespace Hostnet.Agent;

/// <summary>How many networks and VMs an import added.</summary>
public sealed record ImportResult(int Networks, int Vms);

/// <summary>
/// Export and import: the whole desired state as one document (<see cref="StateDocument"/>,
/// <c>{"networks":[…],"vms":[…]}</c>). Import takes all of a document in one transaction, through the same
/// rules as the other use cases, or none of it, naming the first entry it refused.
/// </summary>
public sealed partial class StateFileService
{
    private readonly HostAgent _agent;

    internal StateFileService(HostAgent agent) => _agent = agent;

    /// <summary>The most import reads: far above any real state, far below what a host can hold in memory.</summary>
    public const int MaxImportBytes = 64 * 1024 * 1024;

    public StateDocument Export() => ToDocument.State(_agent.Load());

    /// <summary>
    /// Adds the networks and VMs of the document that <paramref name="open"/> gives, read up to
    /// <see cref="MaxImportBytes"/>; <paramref name="source"/> names it in errors. The kernel is not touched.
    /// </summary>
    public ImportResult Import(Func<Stream> open, string source)
    {
        ArgumentNullException.ThrowIfNull(open);
        var text = ReadBounded(open, source);
        return _agent.Write(work =>
        {
            var before = work.Tx.Load();
            var (state, added) = Apply(before, text, source);
            foreach (var n in state.Networks.Skip(before.Networks.Count)) work.Tx.AddNetwork(n);
            foreach (var vm in added) work.Tx.AddVm(vm);
            // The kernel is not touched: `apply` programs the whole imported state in one plan, one
            // probe window and one batch per namespace. Until then a running VM says it is pending.
            work.Tx.MarkPending(added.Where(vm => vm.Running).Select(vm => vm.Name).ToList());
            return new ImportResult(state.Networks.Count - before.Networks.Count, added.Count);
        });
    }

    /// <summary>
    /// Adds one network given as export writes it, read as import reads a network; the kernel is not touched.
    /// A refusal of the state (a name taken) is the error itself, as <c>network add</c> says it.
    /// </summary>
    public Network ImportNetwork(NetworkDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var el = JsonSerializer.SerializeToElement(document, HostnetJsonContext.Default.NetworkDocument);
        const string where = "network";
        var net = ReadNetwork(el, String(el, "name", where, required: true)!, where);
        return _agent.Write(work =>
        {
            work.Tx.Load().AddNetwork(net);
            work.Tx.AddNetwork(net);
            return net;
        });
    }

    /// <summary>
    /// Adds one VM given as export writes it, adapters included, read as import reads a VM: the kernel is not
    /// touched, a running one is pending until <c>apply</c>. A refusal of the state (a name taken) is the error
    /// itself, as <c>vm add</c> says it.
    /// </summary>
    public Vm ImportVm(VmDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var el = JsonSerializer.SerializeToElement(document, HostnetJsonContext.Default.VmDocument);
        const string where = "vm";
        var name = String(el, "name", where, required: true)!;
        return _agent.Write(work =>
        {
            var state = work.Tx.Load();
            var vm = ReadVm(el, name, state, $"{where} ({name})");
            var added = state.AddVm(vm).GetVm(vm.Name);
            work.Tx.AddVm(added);
            if (added.Running) work.Tx.MarkPending(added.Name);
            return added;
        });
    }

    /// <summary>
    /// The document as text, read in chunks up to <see cref="MaxImportBytes"/>: an endless input
    /// (<c>/dev/zero</c>) is refused after that much, never read into memory whole.
    /// </summary>
    private static string ReadBounded(Func<Stream> open, string source)
    {
        try
        {
            using var input = open();
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = input.Read(chunk, 0, (int)Math.Min(chunk.Length, MaxImportBytes + 1L - buffer.Length))) > 0)
            {
                buffer.Write(chunk, 0, n);
                if (buffer.Length > MaxImportBytes)
                {
                    throw new RequestRefusedException(ErrorCodes.ImportTooLarge,
                        ("source", source), ("limitMiB", (MaxImportBytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture)));
                }
            }
            buffer.Position = 0;
            using var reader = new StreamReader(buffer, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RequestRefusedException(ErrorCodes.ImportUnreadable, e, ("source", source), ("reason", e.Message));
        }
    }

    /// <summary>The state with the document's networks and VMs added, and the VMs as added; or the first refusal.</summary>
    internal static (DesiredState State, List<Vm> Added) Apply(DesiredState state, string text, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new RequestRefusedException(ErrorCodes.ImportNotJson, e, ("source", source), ("reason", e.Message));
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new RequestRefusedException(ErrorCodes.ImportNotAState, ("source", source));
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
                catch (ValidationException e)
                {
                    throw Refused(where, e);
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
                catch (ValidationException e)
                {
                    throw Refused(where, e);
                }
            }
            return (state, added);
        }
    }

    private static RequestRefusedException Refused(string where, ValidationException e) =>
        new(ErrorCodes.ImportEntryRefused, e, ("where", where));

    private static Network ReadNetwork(JsonElement el, string name, string where)
    {
        var mode = String(el, "mode", where, required: true)!;
        var uplink = String(el, "uplink", where, required: true)!;
        var bridge = String(el, "bridge", where, required: false);
        var gateway = String(el, "gateway", where, required: false) is { } g ? StateRules.ParseAddress(g) : (IpAddress?)null;
        var gateway6 = String(el, "gateway6", where, required: false) is { } g6 ? StateRules.ParseAddress(g6) : (IpAddress?)null;
        var ports = ProtectionRules.ParsePorts(Strings(el, "serverPorts", where));
        var dns = GuestSettingsRules.ParseDns(Strings(el, "dns", where));
        bool? dhcp = !el.TryGetProperty("dhcp", out var d) ? null : d.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => throw new ValidationException($"{where}: dhcp must be true, false or null"),
        };
        return mode switch
        {
            "bridged" => new Network(name, NetworkMode.Bridged, uplink, bridge, gateway) { ServerPorts = ports, Gateway6 = gateway6, Dhcp = dhcp, Dns = dns },
            "host-routed" => new Network(name, NetworkMode.HostRouted, uplink, bridge, gateway ?? IpAddress.DefaultRoutedGateway) { ServerPorts = ports, Gateway6 = gateway6, Dhcp = dhcp, Dns = dns },
            _ => throw new RequestRefusedException(ErrorCodes.ImportUnknownMode, ("where", where), ("mode", mode)),
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
            _ => throw new RequestRefusedException(ErrorCodes.ImportRunningNotBoolean, ("where", where)),
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
                    throw new RequestRefusedException(ErrorCodes.ImportIndexNotWholeNumber, ("where", at));
                }
            }
            next = Math.Max(next, index + 1);
            var network = state.GetNetwork(String(a, "network", at, required: true)!);
            var ips = Array(a, "ips", at).Select(ip => ip.ValueKind == JsonValueKind.String
                ? StateRules.ParseVmAddress(network, ip.GetString()!)
                : throw new RequestRefusedException(ErrorCodes.ImportIpsNotStrings, ("where", at))).ToList();
            var gateway = String(a, "gateway", at, required: false);
            var gateway6 = String(a, "gateway6", at, required: false);
            var mac = String(a, "mac", at, required: false) is { } m ? StateRules.ParseMac(m) : state.NewMac(uuid, index, adapters.Select(x => x.Mac));
            var adapter = new Adapter(index, network.Name, mac, ips, null);
            try
            {
                var (first, second) = StateRules.ParseAdapterGateways(gateway, gateway6);
                adapter = adapter.WithGateways(first, second) with { Protections = ProtectionRules.Switch(Protections.All, null, Strings(a, "unprotected", at)) };
                StateRules.CheckAdapterShape(network, adapter);
            }
            catch (ValidationException e)
            {
                throw Refused(at, e);
            }
            adapters.Add(adapter);
        }
        return new Vm(name, uuid, guest, running, adapters);
    }

    /// <summary>A list of strings (absent: empty); anything else in it is refused.</summary>
    private static List<string> Strings(JsonElement el, string property, string where) =>
        Array(el, property, where).Select(v => v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new RequestRefusedException(ErrorCodes.ImportFieldNotList, ("where", where), ("field", property))).ToList();

    private static IEnumerable<JsonElement> Array(JsonElement el, string property, string where)
    {
        if (!el.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Array) throw new RequestRefusedException(ErrorCodes.ImportFieldNotList, ("where", where), ("field", property));
        return value.EnumerateArray();
    }

    private static string? String(JsonElement el, string property, string where, bool required)
    {
        if (el.ValueKind != JsonValueKind.Object) throw new RequestRefusedException(ErrorCodes.ImportNotAnObject, ("where", where));
        if (!el.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new RequestRefusedException(ErrorCodes.ImportFieldMissing, ("where", where), ("field", property)) : null;
        }
        if (value.ValueKind != JsonValueKind.String) throw new RequestRefusedException(ErrorCodes.ImportFieldNotString, ("where", where), ("field", property));
        return value.GetString();
    }
}
