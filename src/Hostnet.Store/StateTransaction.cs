using System.Collections.Immutable;
using System.Globalization;
using Hostnet.Model;
using Microsoft.Data.Sqlite;

namespace Hostnet.Store;

/// <summary>
/// One open write transaction of <see cref="StateStore.Write{T}"/>. <see cref="Load"/> reads the
/// whole state; each edit touches only the rows of what it changes, so a change among
/// ten thousand VMs costs the same as among ten. Check an edit with <see cref="DesiredState"/>
/// first: this class writes what it is given. <see cref="CreateCommand"/> runs other SQL of this
/// project (the ledger's tables) in the same transaction.
/// </summary>
public sealed class StateTransaction : IStateTransaction, IDisposable
{
    // Statements are prepared once per transaction and re-bound: an import of
    // thousands of VMs runs the same few statements over and over.
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    internal StateTransaction(SqliteConnection connection, SqliteTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    internal SqliteConnection Connection { get; }

    internal SqliteTransaction Transaction { get; }

    /// <summary>A command in this transaction; the caller disposes it.</summary>
    public SqliteCommand CreateCommand(string sql)
    {
        var cmd = Connection.CreateCommand();
        cmd.Transaction = Transaction;
        cmd.CommandText = sql;
        return cmd;
    }

    public DesiredState Load()
    {
        var networks = ImmutableList.CreateBuilder<Network>();
        using (var r = Query("SELECT name, mode, uplink, bridge, gateway, server_ports, gateway6, dhcp, dns FROM networks ORDER BY id"))
        {
            while (r.Read())
            {
                var mode = r.GetString(1) == "bridged" ? NetworkMode.Bridged : NetworkMode.HostRouted;
                networks.Add(new Network(r.GetString(0), mode, r.GetString(2), NullableString(r, 3), NullableAddress(r, 4))
                {
                    ServerPorts = StoredProtections.PortsOf(r.GetString(5)),
                    Gateway6 = NullableAddress(r, 6),
                    Dhcp = r.IsDBNull(7) ? null : r.GetInt64(7) != 0,
                    Dns = r.GetString(8).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(IpAddress.Parse).ToImmutableList(),
                });
            }
        }

        var addresses = new Dictionary<(long, int), ImmutableList<IpPrefix>.Builder>();
        using (var r = Query("SELECT vm_id, idx, address, prefix FROM adapter_addresses ORDER BY vm_id, idx, pos"))
        {
            while (r.Read())
            {
                var key = (r.GetInt64(0), r.GetInt32(1));
                if (!addresses.TryGetValue(key, out var list)) addresses[key] = list = ImmutableList.CreateBuilder<IpPrefix>();
                list.Add(new IpPrefix(IpAddress.Parse(r.GetString(2)), r.GetInt32(3)));
            }
        }

        var adapters = new Dictionary<long, ImmutableList<Adapter>.Builder>();
        using (var r = Query("SELECT vm_id, idx, network, mac, gateway, unprotected, gateway6 FROM adapters ORDER BY vm_id, idx"))
        {
            while (r.Read())
            {
                var vmId = r.GetInt64(0);
                var idx = r.GetInt32(1);
                if (!adapters.TryGetValue(vmId, out var list)) adapters[vmId] = list = ImmutableList.CreateBuilder<Adapter>();
                var addrs = addresses.TryGetValue((vmId, idx), out var a) ? a.ToImmutable() : ImmutableList<IpPrefix>.Empty;
                list.Add(new Adapter(idx, r.GetString(2), MacAddress.Parse(r.GetString(3)), addrs, NullableAddress(r, 4))
                {
                    Protections = StoredProtections.On(r.GetString(5)),
                    Gateway6 = NullableAddress(r, 6),
                });
            }
        }

        var vms = ImmutableList.CreateBuilder<Vm>();
        using (var r = Query("SELECT id, name, uuid, guest, netns, running FROM vms ORDER BY id"))
        {
            while (r.Read())
            {
                var guest = r.GetString(3) == "netns" ? Guest.Netns(r.GetString(4)) : Guest.Tap;
                var list = adapters.TryGetValue(r.GetInt64(0), out var l) ? l.ToImmutable() : ImmutableList<Adapter>.Empty;
                vms.Add(new Vm(r.GetString(1), Guid.Parse(r.GetString(2)), guest, r.GetInt64(5) != 0, list));
            }
        }
        return new DesiredState(networks.ToImmutable(), vms.ToImmutable());
    }

    public void AddNetwork(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Run("INSERT INTO networks (name, mode, uplink, bridge, gateway) VALUES ($p0, $p1, $p2, $p3, $p4)",
            network.Name, Network.ModeName(network.Mode), network.Uplink, network.Bridge, network.Gateway?.ToString());
        // Written apart, and only when there are any: a network without them reads the same from every schema version.
        if (network.ServerPorts.Count > 0)
            Run("UPDATE networks SET server_ports = $p1 WHERE name = $p0", network.Name, StoredProtections.Ports(network.ServerPorts));
        if (network.Gateway6Given is { } gw6) SetGateway6(network.Name, gw6);
        if (network.Dhcp is not null || network.Dns.Count > 0) SetGuestSettings(network.Name, network.Dhcp, network.Dns);
    }

    public void SetGuestSettings(string name, bool? dhcp, IReadOnlyList<IpAddress> dns)
    {
        ArgumentNullException.ThrowIfNull(dns);
        Expect(1, Run("UPDATE networks SET dhcp = $p1, dns = $p2 WHERE name = $p0", name, dhcp is { } on ? (on ? 1L : 0L) : null,
            string.Join(",", dns)), $"network {name}");
    }

    /// <summary>Replaces a host-routed network's IPv6 gateway (NULL: the default fe80::ffff:1:1).</summary>
    public void SetGateway6(string name, IpAddress? gateway6) =>
        Expect(1, Run("UPDATE networks SET gateway6 = $p1 WHERE name = $p0", name, gateway6?.ToString()), $"network {name}");

    /// <summary>Replaces a network's server ports ("" when it has none).</summary>
    public void SetServerPorts(string name, IReadOnlyList<ServerPort> ports) =>
        Expect(1, Run("UPDATE networks SET server_ports = $p1 WHERE name = $p0", name, StoredProtections.Ports(ports)), $"network {name}");

    public void RemoveNetwork(string name) =>
        Expect(1, Run("DELETE FROM networks WHERE name = $p0", name), $"network {name}");

    /// <summary>Inserts a VM with its adapters.</summary>
    public void AddVm(Vm vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        Run("INSERT INTO vms (name, uuid, guest, netns, running) VALUES ($p0, $p1, $p2, $p3, $p4)",
            vm.Name, vm.Uuid.ToString("D"), vm.Guest.Kind == GuestKind.Netns ? "netns" : "tap", vm.Guest.NetnsName, vm.Running ? 1 : 0);
        var id = Convert.ToInt64(Scalar("SELECT last_insert_rowid()"), CultureInfo.InvariantCulture);
        foreach (var a in vm.Adapters) InsertAdapter(id, a);
    }

    /// <summary>Deletes a VM; its adapters and addresses go with it.</summary>
    public void RemoveVm(string name) =>
        Expect(1, Run("DELETE FROM vms WHERE name = $p0", name), $"VM {name}");

    public void SetRunning(string vmName, bool running) =>
        Expect(1, Run("UPDATE vms SET running = $p1 WHERE name = $p0", vmName, running ? 1 : 0), $"VM {vmName}");

    /// <summary>
    /// Marks a VM whose change is committed before the kernel follows (start, stop, an adapter of a running VM):
    /// until an apply has made it, the state says so. Returns the change's number, for <see cref="ClearPending"/>.
    /// </summary>
    public long MarkPending(string vmName) => MarkPending([vmName]);

    /// <summary>As <see cref="MarkPending(string)"/>, for many VMs under one number (an import).</summary>
    public long MarkPending(IReadOnlyCollection<string> vmNames)
    {
        ArgumentNullException.ThrowIfNull(vmNames);
        if (vmNames.Count == 0) return 0;
        var number = Convert.ToInt64(Scalar("SELECT coalesce(max(pending), 0) + 1 FROM vms"), CultureInfo.InvariantCulture);
        foreach (var name in vmNames) Expect(1, Run("UPDATE vms SET pending = $p1 WHERE name = $p0", name, number), $"VM {name}");
        return number;
    }

    /// <summary>The VMs with a change the kernel has not followed yet, with the change's number.</summary>
    public IReadOnlyDictionary<string, long> PendingVms()
    {
        var pending = new Dictionary<string, long>(StringComparer.Ordinal);
        using var r = Query("SELECT name, pending FROM vms WHERE pending <> 0");
        while (r.Read()) pending[r.GetString(0)] = r.GetInt64(1);
        return pending;
    }

    /// <summary>
    /// Clears the marks an apply has made true: each only if it is still the change that apply saw (a change
    /// committed meanwhile keeps its mark for the next apply).
    /// </summary>
    public void ClearPending(IReadOnlyDictionary<string, long> applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        foreach (var (name, number) in applied) Run("UPDATE vms SET pending = 0 WHERE name = $p0 AND pending = $p1", name, number);
    }

    /// <summary>Writes adapter <c>adapter.Index</c> of VM <paramref name="vmName"/>, new or replacing the old one.</summary>
    public void SaveAdapter(string vmName, Adapter adapter)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        var id = VmId(vmName);
        Run("DELETE FROM adapter_addresses WHERE vm_id = $p0 AND idx = $p1", id, adapter.Index);
        var updated = Run("UPDATE adapters SET network = $p2, mac = $p3, gateway = $p4, unprotected = $p5, gateway6 = $p6 WHERE vm_id = $p0 AND idx = $p1",
            id, adapter.Index, adapter.Network, adapter.Mac.ToString(), adapter.Gateway?.ToString(), StoredProtections.Off(adapter.Protections),
            adapter.Gateway6?.ToString());
        if (updated == 0)
        {
            InsertAdapter(id, adapter);
        }
        else
        {
            InsertAddresses(id, adapter);
        }
    }

