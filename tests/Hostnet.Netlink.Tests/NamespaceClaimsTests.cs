using Hostnet.TestKit;

namespace Hostnet.Netlink.Tests;

/// <summary>What a killed test process left is removed by the next one; a live one's namespaces stay.</summary>
public class NamespaceClaimsTests
{
    [PrivilegedFact]
    public void The_namespaces_and_paths_of_a_gone_owner_are_swept_and_a_live_owners_stay()
    {
        var dead = "hnclaim-" + Guid.NewGuid().ToString("N")[..8];
        var live = TestNamespace.ClaimUniqueName("claim");
        var folder = Directory.CreateTempSubdirectory("hnclaim-").FullName;
        try
        {
            Sh.Ip("netns", "add", dead + "-srv");
            Sh.Ip("netns", "add", live);
            // A claim as a SIGKILLed test process leaves it: pid 1 never started at tick 0.
            File.WriteAllLines(Path.Combine(NamespaceClaims.Folder, dead), ["1 0", folder]);

            NamespaceClaims.SweepDeadOwners();

            Assert.DoesNotContain(dead + "-srv", Sh.Ip("netns", "list"));
            Assert.False(Directory.Exists(folder));
            Assert.False(File.Exists(Path.Combine(NamespaceClaims.Folder, dead)));
            Assert.Contains(live, Sh.Ip("netns", "list"));
        }
        finally
        {
            NamespaceClaims.Release(live);
            Sh.Run("ip", ["netns", "del", dead + "-srv"]);
            File.Delete(Path.Combine(NamespaceClaims.Folder, dead));
            if (Directory.Exists(folder)) Directory.Delete(folder);
        }
        Assert.DoesNotContain(live, Sh.Ip("netns", "list"));
    }
}
