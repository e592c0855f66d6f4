namespace Hostnet.Daemon;

/// <summary>
/// <c>hostnet daemon install</c>: the repository's <c>dist/hostnetd.service</c> (built in), its
/// <c>ExecStart=</c> pointing at the binary that runs, written into systemd's unit directory.
/// </summary>
public static class SystemdUnit
{
    /// <summary>Where an administrator's units live.</summary>
    public const string DefaultDirectory = "/etc/systemd/system";

    /// <summary>The unit's file name.</summary>
    public const string FileName = "hostnetd.service";

    /// <summary>The binary the unit in the repository names; replaced by the running one's path.</summary>
    private const string RepositoryBinary = "/usr/local/bin/hostnet";

    /// <summary>The unit's text with <c>ExecStart=</c> running <paramref name="binary"/>.</summary>
    public static string Text(string binary)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(binary);
        using var stream = typeof(SystemdUnit).Assembly.GetManifestResourceStream(FileName)
            ?? throw new InvalidOperationException("the unit hostnetd.service is not built into this binary");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        // systemd splits ExecStart= at spaces: a path with one is quoted.
        var command = binary.Any(char.IsWhiteSpace) ? "\"" + binary.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : binary;
        return text.Replace("ExecStart=" + RepositoryBinary + " ", "ExecStart=" + command + " ", StringComparison.Ordinal);
    }

    /// <summary>Writes the unit into <paramref name="directory"/> (made if missing), mode 0644; returns its path.</summary>
    public static string Install(string directory, string binary)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("systemd units are Linux's");
        var text = Text(binary);
        var path = Path.Combine(Path.GetFullPath(directory), FileName);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".new";
            File.WriteAllText(temporary, text);
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonRefusedException($"cannot write {path}: {e.Message} (run as root, or give --unit-dir DIR)", e);
        }
        return path;
    }
}
