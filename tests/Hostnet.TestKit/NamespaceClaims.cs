using System.Globalization;
using System.Runtime.InteropServices;

namespace Hostnet.TestKit;

/// <summary>
/// Who made which test namespaces, so that they are removed whatever ends the test process.
/// A test claims a name before it makes namespaces under it (the name itself, or <c>NAME-…</c>):
/// a file under <see cref="Folder"/> says which process (pid and start time) holds the claim.
/// <see cref="Release"/> removes the namespaces and the claim; at exit (SIGTERM, SIGINT, SIGHUP,
/// a test host whose runner went away) the namespaces of every claim still held go; and the first
/// claim a process makes removes what processes that are gone left behind (SIGKILL, a CLI the
/// test started that made one more namespace after its test process was gone).
/// </summary>
public static partial class NamespaceClaims
{
    private const string NetnsFolder = "/run/netns";

    // linux/mount.h
    private const int MNT_DETACH = 2;

    [LibraryImport("libc", EntryPoint = "umount2", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);

    /// <summary>One file a claim; under /run, which a reboot empties like the namespaces themselves.</summary>
    public const string Folder = "/run/hostnet-tests";

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, string[]> Held = new(StringComparer.Ordinal);
    private static bool s_started;
    private static readonly List<PosixSignalRegistration> Signals = [];

    /// <summary>
    /// Claims <paramref name="name"/> for this process: the namespace of that name and every
    /// <c>NAME-…</c> go when it is released, with <paramref name="paths"/> (files or folders).
    /// </summary>
    public static void Claim(string name, params string[] paths)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (Gate)
        {
            if (!s_started)
            {
                s_started = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveAllAtExit();
                // A test host stopped by a signal ends without ProcessExit: the claims go before the signal's own action.
                foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP })
                    Signals.Add(PosixSignalRegistration.Create(signal, _ => RemoveAllAtExit()));
                SweepDeadOwners();
            }
            Directory.CreateDirectory(Folder);
            File.WriteAllLines(Path.Combine(Folder, name), [Owner(Environment.ProcessId) ?? "", .. paths]);
            Held[name] = paths;
        }
    }

    /// <summary>Removes the claimed namespaces and paths, then the claim.</summary>
    public static void Release(string name)
    {
        string[] paths;
        lock (Gate)
        {
            if (!Held.Remove(name, out paths!)) paths = [];
        }
        Remove(name, paths, dropClaim: true);
    }

    /// <summary>
    /// At exit: every claim's namespaces and paths go, but the claims stay, for the next process's
    /// sweep to take what a CLI the test started may still make after this process is gone.
    /// </summary>
    private static void RemoveAllAtExit()
    {
        List<KeyValuePair<string, string[]>> held;
        lock (Gate) held = [.. Held];
        foreach (var (name, paths) in held) Remove(name, paths, dropClaim: false);
    }

    /// <summary>The claims of processes that are gone: their namespaces and paths go now (done by a process's first claim).</summary>
    public static void SweepDeadOwners()
    {
        if (!Directory.Exists(Folder)) return;
        foreach (var file in Directory.GetFiles(Folder))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (IOException)
            {
                continue;
            }
            if (lines.Length > 0 && IsAlive(lines[0])) continue;
            Remove(Path.GetFileName(file), lines.Skip(1).ToArray(), dropClaim: true);
        }
    }

    private static void Remove(string name, string[] paths, bool dropClaim)
    {
        // As `ip netns del` does it, without starting a process: at exit the runtime's signal thread runs this
        // handler, and a child's exit (which that thread would reap) is never seen.
        foreach (var path in Directory.Exists(NetnsFolder) ? Directory.GetFiles(NetnsFolder) : [])
        {
            var ns = Path.GetFileName(path);
            if (ns != name && !ns.StartsWith(name + "-", StringComparison.Ordinal)) continue;
            Umount2(path, MNT_DETACH);
            File.Delete(path);
        }
        foreach (var path in paths)
        {
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else File.Delete(path);
            }
            catch (IOException)
            {
            }
        }
        if (dropClaim) File.Delete(Path.Combine(Folder, name));
    }

    /// <summary>"PID STARTTIME": the start time tells a live owner from a later process that got its pid.</summary>
    private static string? Owner(int pid)
    {
        try
        {
            // /proc/PID/stat: the command name is in parentheses and may hold spaces; field 22 (starttime) counts after it.
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return $"{pid.ToString(CultureInfo.InvariantCulture)} {fields[19]}";
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsAlive(string owner)
    {
        var parts = owner.Split(' ');
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Owner(pid) == owner;
    }
}
