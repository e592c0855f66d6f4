namespace Hostnet.Model;

/// <summary>One adapter of one VM, as <c>vm1 net0</c>: who holds an address or a MAC.</summary>
public readonly record struct AdapterId(string Vm, int Index)
{
    public override string ToString() => $"{Vm} net{Index}";
}
