using Xunit;

namespace Hostnet.TestKit;

/// <summary>
/// Whether this process may create network namespaces and program them: root,
/// or at least CAP_NET_ADMIN and CAP_SYS_ADMIN. Outside CI a test that needs
/// this is skipped with a reason; under CI (<c>CI=true</c>) it runs and fails,
/// because a skip on CI would hide a broken suite.
/// </summary>
public static class Privilege
{
    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? SkipReason =>
        IsRoot || IsCi ? null : "needs root (CAP_NET_ADMIN) to build network namespaces; runs under CI=true";

    private static uint GetEuid()
    {
        // /proc/self/status: "Uid:\treal\teffective\tsaved\tfs"
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                var parts = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
                return uint.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return uint.MaxValue;
    }
}

/// <summary>A fact that needs root; skipped with a reason elsewhere, never skipped under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PrivilegedFactAttribute : FactAttribute
{
    public PrivilegedFactAttribute()
    {
        if (Privilege.SkipReason is { } reason) Skip = reason;
    }
}

/// <summary>A theory that needs root; skipped with a reason elsewhere, never skipped under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PrivilegedTheoryAttribute : TheoryAttribute
{
    public PrivilegedTheoryAttribute()
    {
        if (Privilege.SkipReason is { } reason) Skip = reason;
    }
}
