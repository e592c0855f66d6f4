using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Hostnet.TestKit;

/// <summary>The output and exit code of one command run in a <see cref="QemuGuest"/>.</summary>
public sealed record GuestCommandResult(int ExitCode, string Output);

/// <summary>The kernel and initramfs of the test guest (built by <c>tests/guest/build-guest.sh</c>).</summary>
public sealed record GuestImage(string Kernel, string Initramfs)
{
    private static readonly Lazy<GuestImage> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Builds the image once per process (the script caches across processes
    /// and serialises concurrent builds with a flock) and returns its paths.
    /// </summary>
    public static GuestImage Ensure() => Built.Value;

    /// <summary>The directory that holds <c>Hostnet.slnx</c>, found from the test binary upwards.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hostnet.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Hostnet.slnx above {AppContext.BaseDirectory}");
    }

    private static GuestImage Build()
    {
        var root = RepoRoot();
        var outDir = Path.Combine(root, ".cache", "guest");
        var script = Path.Combine(root, "tests", "guest", "build-guest.sh");
        Sh.Run("bash", [script, outDir], timeout: TimeSpan.FromMinutes(10)).EnsureSuccess("build-guest.sh");
        return new GuestImage(Path.Combine(outDir, "vmlinuz"), Path.Combine(outDir, "initramfs.cpio.gz"));
    }
}

/// <summary>
/// A tiny QEMU guest (Debian cloud kernel, busybox initramfs, software
/// emulation) driven over its serial console. Its NICs come from the caller's
/// QEMU arguments (a tap that already exists) and are configured by the
/// guest's init from <c>hn.*</c> kernel parameters (see <c>tests/guest/init</c>):
/// <c>hn.ip0=192.168.200.201/32 hn.gw0=169.255.30.1 hn.onlink0=1</c> (routed) or
/// <c>hn.ip0=192.168.200.203/24 hn.gw0=192.168.200.1</c> (bridged); <c>hn.ip1</c>… for eth1….
/// Dispose (or <see cref="Kill"/>) always ends QEMU.
/// </summary>
public sealed class QemuGuest : IDisposable
{
    public const string ReadyMarker = "HOSTNET-GUEST-READY";
    public const string DoneMarker = "HOSTNET-DONE";
    public const string ErrorMarker = "HOSTNET-GUEST-ERROR";

    private static readonly ConcurrentDictionary<QemuGuest, byte> Live = new();

    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();
    private readonly StringBuilder _transcript = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _runLock = new();
    private int _pendingDone;
    private int _disposed;

