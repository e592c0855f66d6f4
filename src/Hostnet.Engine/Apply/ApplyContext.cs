using Hostnet.Engine.Observe;
using Hostnet.Netlink;

namespace Hostnet.Engine.Apply;

/// <summary>What the handlers of an apply work with: the server, its links as last dumped, the ledger, fault injection and the batches.</summary>
internal sealed class ApplyContext
{
    private readonly Applier _applier;
    private Dictionary<string, Link>? _links;

    public ApplyContext(Applier applier, NetNamespace serverNs, RtnlSocket server, ILedger ledger, FaultInjection faults)
    {
        _applier = applier;
        ServerNs = serverNs;
        Server = server;
        Ledger = ledger;
        Faults = faults;
    }

    public NetNamespace ServerNs { get; }

    public RtnlSocket Server { get; }

    public ILedger Ledger { get; }

    public FaultInjection Faults { get; }

    /// <summary>The server's links by name, dumped again after they changed.</summary>
    public Dictionary<string, Link> Links => _links ??= Applier.IndexLinks(Server.DumpLinks());

    /// <summary>Links were made, changed or removed: the next look at them dumps them again.</summary>
    public void LinksChanged() => _links = null;

    /// <summary>Sends requests to the server in batches (see <see cref="Applier.Send"/>).</summary>
    public void Send(List<RtnlRequest> requests, bool tolerateGone) => _applier.Send(Server, requests, tolerateGone);

    public UplinkMover Mover() => new(Server, Faults, Ledger);
}
