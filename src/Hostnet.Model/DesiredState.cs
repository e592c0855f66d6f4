namespace Hostnet.Model;

public sealed record DesiredState(IReadOnlyList<Network> Networks, IReadOnlyList<Vm> Vms);
