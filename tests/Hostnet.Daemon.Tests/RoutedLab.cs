using Hostnet.TestKit;

namespace Hostnet.Daemon.Tests;

/// <summary>The state most daemon tests start from on a lab server: one host-routed network, VM vm1 running as a netns guest.</summary>
internal static class RoutedLab
{
    public const string Vm1Ip = "192.168.200.201";

    /// <summary>Imports that state for <paramref name="lab"/>'s server with the CLI (state only: the kernel is untouched).</summary>
    public static void ImportRunningVm1(Lab lab)
    {
        var state = $$"""
            {"networks":[{"name":"Routed","mode":"host-routed","uplink":"eth0","gateway":"169.255.30.1"}],
             "vms":[{"name":"vm1","uuid":"7b9a73a1-5c2e-4d1a-9f3b-000000000001","guest":"netns:{{lab.Guest("vm1")}}","running":true,
                     "adapters":[{"network":"Routed","ips":["{{Vm1Ip}}"]}]}]}
            """;
        HostnetCli.Run(["--netns", lab.ServerNs, "--state-dir", lab.StateDir, "import", "-"], stdin: state).EnsureSuccess("import");
    }
}
