namespace Hostnet.Engine.Kernel.Handlers;

/// <summary>The handler of each kind of kernel object, one place to add a kind.</summary>
internal static class KernelObjectHandlers
{
    /// <summary>Every handler, in creation order of its kind.</summary>
    public static IReadOnlyList<IKernelObjectHandler> All { get; } =
    [
        new NamespaceHandler(),
        new BridgeHandler(),
        new UplinkPortHandler(),
        new InterruptedMoveHandler(),
        new SysctlHandler(),
        new FilterTableHandler(),
        new FilterElementHandler(),
        new HostLinkHandler(),
        new GuestLinkStateHandler(),
        new AddressHandler(),
        new RouteHandler(),
        new RuleHandler(),
        new NeighborHandler(),
        new ProxyNeighborHandler(),
    ];

    private static readonly Dictionary<Type, IKernelObjectHandler> ByKind = All.ToDictionary(h => h.Kind);

    /// <summary>The handler of <paramref name="o"/>'s kind.</summary>
    public static IKernelObjectHandler For(KernelObject o) =>
        ByKind.TryGetValue(o.GetType(), out var h) ? h : throw new InvalidOperationException($"no handler for {o.GetType().Name}");
}
