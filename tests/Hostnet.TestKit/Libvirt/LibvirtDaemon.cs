using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Text;

namespace Hostnet.TestKit;

/// <summary>
/// A real libvirt daemon (Debian's monolithic <c>libvirtd</c>) of a test's own: it runs in a lab's server
/// namespace (a tap is found by name in the namespace of the process that opens it) and in a mount
/// namespace of its own with private propagation, where every path of libvirt's is a folder under
/// <see cref="Root"/>: <c>/etc/libvirt</c> (its configuration, qemu.conf and hooks), <c>/run/libvirt</c>,
/// <c>/var/lib/libvirt</c>, <c>/var/cache/libvirt</c> and <c>/var/log/libvirt</c>, each on a tmpfs of that
/// namespace so that no mount point is made on the machine (there is no <c>/var/lib/libvirt</c> here, and
/// there may be a real libvirt's). Its sockets are under <see cref="Root"/> too (<c>unix_sock_dir</c>),
/// and its pid file (<c>--pid-file</c>). QEMU runs as root with no security driver, no namespaces and no
/// cgroups; a privileged libvirtd looks its QEMU user <c>libvirt-qemu</c> up whatever qemu.conf says, so
/// the namespace's <c>/etc/passwd</c> and <c>/etc/group</c> are copies with that entry. <see cref="Dispose"/>
/// destroys the domains, ends every QEMU it started and the daemon, and removes <see cref="Root"/>, also
/// when the test failed; the mount namespace goes with its last process.
/// </summary>
public sealed class LibvirtDaemon : IDisposable
{
    private static readonly ConcurrentDictionary<LibvirtDaemon, byte> Live = new();
    private Process? _process;
    private int _disposed;

