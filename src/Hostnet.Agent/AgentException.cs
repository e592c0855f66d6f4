namespace Hostnet.Agent;

/// <summary>
/// An error the application layer raises itself: a machine <see cref="Code"/> and its
/// <see cref="Arguments"/>, no sentence for a person. A front end turns it into its own words (the CLI's
/// one line, an API's problem details). <see cref="Exception.Message"/> is only the code and the
/// arguments, for logs.
/// </summary>
public abstract class AgentException : Exception
{
    private protected AgentException(string code, IReadOnlyDictionary<string, string> arguments, Exception? inner)
        : base(code + (arguments.Count == 0 ? "" : " " + string.Join(' ', arguments.Select(a => $"{a.Key}={a.Value}"))), inner)
    {
        Code = code;
        Arguments = arguments;
    }

    /// <summary>What went wrong, as a stable machine word (<see cref="ErrorCodes"/>).</summary>
    public string Code { get; }

    /// <summary>The values the words need: names, addresses, limits.</summary>
    public IReadOnlyDictionary<string, string> Arguments { get; }

    /// <summary>An argument by name.</summary>
    public string this[string name] => Arguments[name];

    /// <summary>The arguments as a dictionary, from pairs.</summary>
    private protected static IReadOnlyDictionary<string, string> Args(params (string Name, string Value)[] args) =>
        args.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);
}

/// <summary>A request the application layer refused: a user mistake; nothing was changed, and a retry without a change cannot succeed.</summary>
public sealed class RequestRefusedException : AgentException
{
    public RequestRefusedException(string code, params (string Name, string Value)[] arguments) : base(code, Args(arguments), null) { }

    /// <param name="code">What is wrong.</param>
    /// <param name="inner">The refusal underneath (a model rule), whose words the front end shows after this one's.</param>
    /// <param name="arguments">The values the words need.</param>
    public RequestRefusedException(string code, Exception inner, params (string Name, string Value)[] arguments) : base(code, Args(arguments), inner) { }
}

/// <summary>
/// A change was saved, but the kernel did not follow it (a kernel refusal, a link gone meanwhile): the state
/// says so (the VM is pending), and the next apply finishes it. The cause is the inner exception.
/// </summary>
public sealed class KernelNotFollowedException : AgentException
{
    public KernelNotFollowedException(string vm, SavedAs saved, Exception cause)
        : base(ErrorCodes.KernelNotFollowed, Args(("vm", vm), ("saved", saved.ToString().ToLowerInvariant())), cause)
    {
        Vm = vm;
        Saved = saved;
    }

    public string Vm { get; }

    public SavedAs Saved { get; }
}

/// <summary>
/// Another <c>hostnet</c> held the server's kernel lock for longer than the wait (hung, or very slow): nothing was
/// changed, and a retry once it is done may succeed. <c>pid</c> is the holder's, empty when unknown.
/// </summary>
public sealed class KernelLockHeldException : AgentException
{
    public KernelLockHeldException(int? holderPid, Exception cause)
        : base(ErrorCodes.KernelLockHeld, Args(("pid", holderPid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "")), cause) =>
        HolderPid = holderPid;

    public int? HolderPid { get; }
}

/// <summary>How a change whose kernel side failed stands in the state.</summary>
public enum SavedAs
{
    Running,
    Stopped,
    Removed,
}

/// <summary>The codes of <see cref="AgentException"/>, and the arguments each carries.</summary>
public static class ErrorCodes
{
    /// <summary><c>pid</c> (empty when unknown): another hostnet held the kernel lock for longer than the wait; see <see cref="KernelLockHeldException"/>.</summary>
    public const string KernelLockHeld = "kernel-lock-held";

    /// <summary><c>netns</c>: the server's network namespace does not exist.</summary>
    public const string NetnsNotFound = "netns-not-found";

    /// <summary><c>vm</c>, <c>saved</c> (running, stopped, removed): see <see cref="KernelNotFollowedException"/>.</summary>
    public const string KernelNotFollowed = "kernel-not-followed";

    /// <summary><c>minimumSeconds</c>: the watch's resync interval is shorter than that.</summary>
    public const string ResyncIntervalTooShort = "resync-interval-too-short";

    /// <summary><c>vm</c>, <c>guest</c>: QEMU's arguments asked for a VM that is not a tap guest.</summary>
    public const string NotATapGuest = "not-a-tap-guest";

    /// <summary><c>vm</c>: the LAN was to be told of a VM whose networking is stopped.</summary>
    public const string VmNotRunning = "vm-not-running";

    /// <summary><c>vm</c>: QEMU's arguments asked for a VM without adapters.</summary>
    public const string NoAdapters = "no-adapters";

    /// <summary><c>path</c>: libvirt's hook file of Hostnet's name is someone else's; it was left as it is.</summary>
    public const string HookNotHostnets = "hook-not-hostnets";

    /// <summary><c>path</c>, <c>reason</c>: libvirt's hook could not be written.</summary>
    public const string HookNotWritten = "hook-not-written";

    /// <summary><c>source</c>, <c>limitMiB</c>: an import larger than it reads.</summary>
    public const string ImportTooLarge = "import-too-large";

    /// <summary><c>source</c>, <c>reason</c>: an import that cannot be read.</summary>
    public const string ImportUnreadable = "import-unreadable";

    /// <summary><c>source</c>, <c>reason</c>: an import that is not JSON.</summary>
    public const string ImportNotJson = "import-not-json";

    /// <summary><c>source</c>: JSON, but not an object with networks and VMs.</summary>
    public const string ImportNotAState = "import-not-a-state";

    /// <summary><c>where</c>: an entry the model's rules refused; the inner exception says why.</summary>
    public const string ImportEntryRefused = "import-entry-refused";

    /// <summary><c>where</c>: an entry that is not an object.</summary>
    public const string ImportNotAnObject = "import-not-an-object";

    /// <summary><c>where</c>, <c>field</c>: a required field that is missing.</summary>
    public const string ImportFieldMissing = "import-field-missing";

    /// <summary><c>where</c>, <c>field</c>: a field that should be a string.</summary>
    public const string ImportFieldNotString = "import-field-not-string";

    /// <summary><c>where</c>, <c>field</c>: a field that should be a list.</summary>
    public const string ImportFieldNotList = "import-field-not-list";

    /// <summary><c>where</c>: <c>running</c> is neither true nor false.</summary>
    public const string ImportRunningNotBoolean = "import-running-not-boolean";

    /// <summary><c>where</c>: an adapter's <c>index</c> is not a whole number.</summary>
    public const string ImportIndexNotWholeNumber = "import-index-not-whole-number";

    /// <summary><c>where</c>: an adapter's <c>ips</c> holds something other than strings.</summary>
    public const string ImportIpsNotStrings = "import-ips-not-strings";

    /// <summary><c>where</c>, <c>mode</c>: a network mode that is neither bridged nor host-routed.</summary>
    public const string ImportUnknownMode = "import-unknown-mode";
}
