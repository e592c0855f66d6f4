using Hostnet.Model;
using Hostnet.Store;

namespace Hostnet.Agent;

/// <summary>
/// A transaction that reads the whole state once until it is edited: a write recorded for the watch loop reads the
/// state it found, and the use case's own first read is that same one rather than a second read of every row.
/// </summary>
internal sealed class ReadOnceTransaction(IStateTransaction tx) : IStateTransaction
{
    private DesiredState? _read;

    public DesiredState Load() => _read ??= tx.Load();

    private IStateTransaction Edit()
    {
        _read = null;
        return tx;
    }

    public void AddNetwork(Network network) => Edit().AddNetwork(network);

    public void SetServerPorts(string name, IReadOnlyList<ServerPort> ports) => Edit().SetServerPorts(name, ports);

    public void SetGateway6(string name, IpAddress? gateway6) => Edit().SetGateway6(name, gateway6);

    public void SetGuestSettings(string name, bool? dhcp, IReadOnlyList<IpAddress> dns) => Edit().SetGuestSettings(name, dhcp, dns);

    public void RemoveNetwork(string name) => Edit().RemoveNetwork(name);

    public void AddVm(Vm vm) => Edit().AddVm(vm);

    public void RemoveVm(string name) => Edit().RemoveVm(name);

    public void SetRunning(string vmName, bool running) => Edit().SetRunning(vmName, running);

    public void SaveAdapter(string vmName, Adapter adapter) => Edit().SaveAdapter(vmName, adapter);

    public void RemoveAdapter(string vmName, int index) => Edit().RemoveAdapter(vmName, index);

    // The pending marks are no part of the state read.
    public long MarkPending(string vmName) => tx.MarkPending(vmName);

    public long MarkPending(IReadOnlyCollection<string> vmNames) => tx.MarkPending(vmNames);

    public IReadOnlyDictionary<string, long> PendingVms() => tx.PendingVms();

    public void ClearPending(IReadOnlyDictionary<string, long> applied) => tx.ClearPending(applied);
}
