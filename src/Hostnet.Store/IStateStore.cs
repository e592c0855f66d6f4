using Hostnet.Model;

namespace Hostnet.Store;

/// <summary>
/// The desired state of one server, wherever it is kept (the SQLite file in the state directory now; a
/// store shared across servers later). Every change is one transaction: all of it is kept or none.
/// A store that cannot be used throws <see cref="StoreException"/>, marked <see cref="StoreException.IsTransient"/>
/// when trying again may cure it (the watch loop retries those, and gives up on the others).
/// </summary>
public interface IStateStore
{
    /// <summary>The whole desired state, read in one snapshot.</summary>
    DesiredState Load();

    /// <summary>Reads in one snapshot, which neither waits for nor blocks a writer.</summary>
    T Read<T>(Func<IStateTransaction, T> read);

    /// <summary>
    /// Runs <paramref name="change"/> in one transaction and commits it; writers take turns. When
    /// <paramref name="change"/> throws, nothing of it is kept.
    /// </summary>
    T Write<T>(Func<IStateTransaction, T> change);

    /// <inheritdoc cref="Write{T}(Func{IStateTransaction, T})"/>
    void Write(Action<IStateTransaction> change);
}

/// <summary>
/// One open transaction of an <see cref="IStateStore"/>: the whole state, and the edits the use cases make.
/// Check an edit with <see cref="DesiredState"/> first: a transaction writes what it is given.
/// </summary>
public interface IStateTransaction
{
    DesiredState Load();

    void AddNetwork(Network network);

    /// <summary>Replaces a network's server ports.</summary>
    void SetServerPorts(string name, IReadOnlyList<ServerPort> ports);

    /// <summary>Replaces a host-routed network's IPv6 gateway (null: the default <c>fe80::ffff:1:1</c>).</summary>
    void SetGateway6(string name, IpAddress? gateway6);

    /// <summary>Replaces what a network hands its guests: its DHCP switch (null: the mode's default) and DNS servers.</summary>
    void SetGuestSettings(string name, bool? dhcp, IReadOnlyList<IpAddress> dns);

    void RemoveNetwork(string name);

    /// <summary>Inserts a VM with its adapters.</summary>
    void AddVm(Vm vm);

    /// <summary>Deletes a VM; its adapters and addresses go with it.</summary>
    void RemoveVm(string name);

    void SetRunning(string vmName, bool running);

    /// <summary>Writes adapter <c>adapter.Index</c> of VM <paramref name="vmName"/>, new or replacing the old one.</summary>
    void SaveAdapter(string vmName, Adapter adapter);

    void RemoveAdapter(string vmName, int index);

    /// <summary>
    /// Marks a VM whose change is committed before the kernel follows (start, stop, an adapter of a running VM):
    /// until an apply has made it, the state says so. Returns the change's number, for <see cref="ClearPending"/>.
    /// </summary>
    long MarkPending(string vmName);

    /// <summary>As <see cref="MarkPending(string)"/>, for many VMs under one number (an import).</summary>
    long MarkPending(IReadOnlyCollection<string> vmNames);

    /// <summary>The VMs with a change the kernel has not followed yet, with the change's number.</summary>
    IReadOnlyDictionary<string, long> PendingVms();

    /// <summary>
    /// Clears the marks an apply has made true: each only if it is still the change that apply saw (a change
    /// committed meanwhile keeps its mark for the next apply).
    /// </summary>
    void ClearPending(IReadOnlyDictionary<string, long> applied);
}
