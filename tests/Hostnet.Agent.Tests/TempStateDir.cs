namespace Hostnet.Agent.Tests;

/// <summary>A state directory of a test's own (not made yet), removed after it.</summary>
internal sealed class TempStateDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hostnet-agent-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
