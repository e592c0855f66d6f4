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
    private int _done;

    public FaultInjection(int killAfter) => _killAfter = killAfter;

    public bool Enabled => _killAfter > 0;

    public static FaultInjection FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("HOSTNET_KILL_AFTER_OPS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? new FaultInjection(n)
            : new FaultInjection(0);

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