    public void RemoveAdapter(string vmName, int index) =>
        Expect(1, Run("DELETE FROM adapters WHERE vm_id = $p0 AND idx = $p1", VmId(vmName), index), $"adapter net{index} of VM {vmName}");

    public void Dispose()
    {
        foreach (var cmd in _commands.Values) cmd.Dispose();
        _commands.Clear();
    }

    private void InsertAdapter(long vmId, Adapter a)
    {
        Run("INSERT INTO adapters (vm_id, idx, network, mac, gateway) VALUES ($p0, $p1, $p2, $p3, $p4)",
            vmId, a.Index, a.Network, a.Mac.ToString(), a.Gateway?.ToString());
        // Only when some are off: an adapter with every protection reads the same from every schema version.
        if (a.Protections != Protections.All)
            Run("UPDATE adapters SET unprotected = $p2 WHERE vm_id = $p0 AND idx = $p1", vmId, a.Index, StoredProtections.Off(a.Protections));
        if (a.Gateway6 is { } gw6)
            Run("UPDATE adapters SET gateway6 = $p2 WHERE vm_id = $p0 AND idx = $p1", vmId, a.Index, gw6.ToString());
        InsertAddresses(vmId, a);
    }

    private void InsertAddresses(long vmId, Adapter a)
    {
        for (var pos = 0; pos < a.Addresses.Count; pos++)
        {
            Run("INSERT INTO adapter_addresses (vm_id, idx, pos, address, prefix) VALUES ($p0, $p1, $p2, $p3, $p4)",
                vmId, a.Index, pos, a.Addresses[pos].Address.ToString(), a.Addresses[pos].PrefixLength);
        }
    }

    private long VmId(string vmName) =>
        Scalar("SELECT id FROM vms WHERE name = $p0", vmName) is long id
            ? id
            : throw new InvalidOperationException($"VM {vmName} is not in the state database");

    private static void Expect(int rows, int affected, string what)
    {
        if (affected != rows) throw new InvalidOperationException($"{what} is not in the state database");
    }

    private SqliteCommand Prepared(string sql, object?[] args)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = CreateCommand(sql);
            for (var i = 0; i < args.Length; i++) cmd.Parameters.Add(new SqliteParameter("$p" + i.ToString(CultureInfo.InvariantCulture), null));
            _commands[sql] = cmd;
        }
        for (var i = 0; i < args.Length; i++) cmd.Parameters[i].Value = args[i] ?? DBNull.Value;
        return cmd;
    }

    private int Run(string sql, params object?[] args) => Prepared(sql, args).ExecuteNonQuery();

    private object? Scalar(string sql, params object?[] args) => Prepared(sql, args).ExecuteScalar();

    private SqliteDataReader Query(string sql) => Prepared(sql, []).ExecuteReader();

    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static IpAddress? NullableAddress(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : IpAddress.Parse(r.GetString(i));
}
