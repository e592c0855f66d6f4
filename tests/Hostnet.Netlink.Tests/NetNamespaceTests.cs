using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

public class NetNamespaceTests
{
    [PrivilegedFact]
    public void Create_makes_a_namespace_ip_netns_sees_and_Delete_removes_it()
    {
        var name = TestNamespace.ClaimUniqueName("create");
        try
        {
            using (var ns = NetNamespace.Create(name))
            {
                Assert.Equal(name, ns.Name);
                Assert.True(NetNamespace.Exists(name));
                Assert.Contains(name, NetNamespace.List());
                Assert.Contains(name, Sh.Ip("netns", "list"));
                // A new namespace holds only its loopback, as `ip netns add` makes it.
                var links = Sh.Ip("-n", name, "-o", "link", "show");
                Assert.Single(links.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.Contains("lo:", links);

                var ex = Assert.Throws<NetlinkException>(() => NetNamespace.Create(name));
                Assert.Equal(Errno.EEXIST, ex.Errno);
                Assert.Equal($"add netns {name}: File exists (EEXIST)", ex.Message);
            }
            NetNamespace.Delete(name);
            Assert.False(NetNamespace.Exists(name));
            Assert.DoesNotContain(name, Sh.Ip("netns", "list"));
        }
        finally
        {
            NamespaceClaims.Release(name);
        }
    }

    [PrivilegedFact]
    public void A_file_left_half_made_is_told_from_a_namespace_refused_by_Open_and_removed_by_Delete()
    {
        // What a kill between creating /run/netns/NAME and bind-mounting the namespace onto it leaves.
        var name = TestNamespace.ClaimUniqueName("stale");
        var path = "/run/netns/" + name;
        using var real = new TestNamespace("real");
        try
        {
            Directory.CreateDirectory("/run/netns");
            File.WriteAllBytes(path, []);
            Assert.False(NetNamespace.Exists(name));
            Assert.True(NetNamespace.IsStale(name));
            Assert.True(NetNamespace.Exists(real.Name));
            Assert.False(NetNamespace.IsStale(real.Name));
            Assert.False(NetNamespace.IsStale(name + "-absent"));

            var ex = Assert.Throws<NetlinkException>(() => NetNamespace.Open(name));
            Assert.Equal(Errno.EINVAL, ex.Errno);
            Assert.Equal($"open netns {name}: {path} is not a network namespace but a file left half-made (by a killed `ip netns add`?): Invalid argument (EINVAL)", ex.Message);

            NetNamespace.Delete(name);
            Assert.False(File.Exists(path));
            // Its name is free again for a real namespace.
            NetNamespace.Create(name).Dispose();
            Assert.True(NetNamespace.Exists(name));
            Assert.Contains("lo:", Sh.Ip("-n", name, "-o", "link", "show"));
        }
        finally
        {
            NamespaceClaims.Release(name);
        }
    }

    [PrivilegedFact]
    public void Open_and_Delete_of_a_missing_namespace_say_ENOENT_and_name_it()
    {
        var name = TestNamespace.ClaimUniqueName("missing");
        var ex = Assert.Throws<NetlinkException>(() => NetNamespace.Open(name));
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Equal($"open netns {name} (/run/netns/{name}): No such file or directory (ENOENT)", ex.Message);
        var del = Assert.Throws<NetlinkException>(() => NetNamespace.Delete(name));
        Assert.Equal($"delete netns {name}: No such file or directory (ENOENT)", del.Message);
    }

    [PrivilegedFact]
    public void Invoke_runs_on_a_dedicated_thread_inside_the_namespace_and_propagates_exceptions()
    {
        using var t = new TestNamespace("invoke");
        int callerThread = Environment.CurrentManagedThreadId;
        var (thread, isPool, links) = t.Handle.Invoke(() =>
        {
            using var s = RtnlSocket.Open();
            return (Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread, s.DumpLinks());
        });
        Assert.NotEqual(callerThread, thread);
        Assert.False(isPool);
        Assert.Equal(["lo"], links.Select(l => l.Name));

        var ex = Assert.Throws<InvalidOperationException>(() => t.Handle.Invoke(() => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", ex.Message);

        // The calling thread never moved: its namespace is still the process's.
        Assert.Equal(NsLink("/proc/self/ns/net"), NsLink("/proc/thread-self/ns/net"));
        using var current = NetNamespace.Current();
        Assert.Equal(NsLink("/proc/self/ns/net"), current.Invoke(() => NsLink("/proc/thread-self/ns/net")));
        Assert.NotEqual(NsLink("/proc/self/ns/net"), t.Handle.Invoke(() => NsLink("/proc/thread-self/ns/net")));
    }

    [PrivilegedFact]
    public void OpenProcess_opens_the_namespace_of_a_process_inside_it()
    {
        using var t = new TestNamespace("pid");
        var sleeper = System.Diagnostics.Process.Start("ip", ["netns", "exec", t.Name, "sleep", "30"]);
        try
        {
            // ip netns exec execs sleep in place: the pid is the sleeper's once the namespace is entered.
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (DateTime.UtcNow < deadline && File.ReadAllText($"/proc/{sleeper.Id}/comm").Trim() != "sleep") Thread.Sleep(10);
            t.Ip("link", "add", "pa", "type", "veth", "peer", "name", "pb");
            using var ns = NetNamespace.OpenProcess(sleeper.Id);
            using var s = RtnlSocket.Open(ns);
            Assert.NotNull(s.GetLink("pa"));
        }
        finally
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }
    }

    [PrivilegedFact]
    public async Task A_socket_opened_in_a_namespace_stays_there_when_used_from_pool_threads_at_once()
    {
        using var t = new TestNamespace("pool");
        using var s = t.Socket();
        s.Execute(new CreateVeth("pool0", "pool1"));
        var dumps = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => s.DumpLinks().Select(l => l.Name).Order().ToArray())));
        Assert.All(dumps, names => Assert.Equal(["lo", "pool0", "pool1"], names));
        // …and the process's own namespace never saw these links.
        Assert.DoesNotContain("pool0", Sh.Ip("link", "show"));
    }

    [PrivilegedFact]
    public void A_socket_without_a_namespace_reads_the_callers_namespace()
    {
        // Read-only: the machine's own namespace is looked at, never changed.
        using var s = RtnlSocket.Open();
        Assert.Contains(s.DumpLinks(), l => l.Name == "lo" && l.Index == 1);
        using var t = new TestNamespace("here");
        t.Ip("link", "add", "here0", "type", "veth", "peer", "name", "here1");
        Assert.True(t.Handle.Invoke(() =>
        {
            using var inside = RtnlSocket.Open();
            return inside.GetLink("here0") is not null;
        }));
        Assert.Null(s.GetLink("here0"));
    }

    private static string NsLink(string path) => new FileInfo(path).LinkTarget ?? "";
}
