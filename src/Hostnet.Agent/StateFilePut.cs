using System.Text.Json;
using Hostnet.Agent.Contracts;
using Hostnet.Model;

namespace Hostnet.Agent;

/// <summary>What a create-or-replace did.</summary>
public enum PutOutcome
{
    /// <summary>There was none of that name: it was added.</summary>
    Created,

    /// <summary>It was there and differed: it was replaced.</summary>
    Replaced,

    /// <summary>It was there as the document gives it: nothing changed.</summary>
    Unchanged,
}

/// <summary>
/// Create-or-replace of one network or VM given as export writes it (the daemon's PUT): read as import reads
/// it, added when the name is free, left alone when what is there is the same, replaced otherwise. Doing it
/// twice changes nothing the second time.
/// </summary>
public sealed partial class StateFileService
{
    /// <summary>
    /// Puts network <paramref name="document"/>: a different network of that name is replaced only when no
    /// adapter uses it (otherwise the refusal of <c>network rm</c>).
    /// </summary>
    public (Network Network, PutOutcome Outcome) PutNetwork(NetworkDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var el = JsonSerializer.SerializeToElement(document, HostnetJsonContext.Default.NetworkDocument);
        const string where = "network";
        var net = ReadNetwork(el, String(el, "name", where, required: true)!, where);
        using var kernel = _agent.TakeKernelLock();
        var (old, outcome) = _agent.Write(work =>
        {
            var state = work.Tx.Load();
            var existing = state.FindNetwork(net.Name);
            if (existing == net) return (existing, PutOutcome.Unchanged);
            if (existing is not null)
            {
                state = state.RemoveNetwork(net.Name);
                work.Tx.RemoveNetwork(net.Name);
            }
            state.AddNetwork(net);
            work.Tx.AddNetwork(net);
            return (existing, existing is null ? PutOutcome.Created : PutOutcome.Replaced);
        });
        // A bridged network replaced may give its uplink back, as its removal would.
        if (outcome == PutOutcome.Replaced) _agent.Kernel.ConvergeAfterNetworkRemoved(old!);
        return (outcome == PutOutcome.Unchanged ? old! : net, outcome);
    }

    /// <summary>
    /// Puts VM <paramref name="document"/>, adapters included: a UUID the document leaves out is the existing VM's
    /// (and so are the MACs derived from it). As import, the kernel is not touched: a running VM, or one that was,
    /// is pending until <c>apply</c>.
    /// </summary>
    public (Vm Vm, PutOutcome Outcome) PutVm(VmDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var el = JsonSerializer.SerializeToElement(document, HostnetJsonContext.Default.VmDocument);
        const string where = "vm";
        var name = String(el, "name", where, required: true)!;
        return _agent.Write(work =>
        {
            var state = work.Tx.Load();
            var existing = state.FindVm(name);
            if (existing is null)
            {
                var added = state.AddVm(ReadVm(el, name, state, $"{where} ({name})")).GetVm(name);
                work.Tx.AddVm(added);
                if (added.Running) work.Tx.MarkPending(added.Name);
                return (added, PutOutcome.Created);
            }
            var without = state.RemoveVm(name);
            var given = el.TryGetProperty("uuid", out var u) && u.ValueKind == JsonValueKind.String
                ? el
                : JsonSerializer.SerializeToElement(document with { Uuid = existing.Uuid.ToString("D") }, HostnetJsonContext.Default.VmDocument);
            var after = without.AddVm(ReadVm(given, name, without, $"{where} ({name})"));
            var vm = after.GetVm(name);
            if (Same(existing, state, vm, after)) return (existing, PutOutcome.Unchanged);
            work.Tx.RemoveVm(name);
            work.Tx.AddVm(vm);
            if (vm.Running || existing.Running) work.Tx.MarkPending(name);
            return (vm, PutOutcome.Replaced);
        });
    }

    /// <summary>Whether two VMs are the same as export writes them.</summary>
    private static bool Same(Vm a, DesiredState aState, Vm b, DesiredState bState) =>
        HostnetJson.Write(ToDocument.Vm(a, aState, details: false), HostnetJsonContext.Default.VmDocument)
        == HostnetJson.Write(ToDocument.Vm(b, bState, details: false), HostnetJsonContext.Default.VmDocument);
}
