namespace Hostnet.Agent;

/// <summary>Names Hostnet's route protocol for <c>ip route</c> (<c>proto hostnet</c>) where iproute2 reads rt_protos.d.</summary>
internal static class RouteProtocolName
{
    private const string Folder = "/etc/iproute2/rt_protos.d";

    public static void EnsureNamed()
    {
        var file = Path.Combine(Folder, "hostnet.conf");
        try
        {
            if (!Directory.Exists(Folder) || File.Exists(file)) return;
            File.WriteAllText(file, $"# Routes made by Hostnet (VM networking)\n{(byte)Engine.Intent.HostnetMarks.RouteProtocol}\thostnet\n");
        }
        catch (IOException)
        {
            // Only a name for `ip route` to print: without it iproute2 shows the number.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