    static LibvirtDaemon()
    {
        // A test host that exits with a daemon still running must not leave it, or its QEMUs, behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var d in Live.Keys) d.Stop();
        };
    }

    private LibvirtDaemon(string root) => Root = root;

    /// <summary>The folder that holds everything of this daemon's.</summary>
    public string Root { get; }

    /// <summary>The daemon's <c>/etc/libvirt</c>.</summary>
    public string ConfigDir => Path.Combine(Root, "etc");

    /// <summary>The daemon's hooks folder, <c>/etc/libvirt/hooks</c> inside its namespace.</summary>
    public string HooksDir => Path.Combine(ConfigDir, "hooks");

    private string SocketDir => Path.Combine(Root, "sock");

    private string RunDir => Path.Combine(Root, "run");

    private string LogDir => Path.Combine(Root, "log");

    /// <summary>The URI virsh reaches this daemon by.</summary>
    public string Uri => "qemu:///system?socket=" + Path.Combine(SocketDir, "libvirt-sock");

    /// <summary>Writes the daemon's configuration under a new folder (nothing runs yet: install hooks into <see cref="HooksDir"/>, then <see cref="Start"/>).</summary>
    public static LibvirtDaemon Create(string prefix)
    {
        var root = Directory.CreateTempSubdirectory(prefix + "-libvirt-").FullName;
        var daemon = new LibvirtDaemon(root);
        try
        {
            daemon.Configure();
            return daemon;
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
    }

    private void Configure()
    {
        foreach (var dir in new[] { HooksDir, SocketDir, RunDir, Path.Combine(Root, "lib"), Path.Combine(Root, "cache"), LogDir, Path.Combine(Root, "netns") })
            Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(ConfigDir, "libvirtd.conf"), $"""
            unix_sock_dir = "{SocketDir}"
            unix_sock_group = "root"
            unix_sock_ro_perms = "0700"
            unix_sock_rw_perms = "0700"
            auth_unix_ro = "none"
            auth_unix_rw = "none"
            log_outputs = "1:file:{Path.Combine(LogDir, "libvirtd.log")}"
            log_filters = "1:util.hook 1:util.command 3:*"

            """);
        // stdio_handler "file": QEMU's log goes to /var/log/libvirt/qemu without virtlogd.
        File.WriteAllText(Path.Combine(ConfigDir, "qemu.conf"), """
            user = "root"
            group = "root"
            security_driver = "none"
            namespaces = []
            cgroup_controllers = []
            stdio_handler = "file"

            """);
        File.WriteAllText(Path.Combine(Root, "passwd"), File.ReadAllText("/etc/passwd").TrimEnd('\n') + "\nlibvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin\n");
        File.WriteAllText(Path.Combine(Root, "group"), File.ReadAllText("/etc/group").TrimEnd('\n') + "\nlibvirt-qemu:x:64055:\nkvm:x:64056:\n");
    }

    /// <summary>
    /// Starts <c>libvirtd</c> in network namespace <paramref name="netns"/> and a mount namespace of its own,
    /// and waits until virsh gets an answer from it (its first answer waits for QEMU's capabilities).
    /// </summary>
    public void Start(string netns, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(netns);
        if (_process is not null) throw new InvalidOperationException("the daemon is already started");
        string Q(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        var keep = Path.Combine(Root, "netns");
        // /run/netns is kept (the hook's hostnet opens its server there) while /run becomes the namespace's tmpfs.
        var setup = string.Join("\n",
            "set -e",
            $"mount --rbind /run/netns {Q(keep)}",
            "mount -t tmpfs hnlibvirt /run",
            "mkdir -p /run/netns /run/libvirt",
            $"mount --rbind {Q(keep)} /run/netns",
            $"mount --bind {Q(RunDir)} /run/libvirt",
            $"mount -t tmpfs hnlibvirt /var/lib && mkdir /var/lib/libvirt && mount --bind {Q(Path.Combine(Root, "lib"))} /var/lib/libvirt",
            $"mount -t tmpfs hnlibvirt /var/cache && mkdir /var/cache/libvirt && mount --bind {Q(Path.Combine(Root, "cache"))} /var/cache/libvirt",
            $"mount -t tmpfs hnlibvirt /var/log && mkdir /var/log/libvirt && mount --bind {Q(LogDir)} /var/log/libvirt",
            $"mount --bind {Q(ConfigDir)} /etc/libvirt",
            $"mount --bind {Q(Path.Combine(Root, "passwd"))} /etc/passwd",
            $"mount --bind {Q(Path.Combine(Root, "group"))} /etc/group",
            $"exec libvirtd --config {Q(Path.Combine(ConfigDir, "libvirtd.conf"))} --pid-file {Q(Path.Combine(RunDir, "libvirtd.pid"))}");
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        // ip execs unshare after setns, unshare execs sh, sh execs libvirtd: the process is the daemon itself.
        foreach (var a in new[] { "netns", "exec", netns, "unshare", "--mount", "--propagation", "private", "sh", "-c", setup }) psi.ArgumentList.Add(a);
        var output = new StringBuilder();
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start libvirtd");
        Live[this] = 0;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                string said;
                lock (output) said = output.ToString();
                throw new InvalidOperationException($"libvirtd exited ({_process.ExitCode}) before it answered: {said}{Diagnostics()}");
            }
            if (File.Exists(Path.Combine(SocketDir, "libvirt-sock")) && Virsh("version").ExitCode == 0) return;
            if (clock.Elapsed > timeout) throw new TimeoutException($"libvirtd did not answer within {timeout.TotalSeconds} s{Diagnostics()}");
            Thread.Sleep(200);
        }
    }

    /// <summary><c>virsh -c URI ARGS</c> against this daemon.</summary>
    public ShResult Virsh(params string[] args) => Sh.Run("virsh", ["-c", Uri, .. args], timeout: TimeSpan.FromMinutes(3));

    /// <summary>
    /// A TCG domain (<c>type='qemu'</c>: KVM guests hang on this kind of machine) that boots the project's
    /// test guest (<see cref="GuestImage"/>) with <paramref name="kernelParams"/> (its <c>hn.*</c>
    /// parameters), its serial console into <see cref="ConsoleLog"/>, and <paramref name="interfaces"/>
    /// (what <c>hostnet vm qemu-args VM --libvirt</c> prints) in its devices.
    /// </summary>
    public string DomainXml(string name, Guid uuid, string kernelParams, string interfaces)
    {
        var image = GuestImage.Ensure();
        string X(string s) => SecurityElement.Escape(s);
        // no_timer_check, as QemuGuest: under TCG on a loaded host the kernel's IO-APIC timer check can panic.
        var cmdline = "console=ttyS0 quiet loglevel=0 panic=-1 no_timer_check " + kernelParams.Trim();
        return $"""
            <domain type='qemu'>
              <name>{X(name)}</name>
              <uuid>{uuid:D}</uuid>
              <memory unit='MiB'>256</memory>
              <vcpu>1</vcpu>
              <os>
                <type arch='x86_64'>hvm</type>
                <kernel>{X(image.Kernel)}</kernel>
                <initrd>{X(image.Initramfs)}</initrd>
                <cmdline>{X(cmdline)}</cmdline>
              </os>
              <features><acpi/><apic/></features>
              <on_reboot>destroy</on_reboot>
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                <serial type='file'><source path='{X(ConsoleLog(name))}'/><target port='0'/></serial>
                <controller type='usb' model='none'/>
                <memballoon model='none'/>
            {interfaces.TrimEnd('\n')}
              </devices>
            </domain>

            """;
    }

    /// <summary>Defines a domain from <paramref name="xml"/> (<c>virsh define</c>), failing when virsh does.</summary>
    public void Define(string name, string xml)
    {
        var file = Path.Combine(Root, name + ".xml");
        File.WriteAllText(file, xml);
        Virsh("define", file).EnsureSuccess("virsh define " + file);
    }

    /// <summary>
    /// What the machine's own libvirt paths hold (each file's path, size and time, or that the path is absent):
    /// equal before and after a test, nothing of the machine's libvirt was touched.
    /// </summary>
    public static string MachinePaths()
    {
        var text = new StringBuilder();
        foreach (var path in new[] { "/etc/libvirt", "/run/libvirt", "/run/libvirtd.pid", "/var/lib/libvirt", "/var/cache/libvirt", "/var/log/libvirt" })
        {
            if (File.Exists(path)) text.Append(Describe(new FileInfo(path)));
            else if (Directory.Exists(path))
            {
                text.Append(Describe(new DirectoryInfo(path)));
                foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).OrderBy(e => e.FullName, StringComparer.Ordinal))
                    text.Append(Describe(entry));
            }
            else text.Append(path).Append(" absent\n");
        }
        return text.ToString();

        static string Describe(FileSystemInfo e) => string.Create(CultureInfo.InvariantCulture,
            $"{e.FullName} {(e is FileInfo f ? f.Length : -1)} {e.LastWriteTimeUtc.Ticks}\n");
    }

    /// <summary>Where a domain's serial console is written.</summary>
    public string ConsoleLog(string name) => Path.Combine(Root, "console-" + name + ".log");

    /// <summary>Waits until the test guest of domain <paramref name="name"/> says it is ready on its console; throws with its console when it does not in time.</summary>
    public void WaitForGuest(string name, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var console = File.Exists(ConsoleLog(name)) ? File.ReadAllText(ConsoleLog(name)) : "";
            if (console.Contains(QemuGuest.ReadyMarker, StringComparison.Ordinal))
            {
                if (console.Contains(QemuGuest.ErrorMarker, StringComparison.Ordinal))
                    throw new InvalidOperationException($"the guest {name}'s init failed:\n{console}");
                return;
            }
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"the guest {name} did not get ready within {timeout.TotalSeconds} s; console:\n{console}{Diagnostics()}");
            Thread.Sleep(250);
        }
    }

    /// <summary>The daemon's log and QEMU's logs, for a failure's message.</summary>
    public string Diagnostics()
    {
        var text = new StringBuilder();
        foreach (var log in Directory.Exists(LogDir) ? Directory.EnumerateFiles(LogDir, "*.log", SearchOption.AllDirectories) : [])
        {
            var lines = File.ReadAllLines(log);
            text.Append("\n--- ").Append(log).Append('\n').AppendJoin('\n', lines.Skip(Math.Max(0, lines.Length - 40)));
        }
        return text.ToString();
    }

    /// <summary>Destroys every running domain (libvirt runs the hooks), then ends QEMU and the daemon and removes <see cref="Root"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            if (_process is { HasExited: false })
            {
                var running = Virsh("list", "--name");
                foreach (var name in running.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    Virsh("destroy", name);
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or IOException)
        {
            // The daemon does not answer: its QEMUs are ended below by their pid files.
        }
        Stop();
        Live.TryRemove(this, out _);
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    /// <summary>Ends the QEMUs the daemon's pid files name (they are not its children: libvirt daemonizes them), then the daemon.</summary>
    private void Stop()
    {
        var qemuPids = Path.Combine(RunDir, "qemu");
        foreach (var file in Directory.Exists(qemuPids) ? Directory.GetFiles(qemuPids, "*.pid") : [])
        {
            if (int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && IsQemu(pid))
                KillProcess(pid);
        }
        if (_process is null) return;
        try
        {
            if (!_process.HasExited)
            {
                // SIGTERM: libvirtd removes its sockets and pid file; SIGKILL after a grace time.
                Sh.Run("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
                if (!_process.WaitForExit(15_000)) _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        _process = null;
    }

    private static bool IsQemu(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").StartsWith("qemu", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void KillProcess(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill();
            p.WaitForExit(10_000);
        }
        catch (ArgumentException)
        {
            // Exited meanwhile.
        }
        catch (InvalidOperationException)
        {
        }
    }
}
