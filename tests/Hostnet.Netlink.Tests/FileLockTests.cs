using System.Diagnostics;
using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

/// <summary>
/// <see cref="FileLock"/> is a real, blocking <c>flock(2)</c>: a second holder waits for the first, util-linux's
/// <c>flock(1)</c> (an independent implementation) sees it, and a killed holder releases it.
/// </summary>
public sealed class FileLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hn-lock-").FullName;

    private string LockFile => Path.Combine(_dir, "kernel.lock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary><see cref="FileLock.Acquire(string)"/> on a thread of its own; <see cref="Taken"/> is set once it holds the lock.</summary>
    private sealed class Waiter : IDisposable
    {
        private readonly Thread _thread;
        private FileLock? _lock;

        public Waiter(string path)
        {
            _thread = new Thread(() =>
            {
                _lock = FileLock.Acquire(path);
                Taken.Set();
            }) { IsBackground = true };
            _thread.Start();
        }

        public ManualResetEventSlim Taken { get; } = new();

        public void Dispose()
        {
            // A thread still waiting (a failed test) is a background thread: it must not hang the run.
            _thread.Join(TimeSpan.FromSeconds(30));
            _lock?.Dispose();
            Taken.Dispose();
        }
    }

    [Fact]
    public void A_second_holder_waits_until_the_first_releases()
    {
        var first = FileLock.Acquire(LockFile);
        using (var second = new Waiter(LockFile))
        {
            try
            {
                Assert.False(second.Taken.Wait(TimeSpan.FromMilliseconds(500)), "the second holder did not wait");
                Assert.Null(FileLock.TryAcquire(LockFile));
            }
            finally
            {
                first.Dispose();
            }
            Assert.True(second.Taken.Wait(TimeSpan.FromSeconds(10)), "the second holder still waits after the first released");
            Assert.Null(FileLock.TryAcquire(LockFile));
        }
        // Free again. Taken with a wait, not at once: a process another test forks holds a copy of the
        // descriptor for the instant before its exec closes it.
        using var third = FileLock.Acquire(LockFile, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), null, out _);
        Assert.NotNull(third);
    }

    [Fact]
    public void The_lock_file_is_made_private()
    {
        using (FileLock.Acquire(LockFile))
            Assert.Equal("600", Sh.Run("stat", ["-c", "%a", LockFile]).EnsureSuccess("stat").Stdout.Trim());
    }

    [Fact]
    public void Flock1_sees_the_lock_and_a_killed_holder_releases_it()
    {
        using (FileLock.Acquire(LockFile))
            Assert.Equal(1, Sh.Run("flock", ["--nonblock", "--exclusive", LockFile, "true"]).ExitCode);
        Assert.Equal(0, Sh.Run("flock", ["--nonblock", "--exclusive", LockFile, "true"]).ExitCode);

        // A holder killed with SIGKILL runs no cleanup: the kernel releases its lock with its descriptors.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", LockFile, "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            var clock = Stopwatch.StartNew();
            while (FileLock.TryAcquire(LockFile) is { } notYet)
            {
                notYet.Dispose();
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "flock(1) never took the lock");
                Thread.Sleep(20);
            }
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }
        using var next = new Waiter(LockFile);
        Assert.True(next.Taken.Wait(TimeSpan.FromSeconds(10)), "the lock of a killed holder was not released");
    }

    [Fact]
    public void The_holder_writes_its_pid_into_the_file_and_empties_it_on_release()
    {
        using (FileLock.Acquire(LockFile))
            Assert.Equal($"{Environment.ProcessId}\n", Sh.Run("cat", [LockFile]).EnsureSuccess("cat").Stdout);
        Assert.Equal(0, new FileInfo(LockFile).Length);
    }

    [Fact]
    public void A_bounded_wait_says_once_whom_it_waits_for_then_gives_up_naming_the_holder()
    {
        // Another process holds the lock and says its pid, as a FileLock does.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", LockFile, "sh", "-c", $"echo $$ > {LockFile}; exec sleep 60"]) { UseShellExecute = false })!;
        try
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(LockFile) || new FileInfo(LockFile).Length == 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the holder never said its pid");
                Thread.Sleep(20);
            }
            var pid = int.Parse(Sh.Run("cat", [LockFile]).EnsureSuccess("cat").Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);

            var told = new List<int?>();
            clock.Restart();
            Assert.Null(FileLock.Acquire(LockFile, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(0.5), told.Add, out var holderPid));
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(10));
            Assert.Equal([pid], told);
            Assert.Equal(pid, holderPid);

            // No wait at all: refused at once, nobody told.
            told.Clear();
            clock.Restart();
            Assert.Null(FileLock.Acquire(LockFile, TimeSpan.Zero, TimeSpan.Zero, told.Add, out holderPid));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"a wait of 0 waited {clock.Elapsed}");
            Assert.Empty(told);
            Assert.Equal(pid, holderPid);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }
        // Released within the wait: taken, without a word.
        var quiet = new List<int?>();
        using var taken = FileLock.Acquire(LockFile, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), quiet.Add, out _);
        Assert.NotNull(taken);
        Assert.Empty(quiet);
    }

    [Fact]
    public void A_pid_left_by_a_holder_that_is_gone_names_nobody()
    {
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        // A holder that says nothing of itself, over the pid a killed one left in the file.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", LockFile, "sh", "-c", $"echo {gone.Id} > {LockFile}; exec sleep 60"]) { UseShellExecute = false })!;
        try
        {
            var clock = Stopwatch.StartNew();
            while (!File.Exists(LockFile) || new FileInfo(LockFile).Length == 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the holder never wrote the file");
                Thread.Sleep(20);
            }
            Assert.Null(FileLock.Acquire(LockFile, TimeSpan.Zero, TimeSpan.Zero, null, out var holderPid));
            Assert.Null(holderPid);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }
    }
}
