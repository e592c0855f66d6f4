using System.Globalization;

namespace Hostnet.Engine.Apply;

/// <summary>
/// Crash testing: with <c>HOSTNET_KILL_AFTER_OPS=N</c> the process kills itself
/// (SIGKILL: no cleanup, no finally) after its N-th kernel operation, and sends
/// operations one at a time so that N is exact. Tests use it to prove that the
/// next apply converges whatever moment an apply dies.
/// </summary>
public sealed class FaultInjection
{
    private readonly int _killAfter;
    private readonly int _failUplinkStep;
    private int _done;

    public FaultInjection(int killAfter, int failUplinkStep = 0)
    {
        _killAfter = killAfter;
        _failUplinkStep = failUplinkStep;
    }

    public bool Enabled => _killAfter > 0;

    /// <summary>Also <c>HOSTNET_FAIL_UPLINK_STEP=K</c>: the K-th step of moving an uplink into or out of its bridge fails.</summary>
    public static FaultInjection FromEnvironment() => new(Read("HOSTNET_KILL_AFTER_OPS"), Read("HOSTNET_FAIL_UPLINK_STEP"));

    private static int Read(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    /// <summary>Fails the K-th step of an uplink move, when asked to.</summary>
    public void UplinkStep(int step)
    {
        if (_failUplinkStep > 0 && step == _failUplinkStep)
            throw new InvalidOperationException($"injected failure at step {step} of the uplink move");
    }

    /// <summary>Counts operations about to be made; dies before the one past the limit.</summary>
    public void Step(int operations = 1)
    {
        if (!Enabled) return;
        if (_done + operations > _killAfter)
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            self.Kill();
        }
        _done += operations;
    }
}