    static QemuGuest()
    {
        // A test host that exits with a guest still running (a crash, a
        // forgotten Dispose) must not leave QEMU behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var g in Live.Keys) g.Kill();
        };
    }

    private QemuGuest(Process process)
    {
        _process = process;
    }

    /// <summary>Wall time from starting QEMU to the ready marker.</summary>
    public TimeSpan BootTime { get; private set; }

    /// <summary>The QEMU command line, for diagnostics.</summary>
    public string CommandLine { get; private set; } = "";

    /// <summary>Everything the serial console printed so far (lines the driver has consumed).</summary>
    public string Transcript
    {
        get { lock (_transcript) return _transcript.ToString(); }
    }

    /// <summary>What QEMU itself printed on stderr.</summary>
    public string QemuStderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public bool HasExited
    {
        get
        {
            try { return _process.HasExited; }
            catch (InvalidOperationException) { return true; }
        }
    }

    /// <summary>
    /// Boots the guest: <c>[ip netns exec NETNS] qemu-system-x86_64 -accel tcg …
    /// QEMUNETARGS</c> with the kernel parameters <paramref name="kernelCmdlineNetParams"/>,
    /// and waits for the ready marker. Throws (after killing QEMU) when QEMU
    /// exits, the guest reports a setup error, or the marker does not come in time.
    /// </summary>
    public static QemuGuest Start(string? netns, IReadOnlyList<string> qemuNetArgs, string kernelCmdlineNetParams, TimeSpan bootTimeout)
    {
        ArgumentNullException.ThrowIfNull(qemuNetArgs);
        ArgumentNullException.ThrowIfNull(kernelCmdlineNetParams);
        var image = GuestImage.Ensure();

        var psi = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        if (netns is null)
        {
            psi.FileName = "qemu-system-x86_64";
        }
        else
        {
            // ip execs QEMU after setns: the process is QEMU itself.
            psi.FileName = "ip";
            psi.ArgumentList.Add("netns");
            psi.ArgumentList.Add("exec");
            psi.ArgumentList.Add(netns);
            psi.ArgumentList.Add("qemu-system-x86_64");
        }
        // no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can fail ("MP-BIOS bug:
        // 8254 timer not connected to IO-APIC", seen here) and end in a panic, which with -no-reboot ends QEMU
        // with exit code 0 before the guest is ready.
        var append = "console=ttyS0 quiet loglevel=0 panic=-1 no_timer_check " + kernelCmdlineNetParams.Trim();
        string[] qemu =
        [
            "-accel", "tcg", "-m", "256", "-smp", "1",
            "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none",
            "-serial", "stdio", "-no-reboot",
            "-kernel", image.Kernel, "-initrd", image.Initramfs, "-append", append,
        ];
        foreach (var a in qemu) psi.ArgumentList.Add(a);
        foreach (var a in qemuNetArgs) psi.ArgumentList.Add(a);

        var sw = Stopwatch.StartNew();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start qemu-system-x86_64");
        var guest = new QemuGuest(process)
        {
            CommandLine = psi.FileName + " " + string.Join(' ', psi.ArgumentList),
        };
        Live[guest] = 0;
        try
        {
            guest.StartReaders();
            guest.WaitForReady(bootTimeout);
            guest.BootTime = sw.Elapsed;
            return guest;
        }
        catch
        {
            guest.Dispose();
            throw;
        }
    }

    /// <summary>Runs one shell command line in the guest and returns its output (stdout and stderr), whatever its exit code.</summary>
    public string Run(string command, TimeSpan timeout) => Exec(command, timeout).Output;

    /// <summary>Runs one shell command line in the guest; returns its exit code and output.</summary>
    public GuestCommandResult Exec(string command, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Contains('\n', StringComparison.Ordinal) || command.Contains('\r', StringComparison.Ordinal))
            throw new ArgumentException("one line only", nameof(command));
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        lock (_runLock)
        {
            var deadline = Stopwatch.StartNew();
            // A command that timed out earlier still ends with its own marker: skip it.
            while (_pendingDone > 0)
            {
                var stale = NextLine(timeout - deadline.Elapsed, $"the end of an earlier timed-out command before `{command}`");
                if (ParseDone(stale) is not null) _pendingDone--;
            }
            // Console noise between commands is not output of this one.
            while (_lines.TryTake(out var noise)) Record(noise);

            try
            {
                _process.StandardInput.Write(command + "\n");
                _process.StandardInput.Flush();
            }
            catch (IOException e)
            {
                throw new InvalidOperationException($"the guest's console is closed (QEMU exited?){Diagnostics()}", e);
            }

            _pendingDone++;
            var output = new StringBuilder();
            while (true)
            {
                var line = NextLine(timeout - deadline.Elapsed, $"`{command}` to finish");
                if (ParseDone(line) is { } code)
                {
                    _pendingDone--;
                    return new GuestCommandResult(code, output.ToString());
                }
                output.Append(line).Append('\n');
            }
        }
    }

    /// <summary>Ends QEMU now. Safe to call more than once and from any thread.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited or never started.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Raced with its exit.
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Kill();
        Live.TryRemove(this, out _);
        try { _process.StandardInput.Dispose(); } catch (IOException) { }
        _process.Dispose();
    }

    private void StartReaders()
    {
        var reader = new Thread(() =>
        {
            try
            {
                string? line;
                while ((line = _process.StandardOutput.ReadLine()) is not null)
                    _lines.Add(line.TrimEnd('\r'));
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
            catch (InvalidOperationException) { }
            finally
            {
                _lines.CompleteAdding();
            }
        })
        {
            IsBackground = true,
            Name = "qemu-guest-console",
        };
        reader.Start();

        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.Append(e.Data).Append('\n');
        };
        _process.BeginErrorReadLine();
    }

    private void WaitForReady(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var errors = new List<string>();
        while (true)
        {
            var line = NextLine(timeout - sw.Elapsed, "the guest to boot (" + ReadyMarker + ")");
            if (line.StartsWith(ErrorMarker, StringComparison.Ordinal)) errors.Add(line);
            if (line.Trim() == ReadyMarker) break;
        }
        if (errors.Count > 0)
            throw new InvalidOperationException($"the guest's init failed: {string.Join("; ", errors)}{Diagnostics()}");
    }

    private string NextLine(TimeSpan remaining, string waitingFor)
    {
        if (remaining < TimeSpan.Zero) remaining = TimeSpan.Zero;
        bool got;
        string? line;
        try
        {
            got = _lines.TryTake(out line, remaining);
        }
        catch (InvalidOperationException)
        {
            // Completed: the console closed.
            got = false;
            line = null;
        }
        if (got && line is not null)
        {
            Record(line);
            return line;
        }
        if (_lines.IsCompleted)
        {
            _process.WaitForExit(2_000);
            var code = HasExited ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "?";
            throw new InvalidOperationException($"QEMU exited (code {code}) while waiting for {waitingFor}{Diagnostics()}");
        }
        throw new TimeoutException($"timed out waiting for {waitingFor}{Diagnostics()}");
    }

    private static int? ParseDone(string line)
    {
        var t = line.Trim();
        if (!t.StartsWith(DoneMarker + " ", StringComparison.Ordinal)) return null;
        return int.TryParse(t.AsSpan(DoneMarker.Length + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null;
    }

    private void Record(string line)
    {
        lock (_transcript) _transcript.Append(line).Append('\n');
    }

    private string Diagnostics() =>
        $"\n--- qemu: {CommandLine}\n--- console:\n{Transcript}--- qemu stderr:\n{QemuStderr}";
}
