using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests.Console;

/// <summary>
/// The console in a real browser (Debian's headless chromium over the DevTools protocol) against a lab server:
/// a host-routed VM running, one stopped, and a bridged VM running. The browser sits in a namespace of its own
/// and reaches the daemon's unix socket through a forwarder on 127.0.0.1 there, as an admin's browser reaches
/// it through <c>ssh -L</c>. Screenshots are kept under <c>TestResults/console/</c> in the test output.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConsoleBrowserTests : IDisposable
{
    private const string Vm1Ip = "192.168.200.201";
    private const string Vm2Ip = "192.168.200.202";
    private const string Vm3Ip = "192.168.200.203";
    private const string Vm1Vme = "vme7b9a73a1.0";

    private readonly string _dir = Directory.CreateTempSubdirectory("hncon-console-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Artifacts => Path.Combine(AppContext.BaseDirectory, "TestResults", "console");

    private static void ImportLab(Lab lab)
    {
        var state = $$"""
            {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"},
                         {"name":"Bridged","mode":"bridged","uplink":"eth0","bridge":"br1"}],
             "vms":[{"name":"vm1","uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001","guest":"netns:{{lab.Guest("vm1")}}","running":true,
                     "adapters":[{"network":"Routed","ips":["{{Vm1Ip}}"]}]},
                    {"name":"vm2","uuid":"4980d06a-5c2e-4d1a-9f3b-000000000002","guest":"netns:{{lab.Guest("vm2")}}","running":false,
                     "adapters":[{"network":"Routed","ips":["{{Vm2Ip}}"]}]},
                    {"name":"vm3","uuid":"5c1f0e27-5c2e-4d1a-9f3b-000000000003","guest":"netns:{{lab.Guest("vm3")}}","running":true,
                     "adapters":[{"network":"Bridged","ips":["{{Vm3Ip}}/24"],"gateway":"{{Lab.ServerAddress}}"}]}]}
            """;
        HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "import", "-"], stdin: state).EnsureSuccess("import");
    }

    /// <summary>The lab applied, its daemon, and a browser with the console open on it.</summary>
    private sealed class Open : IDisposable
    {
        public required Lab Lab { get; init; }
        public required RunningDaemon Daemon { get; init; }
        public required SocketForwarder Forwarder { get; init; }
        public required Browser Browser { get; init; }

        public string Url(string path) => $"http://127.0.0.1:{Forwarder.Port}{path}";

        public void Dispose()
        {
            Browser.Dispose();
            Forwarder.Dispose();
            Daemon.Dispose();
            Lab.Dispose();
        }
    }

    private async Task<Open> OpenConsole()
    {
        // Build first (once, or after a source change), with the time a build takes: the import below runs the CLI.
        HostnetCli.Run(["--version"], timeout: TimeSpan.FromMinutes(15)).EnsureSuccess("build the CLI");
        var lab = Lab.Create();
        RunningDaemon? daemon = null;
        SocketForwarder? forwarder = null;
        try
        {
            ImportLab(lab);
            daemon = RunningDaemon.Start(lab.ServerNs, lab.StateDir, Path.Combine(_dir, "h.sock"));
            using (var applied = await daemon.Http.PostAsync(new Uri("/v1/apply?probe=false", UriKind.Relative), null))
                Assert.True(applied.IsSuccessStatusCode, await applied.Content.ReadAsStringAsync());
            var browser = await Browser.Launch("hncon-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)));
            try
            {
                forwarder = new SocketForwarder(browser.Netns, daemon.Socket);
            }
            catch
            {
                browser.Dispose();
                throw;
            }
            var open = new Open { Lab = lab, Daemon = daemon, Forwarder = forwarder, Browser = browser };
            await browser.Navigate(open.Url("/"));
            await browser.WaitFor("document.querySelectorAll('g.vm').length === 3", "the page draws the lab's three VMs");
            return open;
        }
        catch
        {
            forwarder?.Dispose();
            daemon?.Dispose();
            lab.Dispose();
            throw;
        }
    }

    private static async Task<string> Label(Browser b, string vm) =>
        (await b.Eval($"document.querySelector('g.vm[data-vm=\"{vm}\"]')?.getAttribute('aria-label') ?? ''"))!.GetValue<string>();

    [PrivilegedFact]
    public async Task The_page_draws_the_labs_VMs_with_their_modes_and_addresses_and_is_usable_by_keyboard_with_enough_contrast()
    {
        using var open = await OpenConsole();
        var b = open.Browser;

        // Each VM under its network, with the mode, address, vme and state the API holds.
        Assert.Contains($"host-routed, {Vm1Ip}", await Label(b, "vm1"), StringComparison.Ordinal);
        Assert.Contains($"{Vm1Vme}, running", await Label(b, "vm1"), StringComparison.Ordinal);
        Assert.Contains($"host-routed, {Vm2Ip}", await Label(b, "vm2"), StringComparison.Ordinal);
        Assert.EndsWith("stopped", await Label(b, "vm2"), StringComparison.Ordinal);
        Assert.Contains($"bridged, {Vm3Ip}/24", await Label(b, "vm3"), StringComparison.Ordinal);
        Assert.Equal("Routed", (await b.Eval("document.querySelector('g.vm[data-vm=\"vm1\"]').closest('details').dataset.network"))!.GetValue<string>());
        Assert.Equal("Bridged", (await b.Eval("document.querySelector('g.vm[data-vm=\"vm3\"]').closest('details').dataset.network"))!.GetValue<string>());
        // The host-routed figure: the /32 route and the published entry the server holds for vm1; the gateway on its vme.
        var drawn = (await b.Eval("document.getElementById('topology').textContent"))!.GetValue<string>();
        Assert.Contains($"route {Vm1Ip}/32", drawn, StringComparison.Ordinal);
        Assert.Contains("proxy on br1 (MP)", drawn, StringComparison.Ordinal);
        Assert.Contains("gw 169.255.30.1/32", drawn, StringComparison.Ordinal);
        Assert.Contains("port of br1", drawn, StringComparison.Ordinal);
        // The ARP table with the MP row arp -n shows on the server.
        var arp = Sh.InNetns(open.Lab.ServerNs, "arp", "-n").EnsureSuccess("arp -n").Stdout;
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(Vm1Ip)}\s+\*\s+\S+\s+MP\s+br1", arp);
        Assert.True((await b.Eval($"[...document.querySelectorAll('#arp tr.proxy')].some(r => r.textContent === '{Vm1Ip}**MPbr1')"))!.GetValue<bool>());
        // Search and the mode filter narrow the drawing.
        await b.Eval("(() => { const s = document.getElementById('mode'); s.value = 'bridged'; s.dispatchEvent(new Event('change')); })()");
        await b.WaitFor("[...document.querySelectorAll('g.vm')].map(g => g.dataset.vm).join() === 'vm3'", "the bridged filter leaves vm3 alone");
        await b.Eval("(() => { const s = document.getElementById('mode'); s.value = ''; s.dispatchEvent(new Event('change')); const q = document.getElementById('search'); q.value = '" + Vm2Ip + "'; q.dispatchEvent(new Event('input')); })()");
        await b.WaitFor("[...document.querySelectorAll('g.vm')].map(g => g.dataset.vm).join() === 'vm2'", "a search for vm2's address leaves vm2 alone");
        await b.Eval("(() => { const q = document.getElementById('search'); q.value = ''; q.dispatchEvent(new Event('input')); })()");
        await b.WaitFor("document.querySelectorAll('g.vm').length === 3", "an empty search draws all three again");
        await b.Screenshot(Path.Combine(Artifacts, "topology.png"));

        // Contrast: every piece of text in view against what is drawn behind it.
        var contrast = (await b.Eval(PageScripts.Contrast))!;
        Assert.True(contrast["checked"]!.GetValue<int>() >= 40, $"only {contrast["checked"]} texts checked");
        Assert.True(contrast["failures"]!.AsArray().Count == 0, "text below 4.5:1: " + contrast["failures"]!.ToJsonString());

        // Keyboard: Tab reaches a VM node, which shows its focus; Enter opens its page.
        string? focused = null;
        for (var i = 0; i < 40 && focused is null; i++)
        {
            await b.Press("Tab", 9);
            focused = (await b.Eval("document.activeElement?.dataset?.vm ?? null"))?.GetValue<string>();
        }
        Assert.NotNull(focused);
        Assert.Equal("4px", (await b.Eval("getComputedStyle(document.activeElement.querySelector('.vmbox')).strokeWidth"))!.GetValue<string>());
        await b.Screenshot(Path.Combine(Artifacts, "keyboard-focus.png"));
        await b.Press("Enter", 13, "\r");
        await b.WaitFor($"location.pathname === '/vms/{focused}' && document.getElementById('vm-title')?.textContent === 'VM {focused}'", "Enter opens the VM's page");
        await b.WaitFor("document.querySelector('#vm-adapters tbody tr')", "the VM page lists the adapters");
        var page = (await b.Eval("document.getElementById('vm-page').innerText"))!.GetValue<string>();
        // A netns guest has no QEMU snippets: the page says why in the CLI's words.
        Assert.Contains("not a QEMU guest", page, StringComparison.Ordinal);
        var onPage = (await b.Eval(PageScripts.Contrast))!;
        Assert.True(onPage["failures"]!.AsArray().Count == 0, "text below 4.5:1 on the VM page: " + onPage["failures"]!.ToJsonString());
        Assert.Empty(b.PageErrors);
    }

    [PrivilegedFact]
    public async Task A_route_deleted_by_hand_turns_red_until_repaired_a_trace_marks_the_failing_hop_and_a_start_from_the_page_makes_the_VM_reachable()
    {
        using var open = await OpenConsole();
        var b = open.Browser;
        var lab = open.Lab;
        var mark = $"a:{Vm1Vme}:route";
        Assert.False((await b.Eval(PageScripts.RecordRed(mark)))!.GetValue<bool>(), "vm1's route is red before anything changed");

        // Another writer holds the server's kernel lock (util-linux's flock(1), the same flock(2) Hostnet takes), so
        // the daemon's watch loop cannot mend the route until it lets go: the drift stays on the page meanwhile.
        var lockFile = Path.Combine(lab.StateDir, "kernel.lock");
        using (var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", lockFile, "sleep", "120"]) { UseShellExecute = false })!)
        {
            try
            {
                var held = Stopwatch.StartNew();
                while (Sh.Run("flock", ["--nonblock", "--exclusive", lockFile, "true"]).ExitCode == 0)
                {
                    Assert.True(held.Elapsed < TimeSpan.FromSeconds(10), "flock(1) never took the lock");
                    Thread.Sleep(20);
                }

                Sh.Ip("-n", lab.ServerNs, "route", "del", Vm1Ip + "/32", "dev", Vm1Vme);
                await b.WaitFor("window.hnconRed.includes(true)", "the route deleted by hand is drawn red");
                await b.WaitFor($"document.getElementById('drift-list').textContent.includes('route {Vm1Ip}')", "the drift lists the route");
                await b.Screenshot(Path.Combine(Artifacts, "drift.png"));

                // The trace from the LAN (a reader: it does not wait for the lock) stops at the route, and says so.
                await b.Navigate(open.Url("/vms/vm1"));
                await b.WaitFor("document.getElementById('trace-dest')?.value === '" + Vm1Ip + "'", "the trace form is filled with vm1's address");
                await b.Eval("document.querySelector('#trace-form button[type=submit]').click()");
                await b.WaitFor("document.querySelector('ol.path')", "the trace is drawn as a path");
                Assert.Equal("route", (await b.Eval("document.querySelector('ol.path li.fail .step').textContent.split(' ')[1]"))!.GetValue<string>());
                Assert.Equal(1, (await b.Eval("document.querySelectorAll('ol.path li.fail').length"))!.GetValue<int>());
                Assert.True((await b.Eval("document.querySelectorAll('ol.path li.ok').length"))!.GetValue<int>() >= 3);
                await b.Screenshot(Path.Combine(Artifacts, "trace.png"));

                await b.Navigate(open.Url("/"));
                await b.WaitFor("document.querySelectorAll('g.vm').length === 3", "the page draws the VMs again");
                Assert.True((await b.Eval(PageScripts.RecordRed(mark)))!.GetValue<bool>(), "the route is red while the lock is held");
            }
            finally
            {
                // flock(1) and the sleep(1) that holds its descriptor.
                holder.Kill(entireProcessTree: true);
                holder.WaitForExit();
            }
        }

        // The lock let go: the daemon's watch loop mends the route by itself, and the page clears the red.
        await b.WaitFor("window.hnconRed.at(-1) === false", "the repaired route is no longer red");
        Assert.Contains(Vm1Vme, Sh.Ip("-n", lab.ServerNs, "route", "show", Vm1Ip), StringComparison.Ordinal);

        // vm2 is stopped: computer X cannot reach it until it is started from its page.
        Assert.Null(Lab.Ping(lab.ComputerXNs, Vm2Ip, waitSeconds: 1, attempts: 1));
        await b.Eval("document.querySelector('g.vm[data-vm=\"vm2\"]').dispatchEvent(new MouseEvent('click', { bubbles: true }))");
        await b.WaitFor("location.pathname === '/vms/vm2' && document.getElementById('vm-state')?.textContent.startsWith('stopped')", "vm2's page shows it stopped");
        await b.Eval("document.getElementById('vm-start').click()");
        await b.WaitFor("document.getElementById('vm-state').textContent.startsWith('running')", "vm2's page shows it running");
        Assert.NotNull(Lab.Ping(lab.ComputerXNs, Vm2Ip));
        await b.Screenshot(Path.Combine(Artifacts, "vm-page.png"));
        Assert.Empty(b.PageErrors);
    }

    [PrivilegedFact]
    public async Task A_refused_action_shows_the_problems_line()
    {
        using var open = await OpenConsole();
        var b = open.Browser;
        // The address vm2 would take answers on the LAN already: the start is refused, nothing changes.
        Sh.Ip("-n", open.Lab.ComputerXNs, "addr", "add", Vm2Ip + "/24", "dev", "eth0");
        var cli = HostnetCli.Run(["--netns", open.Lab.ServerNs, "--state-dir", open.Lab.StateDir, "vm", "start", "vm2"]);
        Assert.Equal(1, cli.ExitCode);
        var line = cli.Stderr.Trim()["hostnet: error: ".Length..];
        await b.Navigate(open.Url("/vms/vm2"));
        await b.WaitFor("document.getElementById('vm-state')?.textContent.startsWith('stopped')", "vm2's page shows it stopped");
        await b.Eval("document.getElementById('vm-start').click()");
        // The page's own refusal reads as the CLI's line, whether the daemon's `refused` event comes before its answer or after.
        await b.WaitFor($"document.getElementById('alert').textContent === {JsonValue.Create(line).ToJsonString()}", "the refusal is shown in the CLI's words");
        await Task.Delay(300);
        Assert.Equal(line, (await b.Eval("document.getElementById('alert').textContent"))!.GetValue<string>());
        Assert.False((await b.Eval("document.getElementById('alert').hidden"))!.GetValue<bool>());
        Assert.Equal("alert", (await b.Eval("document.getElementById('alert').getAttribute('role')"))!.GetValue<string>());
    }

    [PrivilegedFact]
    public async Task At_a_thousand_VMs_each_network_draws_a_page_of_them_and_a_search_finds_one()
    {
        using var open = await OpenConsole();
        var b = open.Browser;
        // 1,000 more VMs, stopped tap guests (state only): two in three host-routed, one in three bridged.
        var vms = string.Join(",\n", Enumerable.Range(0, 1000).Select(i =>
        {
            var routed = i % 3 != 0;
            var ip = $"10.9.{i / 250}.{(i % 250) + 2}";
            var adapter = routed ? $$"""{"network":"Routed","ips":["{{ip}}"]}""" : $$"""{"network":"Bridged","ips":["{{ip}}/16"],"gateway":"10.9.0.1"}""";
            return $$"""{"name":"load{{i:D4}}","uuid":"{{0x10000000 + i:x8}}-0000-4000-8000-{{i:x12}}","guest":"tap","running":false,"adapters":[{{adapter}}]}""";
        }));
        HostnetCli.Run(["--netns", open.Lab.ServerNs, "--state-dir", open.Lab.StateDir, "import", "-"], stdin: $"{{\"networks\":[],\"vms\":[{vms}]}}")
            .EnsureSuccess("import 1,000 VMs");

        await b.Navigate(open.Url("/"));
        await b.WaitFor("document.getElementById('count').textContent === '1003 of 1003 adapters shown'", "the page counts every adapter");
        // 60 drawn per network, the rest a button away.
        Assert.Equal(120, (await b.Eval("document.querySelectorAll('g.vm').length"))!.GetValue<int>());
        Assert.Equal(2, (await b.Eval("document.querySelectorAll('details.group button.more').length"))!.GetValue<int>());
        await b.Eval("document.querySelector('details[data-network=\"Bridged\"] button.more').click()");
        await b.WaitFor("document.querySelectorAll('details[data-network=\"Bridged\"] g.vm').length === 180", "a click draws 120 more bridged VMs");
        await b.Screenshot(Path.Combine(Artifacts, "thousand.png"));

        await b.Eval("(() => { const q = document.getElementById('search'); q.value = '10.9.3.79'; q.dispatchEvent(new Event('input')); })()");
        await b.WaitFor("[...document.querySelectorAll('g.vm')].map(g => g.dataset.vm).join() === 'load0827'", "a search for one address among 1,003 draws its VM alone");
        Assert.Empty(b.PageErrors);
    }
}
