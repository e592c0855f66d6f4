using System.Globalization;

namespace Hostnet.Engine.Apply;

/// <summary>
/// Crash testing: with <c>HOSTNET_KILL_AFTER_OPS=N</c> the process kills itself
/// (SIGKILL: no cleanup, no finally) after its N-th kernel operation, and sends
/// operations one at a time so that N is exact; with <c>HOSTNET_SIGNAL_AFTER_OPS=N</c>
/// it sends itself <c>HOSTNET_SIGNAL</c> (<c>TERM</c> or <c>INT</c>, as an admin's
/// <c>kill</c> or Ctrl-C would) there instead, and waits for it to act. Tests use it to
/// prove that the next apply converges whatever moment an apply dies.
/// </summary>
public sealed class FaultInjection
{
    private readonly int _killAfter;
    private readonly int _failUplinkStep;
    private int _signalAfter;
    private readonly string _signal;
    private int _done;

    public FaultInjection(int killAfter, int failUplinkStep = 0, int signalAfter = 0, string signal = "TERM")
    {
        _killAfter = killAfter;
        _failUplinkStep = failUplinkStep;
        _signalAfter = signalAfter;
        _signal = signal;
    }

    public bool Enabled => _killAfter > 0 || _signalAfter > 0;

    /// <summary>Also <c>HOSTNET_FAIL_UPLINK_STEP=K</c>: the K-th step of moving an uplink into or out of its bridge fails.</summary>
    public static FaultInjection FromEnvironment() => new(
        Read("HOSTNET_KILL_AFTER_OPS"), Read("HOSTNET_FAIL_UPLINK_STEP"), Read("HOSTNET_SIGNAL_AFTER_OPS"),
        Environment.GetEnvironmentVariable("HOSTNET_SIGNAL") is "INT" ? "INT" : "TERM");

    private static int Read(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>Fails the K-th step of an uplink move, when asked to.</summary>
    public void UplinkStep(int step)
    {
        if (_failUplinkStep > 0 && step == _failUplinkStep)
            throw new InvalidOperationException($"injected failure at step {step} of the uplink move");
    }

    /// <summary>Counts operations about to be made; dies (or is signalled) before the one past the limit.</summary>
    public void Step(int operations = 1)
    {
        if (!Enabled) return;
        if (_killAfter > 0 && _done + operations > _killAfter)
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            self.Kill();
        }
        if (_signalAfter > 0 && _done + operations > _signalAfter)
        {
            using (var kill = System.Diagnostics.Process.Start("kill", ["-s", _signal, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)]))
                kill.WaitForExit();
            // The runtime acts on the signal on a thread of its own: give it the time, as a slow kernel step would;
            // while the server's network is half-moved the signal is held, and the work goes on once it is seen.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (waited.Elapsed < TimeSpan.FromSeconds(10) && !(SignalHold.Active && SignalHold.Received != 0))
                Thread.Sleep(10);
            _signalAfter = 0;
        }
        _done += operations;
    }
}
