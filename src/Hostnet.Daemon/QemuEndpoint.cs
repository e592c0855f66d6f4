using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Hostnet.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hostnet.Daemon;

/// <summary>
/// <c>GET /v1/vms/{name}/qemu</c>: what <c>hostnet --json vm qemu-args VM</c> prints; <c>GET /v1/vms/{name}/libvirt</c>:
/// what <c>hostnet vm qemu-args VM --libvirt</c> prints (the domain's <c>&lt;interface&gt;</c> elements, as XML).
/// A netns guest or a VM without adapters is refused with the CLI's line.
/// </summary>
internal static class QemuEndpoint
{
    public static void Map(IEndpointRouteBuilder app, HostAgent agent)
    {
        app.MapGet("/v1/vms/{name}/qemu", (string name) =>
        {
            var (vm, _, guest) = agent.Vms.Qemu(name);
            return new ContractJson<QemuDocument>(ToDocument.Qemu(vm, guest), HostnetJsonContext.Default.QemuDocument);
        });
        app.MapGet("/v1/vms/{name}/libvirt", (string name) =>
            Results.Text(Qemu.LibvirtInterfaces(agent.Vms.Qemu(name).Vm), "application/xml; charset=utf-8"));
        // What `hostnet vm cloud-init VM` prints: a NoCloud data source's network-config.
        app.MapGet("/v1/vms/{name}/cloud-init", (string name) =>
            Results.Text(agent.Vms.CloudInit(name), "application/yaml; charset=utf-8"));
    }
}
