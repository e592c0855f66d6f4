using Xunit;

namespace Hostnet.TestKit;

/// <summary>A fact that needs root and libvirt's daemon and virsh: skipped with a reason where they are missing, never under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LibvirtFactAttribute : FactAttribute
{
    public LibvirtFactAttribute()
    {
        if (Privilege.SkipReason is { } reason) Skip = reason;
        else if (!Privilege.IsCi && !(File.Exists("/usr/sbin/libvirtd") && File.Exists("/usr/bin/virsh")))
            Skip = "needs libvirtd and virsh (libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients); runs under CI=true";
    }
}
