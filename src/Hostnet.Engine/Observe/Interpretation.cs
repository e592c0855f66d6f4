using Hostnet.Engine.Intent;
using Hostnet.Engine.Kernel;
using Hostnet.Engine.Kernel.Handlers;

namespace Hostnet.Engine.Observe;

/// <summary>
/// What of a snapshot of the kernel is Hostnet's, as kernel objects: pure, so a captured
/// snapshot says the same thing every time. Each kind's handler reads its own objects out of
/// each namespace's dumps, held against the intent (a bridge or proxy entry it wants) and the
/// ledger (what Hostnet made that the kernel cannot mark as Hostnet's).
/// </summary>
public static class Interpretation
{
    public static IReadOnlyList<KernelObject> Observe(KernelSnapshot snapshot, KernelIntent intent, LedgerContents ledger)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(ledger);
        var scope = new ObserveScope(snapshot, intent, ledger);
        // Sized for what is wanted, which is about what is there: no large arrays left behind by growth.
        var result = new List<KernelObject>(intent.Objects.Count);
        var server = new NamespaceView(snapshot.Server, l => HostLinkHandler.IsOwned(l, ledger));
        foreach (var handler in KernelObjectHandlers.All) handler.Observe(server, scope, result);

        var devs = intent.Objects.OfType<GuestLinkState>().ToLookup(g => g.GuestNetns, g => g.Name, StringComparer.Ordinal);
        foreach (var guest in snapshot.Guests)
        {
            var names = devs[guest.Netns].ToHashSet(StringComparer.Ordinal);
            var view = new NamespaceView(guest, l => names.Contains(l.Name));
            foreach (var handler in KernelObjectHandlers.All) handler.Observe(view, scope, result);
        }
        return result;
    }
}
