using System.Globalization;
using System.Text;
using Hostnet.Agent;
using Hostnet.Frontend;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hostnet.Daemon;

/// <summary>
/// <c>GET /metrics</c> in Prometheus' text format (version 0.0.4), written here: the VMs and adapters of the
/// state by mode and state, and what this daemon counted since it started: applies (requests' and the watch
/// loop's) and their duration, kernel operations, repairs, probe refusals, netlink errors, requests.
/// One daemon serves one server per process, so the counters are the process's.
/// </summary>
internal static class Metrics
{
    /// <summary>The upper bounds of the apply duration histogram, in seconds.</summary>
    private static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Why applies run, each a label value from the start (a series that appears late is missed by rate()).</summary>
    private static readonly string[] Causes =
        [ApplyCauses.Apply, ApplyCauses.Change, ApplyCauses.Start, ApplyCauses.KernelChange, ApplyCauses.StateChange, ApplyCauses.Periodic, ApplyCauses.Retry];

    private static readonly Lock Gate = new();
    private static readonly long[] BucketCounts = new long[Buckets.Length];
    private static readonly Dictionary<string, long> AppliesBy = Causes.ToDictionary(c => c, _ => 0L, StringComparer.Ordinal);
    private static readonly Dictionary<string, long> ErrorsBy = Causes.ToDictionary(c => c, _ => 0L, StringComparer.Ordinal);
    private static readonly Dictionary<string, long> RepairsBy = Causes.Where(c => c is not (ApplyCauses.Apply or ApplyCauses.Change)).ToDictionary(c => c, _ => 0L, StringComparer.Ordinal);
    private static readonly Dictionary<PlanChange, long> Operations = new() { [PlanChange.Add] = 0, [PlanChange.Change] = 0, [PlanChange.Remove] = 0 };
    private static long _applies;
    private static double _applySeconds;
    private static long _refusals;
    private static long _netlinkErrors;
    private static long? _lastResync;
    private static readonly SortedDictionary<(string Route, int Status), long> Requests = new();

    public static void Map(IEndpointRouteBuilder app, HostAgent agent) =>
        app.MapGet("/metrics", () => Results.Text(Write(agent), "text/plain; version=0.0.4; charset=utf-8"));

