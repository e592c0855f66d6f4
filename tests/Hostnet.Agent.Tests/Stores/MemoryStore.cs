using System.Collections.Immutable;
using Hostnet.Model;
using Hostnet.Store;

namespace Hostnet.Agent.Tests.Stores;

/// <summary>
/// A server's store in memory: the desired state and the ledger as <see cref="IStoreOpener"/> gives them, with
/// the same contract as the SQLite one: a write is all kept or none, writers take turns, a reader sees a
/// committed snapshot, and nothing is there until a use case that writes opens it.
/// </summary>
internal sealed class MemoryStore : IStoreOpener, IServerStore, IStateStore, ILedgerStore
{
    private readonly Lock _gate = new();
    private Contents _committed = new([], [], ImmutableDictionary<string, long>.Empty);
    private readonly HashSet<LedgerRow> _ledger = [];
    private readonly List<JournaledMove> _moves = [];

    /// <summary>Whether a use case that writes has opened it (a read-only one creates nothing).</summary>
    public bool Created { get; private set; }

    /// <summary>How many transactions committed.</summary>
    public int Commits { get; private set; }

    public IServerStore Open()
    {
        Created = true;
        return this;
    }

    public IServerStore? OpenIfExists() => Created ? this : null;

    public IStateStore State => this;

    public ILedgerStore Ledger => this;

    public void Dispose()
    {
        // Opening hands out this one store: closing a handle keeps what it holds.
    }

    public DesiredState Load() => Read(tx => tx.Load());

    public T Read<T>(Func<IStateTransaction, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        Contents snapshot;
        lock (_gate) snapshot = _committed;
        return read(new Transaction(snapshot));
    }

    public T Write<T>(Func<IStateTransaction, T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            var tx = new Transaction(_committed);
            var result = change(tx);
            _committed = tx.Contents;
            Commits++;
            return result;
        }
    }

    public void Write(Action<IStateTransaction> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Write(tx =>
        {
            change(tx);
            return 0;
        });
    }

    public IReadOnlyList<LedgerRow> Entries()
    {
        lock (_gate) return [.. _ledger];
    }

    public void Record(IReadOnlyCollection<LedgerRow> rows)
    {
        lock (_gate) _ledger.UnionWith(rows);
    }

    public void Forget(IReadOnlyCollection<LedgerRow> rows)
    {
        lock (_gate) _ledger.ExceptWith(rows);
    }

    public IReadOnlyList<JournaledMove> PendingMoves()
    {
        lock (_gate) return [.. _moves];
    }

    public void BeginMove(JournaledMove move)
    {
        ArgumentNullException.ThrowIfNull(move);
        lock (_gate)
        {
            _moves.RemoveAll(m => m.Uplink == move.Uplink);
            _moves.Add(move);
        }
    }

    public void EndMove(string uplink)
    {
        lock (_gate) _moves.RemoveAll(m => m.Uplink == uplink);
    }

    private sealed record Contents(ImmutableList<Network> Networks, ImmutableList<Vm> Vms, ImmutableDictionary<string, long> Pending);

    /// <summary>Edits a copy of the committed contents: a change that throws leaves the store as it was.</summary>
    private sealed class Transaction(Contents start) : IStateTransaction
    {
        public Contents Contents { get; private set; } = start;

        public DesiredState Load() => new(Contents.Networks, Contents.Vms);

        public void AddNetwork(Network network) => Contents = Contents with { Networks = Contents.Networks.Add(network) };

        public void SetServerPorts(string name, IReadOnlyList<ServerPort> ports)
        {
            var old = Contents.Networks.Single(n => n.Name == name);
            Contents = Contents with { Networks = Contents.Networks.Replace(old, old with { ServerPorts = ports }) };
        }

        public void SetGateway6(string name, IpAddress? gateway6)
        {
            var old = Contents.Networks.Single(n => n.Name == name);
            Contents = Contents with { Networks = Contents.Networks.Replace(old, old with { Gateway6 = gateway6 }) };
        }

        public void SetGuestSettings(string name, bool? dhcp, IReadOnlyList<IpAddress> dns)
        {
            var old = Contents.Networks.Single(n => n.Name == name);
            Contents = Contents with { Networks = Contents.Networks.Replace(old, old with { Dhcp = dhcp, Dns = dns }) };
        }

        public void RemoveNetwork(string name) =>
            Contents = Contents with { Networks = Contents.Networks.Remove(Contents.Networks.Single(n => n.Name == name)) };

        public void AddVm(Vm vm) => Contents = Contents with { Vms = Contents.Vms.Add(vm) };

        public void RemoveVm(string name) =>
            Contents = Contents with { Vms = Contents.Vms.Remove(VmNamed(name)), Pending = Contents.Pending.Remove(name) };

        public void SetRunning(string vmName, bool running) => Replace(vmName, vm => vm with { Running = running });

        public void SaveAdapter(string vmName, Adapter adapter) => Replace(vmName, vm => vm with
        {
            Adapters = vm.Adapters.Where(a => a.Index != adapter.Index).Append(adapter).OrderBy(a => a.Index).ToImmutableList(),
        });

        public void RemoveAdapter(string vmName, int index) => Replace(vmName, vm => vm with
        {
            Adapters = vm.Adapters.Where(a => a.Index != index).ToImmutableList(),
        });

        public long MarkPending(string vmName) => MarkPending([vmName]);

        public long MarkPending(IReadOnlyCollection<string> vmNames)
        {
            if (vmNames.Count == 0) return 0;
            var number = Contents.Pending.Values.DefaultIfEmpty(0).Max() + 1;
            foreach (var name in vmNames)
            {
                VmNamed(name);
                Contents = Contents with { Pending = Contents.Pending.SetItem(name, number) };
            }
            return number;
        }

        public IReadOnlyDictionary<string, long> PendingVms() => Contents.Pending;

        public void ClearPending(IReadOnlyDictionary<string, long> applied)
        {
            foreach (var (name, number) in applied)
            {
                if (Contents.Pending.TryGetValue(name, out var n) && n == number) Contents = Contents with { Pending = Contents.Pending.Remove(name) };
            }
        }

        private Vm VmNamed(string name) =>
            Contents.Vms.SingleOrDefault(v => v.Name == name) ?? throw new InvalidOperationException($"VM {name} is not in the store");

        private void Replace(string vmName, Func<Vm, Vm> change)
        {
            var vm = VmNamed(vmName);
            Contents = Contents with { Vms = Contents.Vms.Replace(vm, change(vm)) };
        }
    }
}
