using System.Globalization;
using Hostnet.Engine;
using Hostnet.Engine.Intent;
using Hostnet.Engine.Planning;
using Hostnet.Netlink;
using Hostnet.Store;

namespace Hostnet.Agent;

/// <summary>
/// The host agent's loop (<c>watch</c>). Applies once, then again whenever the kernel reports a change that
/// can touch what Hostnet owns — a link going down or away (which flushes its proxy entries), an address,
/// one of Hostnet's routes, a permanent neighbour — and every <see cref="Every"/> for what the kernel does
/// not report (this kernel sends no event when a proxy entry is deleted). Bursts of events are taken
/// together (150 ms), the way the runtime debounces address changes. Once it runs only its stop token ends
/// it: a failed cycle is raised as <see cref="CycleFailed"/> and tried again after a backoff. A front end
/// subscribes to the events to say what happens.
/// </summary>
public sealed class Watcher
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(150);

    /// <summary>The shortest resync interval.</summary>
    public static readonly TimeSpan MinimumEvery = TimeSpan.FromSeconds(1);

    private readonly HostAgent _agent;

    internal Watcher(HostAgent agent, TimeSpan every)
    {
        if (every < MinimumEvery)
        {
            throw new RequestRefusedException(ErrorCodes.ResyncIntervalTooShort,
                ("minimumSeconds", MinimumEvery.TotalSeconds.ToString(CultureInfo.InvariantCulture)));
        }
        _agent = agent;
        Every = every;
    }

    public TimeSpan Every { get; }

    /// <summary>The state and the server are open, the kernel's events followed: the loop begins.</summary>
    public event Action? Watching;

    /// <summary>A cycle changed the kernel: why it ran (start, kernel change, periodic, retry) and what it did.</summary>
    public event Action<string, PlannedChanges>? Applied;

    /// <summary>A cycle failed: why it ran, the failure, and the wait before the next try.</summary>
    public event Action<string, Exception, TimeSpan>? CycleFailed;

    /// <summary>The kernel dropped events (or sent some the reader cannot read): the reason; a resync follows.</summary>
    public event Action<string>? EventsLost;

    /// <summary>The kernel event socket failed: the failure, and the wait before it is reopened.</summary>
    public event Action<Exception, TimeSpan>? MonitorFailed;

    /// <summary>
    /// Runs until <paramref name="stop"/> is cancelled. What fails before the first cycle is the state's or
    /// the server's (no such namespace, a state directory that cannot be made, a database that is not
    /// Hostnet's) and is thrown; so is, later, a state that can never be Hostnet's.
    /// </summary>
    public void Run(CancellationToken stop)
    {
        using var store = _agent.OpenStore();
        using var engine = _agent.OpenEngine(store);
        using var wake = new SemaphoreSlim(0);
        var reader = new Thread(() => FollowKernel(engine.ServerNamespace, wake, stop))
        {
            IsBackground = true,
            Name = "hostnet watch: kernel events",
        };
        reader.Start();
        Watching?.Invoke();

        var backoff = new RetryBackoff();
        TimeSpan? retryIn = Resync(engine, store.State, "start", backoff, stop);
        while (!stop.IsCancellationRequested)
        {
            bool woken = false;
            try
            {
                if (retryIn is { } delay)
                {
                    // Not at the next kernel event: a fault that stays must not be retried at the rate events come.
                    stop.WaitHandle.WaitOne(delay);
                    while (wake.Wait(0)) { }
                }
                else
                {
                    woken = wake.Wait(Every, stop);
                    if (woken)
                    {
                        // Take the rest of the burst with it; our own changes come back as events too.
                        stop.WaitHandle.WaitOne(Debounce);
                        while (wake.Wait(0)) { }
                    }
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (stop.IsCancellationRequested) break;
            retryIn = Resync(engine, store.State, retryIn is not null ? "retry" : woken ? "kernel change" : "periodic", backoff, stop);
        }
        reader.Join(TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// The event reader: wakes the loop for every event that can touch what Hostnet owns. A monitor
    /// socket that fails is closed and opened again after a backoff, and the loop is woken once it is
    /// back, since what changed meanwhile is unknown.
    /// </summary>
    private void FollowKernel(NetNamespace server, SemaphoreSlim wake, CancellationToken stop)
    {
        var backoff = new RetryBackoff();
        bool reopened = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var monitor = RtnlMonitor.Open(server, MonitorGroups.All);
                if (reopened) wake.Release();
                foreach (var e in monitor.Read(stop))
                {
                    backoff.Reset();
                    if (e is ResyncNeeded lost) EventsLost?.Invoke(lost.Reason);
                    if (Touches(e)) wake.Release();
                }
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                var delay = backoff.Next();
                MonitorFailed?.Invoke(e, delay);
                stop.WaitHandle.WaitOne(delay);
                reopened = true;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Stopping: the loop no longer listens.
            }
        }
    }

    /// <summary>Whether an event can mean that something Hostnet owns has changed.</summary>
    private static bool Touches(RtnlEvent e) => e switch
    {
        LinkChanged or LinkRemoved or AddressChanged or AddressRemoved or ResyncNeeded => true,
        // A vme or the uplink joining or leaving its bridge.
        BridgePortChanged or BridgePortLeft => true,
        ProxyNeighborChanged or ProxyNeighborRemoved => true,
        RouteChanged r => r.Route.Protocol == HostnetMarks.RouteProtocol,
        RouteRemoved r => r.Route.Protocol == HostnetMarks.RouteProtocol,
        // Dynamic entries come and go with every ARP exchange on the LAN: only permanent ones are Hostnet's.
        NeighborChanged n => n.Neighbor.State.HasFlag(NeighborState.Permanent),
        NeighborRemoved n => n.Neighbor.State.HasFlag(NeighborState.Permanent),
        _ => false,
    };

    /// <summary>
    /// One cycle: load the state, apply it; null when it went through. Any failure (a kernel refusal, a
    /// link deleted while it was applied, a locked database) is raised, and the wait before the loop tries
    /// again is returned. Only a state that cannot be Hostnet's is thrown.
    /// </summary>
    private TimeSpan? Resync(HostEngine engine, IStateStore store, string why, RetryBackoff backoff, CancellationToken stop)
    {
        try
        {
            Plan plan;
            using (_agent.TakeKernelLock(tell: false))
                plan = KernelService.ConvergeAll(engine, store, new ApplyOptions());
            if (!plan.IsEmpty) Applied?.Invoke(why, PlannedChanges.Of(plan));
            backoff.Reset();
            return null;
        }
        catch (Exception e) when (!CannotBeHostnetState(e))
        {
            var delay = backoff.Next();
            if (!stop.IsCancellationRequested) CycleFailed?.Invoke(why, e, delay);
            return delay;
        }
    }

    /// <summary>Whether a failed cycle says the state can never be Hostnet's, so that no retry can cure it.</summary>
    private static bool CannotBeHostnetState(Exception e) => e switch
    {
        // Rows the model refuses, a database that is not (or no longer) Hostnet's schema.
        Model.ValidationException => true,
        StoreException s => !s.IsTransient,
        _ => false,
    };
}
