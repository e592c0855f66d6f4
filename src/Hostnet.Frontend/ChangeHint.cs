namespace Hostnet.Frontend;

/// <summary>
/// The line for a change that names nothing to change: the options that would change something. The CLI reads
/// them from its own command; the daemon, which has no command, says the same line from
/// <see cref="NetworkSetOptions"/> (its tests compare its line with the CLI's, so the list cannot fall behind
/// the command unseen).
/// </summary>
public static class ChangeHint
{
    /// <summary>The options of <c>hostnet network set</c>, in the order its help lists them.</summary>
    public static readonly IReadOnlyList<string> NetworkSetOptions =
        ["--server-ports", "--no-server-ports", "--gateway6", "--dhcp", "--no-dhcp", "--dns", "--no-dns"];

    /// <summary>
    /// The refusal's argument that names the options, space-separated, when a front end gives them (the CLI, from its
    /// command); without it, <see cref="NetworkSetOptions"/>.
    /// </summary>
    public const string OptionsArgument = "options";

    /// <summary><c>nothing to change: give A, B or C</c>.</summary>
    public static string NothingToChange(IReadOnlyList<string> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return "nothing to change: give "
            + (options.Count > 1 ? string.Join(", ", options.Take(options.Count - 1)) + " or " + options[^1] : string.Concat(options));
    }
}
