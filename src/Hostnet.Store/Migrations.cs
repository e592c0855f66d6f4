namespace Hostnet.Store;

/// <summary>One step of the schema: the database is at <see cref="Version"/> once <see cref="Sql"/> has run.</summary>
/// <param name="Version">1, 2, …: the <c>PRAGMA user_version</c> after this step.</param>
/// <param name="Description">What the step adds, for a reader of the list.</param>
/// <param name="Sql">The statements, run in the migrating transaction.</param>
public sealed record Migration(int Version, string Description, string Sql);

/// <summary>
/// The schema as an ordered list of steps. A database records how many it has
/// taken in <c>PRAGMA user_version</c>; opening it runs the rest, in one
/// transaction. A later change to the schema is one more entry at the end —
/// never an edit of an entry that has shipped.
/// </summary>
public static class Migrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "networks, VMs, adapters and their addresses", """
            CREATE TABLE networks (
                id      INTEGER PRIMARY KEY,
                name    TEXT NOT NULL UNIQUE,
                mode    TEXT NOT NULL CHECK (mode IN ('bridged', 'host-routed')),
                uplink  TEXT NOT NULL,
                bridge  TEXT,
                gateway TEXT
            );
            CREATE TABLE vms (
                id      INTEGER PRIMARY KEY,
                name    TEXT NOT NULL UNIQUE,
                uuid    TEXT NOT NULL UNIQUE,
                guest   TEXT NOT NULL CHECK (guest IN ('tap', 'netns')),
                netns   TEXT,
                running INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE adapters (
                vm_id   INTEGER NOT NULL REFERENCES vms (id) ON DELETE CASCADE,
                idx     INTEGER NOT NULL,
                network TEXT NOT NULL REFERENCES networks (name),
                mac     TEXT NOT NULL UNIQUE,
                gateway TEXT,
                PRIMARY KEY (vm_id, idx)
            );
            CREATE INDEX adapters_network ON adapters (network);
            CREATE TABLE adapter_addresses (
                vm_id   INTEGER NOT NULL,
                idx     INTEGER NOT NULL,
                pos     INTEGER NOT NULL,
                address TEXT NOT NULL,
                prefix  INTEGER NOT NULL CHECK (prefix BETWEEN 0 AND 32),
                PRIMARY KEY (vm_id, idx, pos),
                FOREIGN KEY (vm_id, idx) REFERENCES adapters (vm_id, idx) ON DELETE CASCADE
            );
            """),
        new(2, "one holder per VM address, enforced by the database too", """
            CREATE UNIQUE INDEX adapter_addresses_address ON adapter_addresses (address);
            """),
        new(3, "the kernel objects Hostnet made that the kernel cannot mark: host interface names, proxy entries, guest namespaces", """
            CREATE TABLE kernel_objects (
                kind TEXT NOT NULL,
                key  TEXT NOT NULL,
                PRIMARY KEY (kind, key)
            ) WITHOUT ROWID;
            """),
        new(4, "the journal of moves of the server's own network between an uplink and its bridge, with their before-state", """
            CREATE TABLE uplink_moves (
                uplink     TEXT NOT NULL PRIMARY KEY,
                bridge     TEXT NOT NULL,
                direction  TEXT NOT NULL CHECK (direction IN ('enslave', 'release')),
                from_index INTEGER NOT NULL,
                records    TEXT NOT NULL,
                started    TEXT NOT NULL
            ) WITHOUT ROWID;
            """),
        new(5, "a VM change committed but not yet made in the kernel: its number, cleared by the apply that makes it", """
            ALTER TABLE vms ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
            """),
        // SQLite cannot change a CHECK in place: the table is made anew beside the old one, filled from
        // it, and takes its name; its index comes back with it. Nothing refers to this table, so
        // dropping the old one with foreign keys on touches nothing else.
        new(6, "addresses of both families: a prefix runs to 128 for an IPv6 address (one with a colon), to 32 for IPv4", """
            CREATE TABLE adapter_addresses_new (
                vm_id   INTEGER NOT NULL,
                idx     INTEGER NOT NULL,
                pos     INTEGER NOT NULL,
                address TEXT NOT NULL,
                prefix  INTEGER NOT NULL CHECK (prefix BETWEEN 0 AND (CASE WHEN instr(address, ':') > 0 THEN 128 ELSE 32 END)),
                PRIMARY KEY (vm_id, idx, pos),
                FOREIGN KEY (vm_id, idx) REFERENCES adapters (vm_id, idx) ON DELETE CASCADE
            );
            INSERT INTO adapter_addresses_new (vm_id, idx, pos, address, prefix)
                SELECT vm_id, idx, pos, address, prefix FROM adapter_addresses;
            DROP TABLE adapter_addresses;
            ALTER TABLE adapter_addresses_new RENAME TO adapter_addresses;
            CREATE UNIQUE INDEX adapter_addresses_address ON adapter_addresses (address);
            """),
        // The protections an adapter has switched off, by name ("mac,server"): a protection added later is on for every adapter.
        new(7, "tenant isolation: the protections an adapter has off, the ports a network's server opens to its VMs", """
            ALTER TABLE adapters ADD COLUMN unprotected TEXT NOT NULL DEFAULT '';
            ALTER TABLE networks ADD COLUMN server_ports TEXT NOT NULL DEFAULT '';
            """),
        // gateway6: a host-routed network's IPv6 gateway on each vme (NULL: fe80::ffff:1:1), or a bridged one's for its guests.
        // dhcp: whether Hostnet answers its adapters' DHCP (1) or not (0); NULL: the mode's default.
        // dns: the DNS servers a network hands its guests, comma-separated.
        // adapters.gateway6: a dual-stack bridged adapter's IPv6 gateway beside its IPv4 one in adapters.gateway.
        new(8, "a network's IPv6 gateway, its DHCP switch and the DNS servers it hands out; an adapter's IPv6 gateway", """
            ALTER TABLE networks ADD COLUMN gateway6 TEXT;
            ALTER TABLE networks ADD COLUMN dhcp INTEGER CHECK (dhcp IN (0, 1));
            ALTER TABLE networks ADD COLUMN dns TEXT NOT NULL DEFAULT '';
            ALTER TABLE adapters ADD COLUMN gateway6 TEXT;
            """),
    ];
}
