using Hostnet.Engine.Apply;
using Hostnet.Engine.Observe;
using Hostnet.Engine.Planning;
using Hostnet.Model;
using Hostnet.Netlink;

namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>
/// Everything Hostnet knows of one kind of kernel object: how it is read out of a snapshot of
/// the kernel, made and removed, recorded in the ledger, and which interface it hangs off.
/// The engine's parts (observe, plan, apply) ask the handler of an object's kind
/// (<see cref="KernelObjectHandlers"/>) instead of switching on its type, so a new kind is its
/// record, its handler, and the intent that wants it.
/// </summary>
internal interface IKernelObjectHandler
{
    /// <summary>The record type of the kind.</summary>
    Type Kind { get; }

    /// <summary>Adds to <paramref name="into"/> the objects of this kind that one namespace's dumps show as Hostnet's.</summary>
    void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into);

    /// <summary>The ledger entry to record, durably, before the step makes its object; null when the kind is not recorded.</summary>
    LedgerEntry? Record(PlanStep step);

    /// <summary>The ledger entry to forget once the object is removed; null when the kind is not recorded.</summary>
    LedgerEntry? Forget(KernelObject o);

    /// <summary>
    /// Makes the objects of one rank that are made outside the netlink batch (namespaces, bridges,
    /// the uplink's move, sysctls, new links); called in rank order, before the batch. True when it
    /// made or changed links, so that the next look at the links dumps them again.
    /// </summary>
    bool MakeApart(IReadOnlyList<PlanStep> steps, ApplyContext context);

    /// <summary>Removes the objects that go outside the netlink batch, after it (bridges, the uplink's move back, namespaces).</summary>
    void RemoveApart(IReadOnlyList<KernelObject> objects, ApplyContext context);

    /// <summary>The request that makes or changes the object in the batch; null when it is made apart.</summary>
    RtnlRequest? Create(PlanStep step, IReadOnlyDictionary<string, Link> links);

    /// <summary>The request that removes the object in the batch; null when there is nothing to remove (its link is gone) or it is removed apart.</summary>
    RtnlRequest? Delete(KernelObject o, IReadOnlyDictionary<string, Link> links);

    /// <summary>The interface the object lives on, which takes it along when it goes; null when none does.</summary>
    string? DevOf(KernelObject o);

    /// <summary>Tells <paramref name="reach"/> what the object brings (a bridge) or holds back (a bridge whose uplink is missing), before any <see cref="Reachable"/>.</summary>
    void Contribute(KernelObject o, Reachability reach);

    /// <summary>
    /// The object as it can be made while some server interfaces it needs are missing: itself, a
    /// changed copy, or null when it must wait; a missing interface worth saying is told to <paramref name="reach"/>.
    /// </summary>
    KernelObject? Reachable(KernelObject o, Reachability reach);
}

/// <summary>The handler of one kind, typed; what a kind does not do is nothing here.</summary>
internal abstract class KernelObjectHandler<T> : IKernelObjectHandler where T : KernelObject
{
    public Type Kind => typeof(T);

    public virtual void Observe(NamespaceView view, ObserveScope scope, List<KernelObject> into)
    {
    }

    public LedgerEntry? Record(PlanStep step) => Record(step, (T)step.Object);

    protected virtual LedgerEntry? Record(PlanStep step, T o) => null;

    public LedgerEntry? Forget(KernelObject o) => Forget((T)o);

    protected virtual LedgerEntry? Forget(T o) => null;

    public virtual bool MakeApart(IReadOnlyList<PlanStep> steps, ApplyContext context) => false;

    public void RemoveApart(IReadOnlyList<KernelObject> objects, ApplyContext context)
    {
        if (objects.Count > 0) RemoveApart(objects.Cast<T>().ToList(), context);
    }

    protected virtual void RemoveApart(IReadOnlyList<T> objects, ApplyContext context)
    {
    }

    public RtnlRequest? Create(PlanStep step, IReadOnlyDictionary<string, Link> links) => Create(step, (T)step.Object, links);

    protected virtual RtnlRequest? Create(PlanStep step, T o, IReadOnlyDictionary<string, Link> links) => null;

    public RtnlRequest? Delete(KernelObject o, IReadOnlyDictionary<string, Link> links) => Delete((T)o, links);

    protected virtual RtnlRequest? Delete(T o, IReadOnlyDictionary<string, Link> links) => null;

    public string? DevOf(KernelObject o) => DevOf((T)o);

    protected virtual string? DevOf(T o) => null;

    public void Contribute(KernelObject o, Reachability reach) => Contribute((T)o, reach);

    protected virtual void Contribute(T o, Reachability reach)
    {
    }

    public KernelObject? Reachable(KernelObject o, Reachability reach) => Reachable((T)o, reach);

    protected virtual KernelObject? Reachable(T o, Reachability reach) => o;

    /// <summary>The index of a link the batch needs; a missing one stops the apply (the next apply makes it).</summary>
    protected static int Index(IReadOnlyDictionary<string, Link> links, string dev) => links.TryGetValue(dev, out var l)
        ? l.Index
        : throw new EngineException(new Problem("interface-gone", $"interface {dev} is missing", new Remedy.ApplyAgain()));
}
