using System.Globalization;
using System.Text;

namespace Hostnet.Model;

/// <summary>What QEMU needs to open a tap guest's adapters.</summary>
public static class Qemu
{
    /// <summary>
    /// <c>-netdev tap,id=net0,ifname=vme7b9a73a1.0,script=no,downscript=no -device virtio-net-pci,netdev=net0,mac=…</c>
    /// for each adapter: QEMU opens the persistent tap Hostnet made and runs no scripts of its own.
    /// </summary>
    public static IReadOnlyList<string> NetdevArguments(Vm vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var args = new List<string>();
        foreach (var a in vm.Adapters)
        {
            args.Add("-netdev");
            args.Add(string.Create(CultureInfo.InvariantCulture,
                $"tap,id={a.Name},ifname={vm.HostInterface(a.Index)},script=no,downscript=no"));
            args.Add("-device");
            args.Add(string.Create(CultureInfo.InvariantCulture, $"virtio-net-pci,netdev={a.Name},mac={a.Mac}"));
        }
        return args;
    }

    /// <summary>The arguments as one shell-ready line.</summary>
    public static string CommandLine(Vm vm)
    {
        var sb = new StringBuilder();
        foreach (var arg in NetdevArguments(vm))
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(arg);
        }
        return sb.ToString();
    }
}