    /// <summary>The middleware: each request counted by its route's pattern and the status it was answered with.</summary>
    public static async Task Count(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            lock (Gate)
            {
                var key = (route, context.Response.StatusCode);
                Requests[key] = Requests.GetValueOrDefault(key) + 1;
            }
        }
    }

    /// <summary>An apply done or failed, whoever ran it (a request, the watch loop).</summary>
    public static void Applied(ApplyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var seconds = report.Took.TotalSeconds;
        lock (Gate)
        {
            _applies++;
            AppliesBy[report.Cause] = AppliesBy.GetValueOrDefault(report.Cause) + 1;
            _applySeconds += seconds;
            for (var i = 0; i < Buckets.Length; i++)
                if (seconds <= Buckets[i]) BucketCounts[i]++;
            foreach (var step in report.Done.Steps) Operations[step.Change]++;
            if (report.Failure is not null)
            {
                ErrorsBy[report.Cause] = ErrorsBy.GetValueOrDefault(report.Cause) + 1;
                if (KernelErrors.IsNetlink(report.Failure)) _netlinkErrors++;
            }
            else if (report.ByWatch)
            {
                _lastResync = Environment.TickCount64;
                if (!report.Done.IsEmpty) RepairsBy[report.Cause] = RepairsBy.GetValueOrDefault(report.Cause) + 1;
            }
        }
    }

    /// <summary>A write the probe refused: an address answers on the LAN.</summary>
    public static void Refused()
    {
        lock (Gate) _refusals++;
    }

    /// <summary>The kernel event socket failed.</summary>
    public static void MonitorFailed(Exception e)
    {
        if (!KernelErrors.IsNetlink(e)) return;
        lock (Gate) _netlinkErrors++;
    }

    internal static string Write(HostAgent agent)
    {
        var networks = Documents.Networks(agent.Networks.List()).ToDictionary(n => n.Name, n => n.Mode, StringComparer.Ordinal);
        var vms = Documents.Vms(agent.Vms.List());
        var sb = new StringBuilder();

        Header(sb, "hostnet_vms", "gauge", "VMs of the state by the mode of their adapters' networks (\"none\" without an adapter; a VM on two modes counts under each) and by state");
        var vmRows = vms
            .SelectMany(v => (v.Adapters.Count == 0 ? ["none"] : v.Adapters.Select(a => networks.GetValueOrDefault(a.Network, "unknown")).Distinct(StringComparer.Ordinal))
                .Select(mode => (Mode: mode, State: v.Running ? "running" : "stopped")))
            .GroupBy(r => r)
            .OrderBy(g => g.Key.Mode, StringComparer.Ordinal).ThenBy(g => g.Key.State, StringComparer.Ordinal);
        foreach (var g in vmRows) Sample(sb, "hostnet_vms", $"mode=\"{Escape(g.Key.Mode)}\",state=\"{g.Key.State}\"", g.Count());

        Header(sb, "hostnet_adapters", "gauge", "VM adapters of the state by their network's mode and their VM's state");
        var adapterRows = vms.SelectMany(v => v.Adapters.Select(a => (Mode: networks.GetValueOrDefault(a.Network, "unknown"), State: v.Running ? "running" : "stopped")))
            .GroupBy(r => r)
            .OrderBy(g => g.Key.Mode, StringComparer.Ordinal).ThenBy(g => g.Key.State, StringComparer.Ordinal);
        foreach (var g in adapterRows) Sample(sb, "hostnet_adapters", $"mode=\"{Escape(g.Key.Mode)}\",state=\"{g.Key.State}\"", g.Count());

        lock (Gate)
        {
            Header(sb, "hostnet_applies_total", "counter", "Applies this daemon ran, failed ones included, by cause (apply, change: a request; start, kernel change, state change, periodic, retry: the watch loop)");
            foreach (var c in Causes) Sample(sb, "hostnet_applies_total", $"cause=\"{c}\"", AppliesBy[c]);
            Header(sb, "hostnet_apply_errors_total", "counter", "Applies this daemon ran that failed, by cause");
            foreach (var c in Causes) Sample(sb, "hostnet_apply_errors_total", $"cause=\"{c}\"", ErrorsBy[c]);
            Header(sb, "hostnet_kernel_operations_total", "counter", "Kernel objects the applies added, changed or removed (one per plan step)");
            foreach (var (change, count) in Operations)
                Sample(sb, "hostnet_kernel_operations_total", $"change=\"{change.ToString().ToLowerInvariant()}\"", count);
            Header(sb, "hostnet_repairs_total", "counter", "Watch cycles that found the kernel apart from the state and put it back, by cause");
            foreach (var (cause, count) in RepairsBy) Sample(sb, "hostnet_repairs_total", $"cause=\"{cause}\"", count);
            Header(sb, "hostnet_probe_refusals_total", "counter", "Writes refused because an address answered on the LAN");
            Sample(sb, "hostnet_probe_refusals_total", null, _refusals);
            Header(sb, "hostnet_netlink_errors_total", "counter", "Applies that failed on a kernel (netlink) error, and failures of the kernel event socket");
            Sample(sb, "hostnet_netlink_errors_total", null, _netlinkErrors);
            if (_lastResync is { } last)
            {
                Header(sb, "hostnet_seconds_since_resync", "gauge", "Seconds since the watch loop last went through a cycle (absent before its first)");
                sb.Append("hostnet_seconds_since_resync ").Append(Number((Environment.TickCount64 - last) / 1000.0)).Append('\n');
            }

            Header(sb, "hostnet_apply_duration_seconds", "histogram", "How long the applies this daemon ran took");
            for (var i = 0; i < Buckets.Length; i++)
                Sample(sb, "hostnet_apply_duration_seconds_bucket", $"le=\"{Number(Buckets[i])}\"", BucketCounts[i]);
            Sample(sb, "hostnet_apply_duration_seconds_bucket", "le=\"+Inf\"", _applies);
            sb.Append("hostnet_apply_duration_seconds_sum ").Append(Number(_applySeconds)).Append('\n');
            Sample(sb, "hostnet_apply_duration_seconds_count", null, _applies);

            Header(sb, "hostnet_http_requests_total", "counter", "Requests this daemon answered, by route pattern and status");
            foreach (var ((route, status), count) in Requests)
                Sample(sb, "hostnet_http_requests_total", $"route=\"{Escape(route)}\",status=\"{status.ToString(CultureInfo.InvariantCulture)}\"", count);
        }
        return sb.ToString();
    }

    private static void Header(StringBuilder sb, string name, string type, string help) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal)).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder sb, string name, string? labels, long value)
    {
        sb.Append(name);
        if (labels is not null) sb.Append('{').Append(labels).Append('}');
        sb.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A label value as the format quotes it: backslash, double quote and newline escaped.</summary>
    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
