using Hostnet.Agent;
using Hostnet.Frontend;
using Microsoft.Extensions.Logging;

namespace Hostnet.Daemon;

/// <summary>
/// The application layer's watch loop, run inside the daemon on a thread of its own: the same
/// <see cref="Watcher"/> as <c>hostnet watch</c>, its reports turned into events, metrics and log lines.
/// <see cref="Start"/> returns once the first cycle is over — the whole state applied, or that apply failed —
/// so that the daemon says it is ready only then. A first apply that fails does not stop the daemon: it
/// serves (the API is how the state is put right) and the loop tries again with a backoff, as it does after
/// any failed cycle; the failure is logged, told as an <c>error</c> event and counted. The loop itself that
/// cannot start (the server's namespace missing) is started again the same way.
/// </summary>
internal sealed partial class DaemonWatch : IDisposable
{
    /// <summary>The periodic resync, for what the kernel does not report, as <c>hostnet watch</c>'s default.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(30);

    private readonly HostAgent _agent;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _firstCycle = new(false);
    private readonly LoopHeartbeat _heartbeat;
    private Thread? _thread;

    /// <param name="agent">The server's application layer.</param>
    /// <param name="log">Where the loop's failures are said.</param>
    /// <param name="heartbeat">The loop's sign of life, which the watchdog reads.</param>
    public DaemonWatch(HostAgent agent, ILogger log, LoopHeartbeat heartbeat)
    {
        _agent = agent;
        _log = log;
        _heartbeat = heartbeat;
    }

    /// <summary>Starts the loop; returns once its first cycle is over (applied, failed, or the loop could not start).</summary>
    public void Start()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "hostnet daemon: watch" };
        _thread.Start();
        _firstCycle.Wait();
    }

    private void Loop()
    {
        var backoff = new RetryBackoff();
        while (!_stop.IsCancellationRequested)
        {
            var watcher = _agent.Watch(Every);
            watcher.AnswerDhcp = true;
            watcher.Heartbeat = _heartbeat;
            watcher.DhcpProblem += line => DhcpProblem(_log, line);
            watcher.Applied += (_, _) => backoff.Reset();
            watcher.StateChanged += (networks, vms) => Events.Changed(networks, vms);
            watcher.CycleFailed += (why, e, delay) =>
            {
                CycleFailed(_log, why, ErrorText.Line(e), delay.TotalSeconds);
                Events.Failed(e, why);
                if (why == ApplyCauses.Start) _firstCycle.Set();
            };
            watcher.EventsLost += reason => EventsLost(_log, reason);
            watcher.MonitorFailed += (e, delay) =>
            {
                Metrics.MonitorFailed(e);
                MonitorFailed(_log, ErrorText.Line(e), delay.TotalSeconds);
            };
            _agent.Applied += FirstCycle;
            try
            {
                watcher.Run(_stop.Token);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                var delay = backoff.Next();
                CannotWatch(_log, ErrorText.Line(e), delay.TotalSeconds);
                Events.Failed(e, "watch");
                _firstCycle.Set();
                _heartbeat.Wait(_stop.Token.WaitHandle.WaitOne, delay, _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // Stopping: a failure on the way out (the server's namespace gone, say) ends the loop like the stop.
            }
            finally
            {
                _agent.Applied -= FirstCycle;
            }
        }
        _firstCycle.Set();
    }

    private void FirstCycle(ApplyReport report)
    {
        if (report.Cause == ApplyCauses.Start && report.Failure is null) _firstCycle.Set();
    }

    public void Dispose()
    {
        _stop.Cancel();
        // Every wait of the loop ends on the stop; an apply under way is let finish rather than cut (and what the
        // loop holds is disposed only once it is done with it).
        _thread?.Join();
        _stop.Dispose();
        _firstCycle.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "watch ({Why}): {Line}; retrying in {Seconds:0.0} s, serving meanwhile")]
    private static partial void CycleFailed(ILogger logger, string why, string line, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "watch cannot start: {Line}; trying again in {Seconds:0.0} s, serving meanwhile")]
    private static partial void CannotWatch(ILogger logger, string line, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Line}")]
    private static partial void DhcpProblem(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "kernel events: {Reason}; resyncing")]
    private static partial void EventsLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "kernel events: {Line}; reopening the monitor in {Seconds:0.0} s")]
    private static partial void MonitorFailed(ILogger logger, string line, double seconds);
}
