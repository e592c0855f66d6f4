using System.Buffers;
using System.Text;
using System.Text.Json;
using Hostnet.Model;

namespace Hostnet.Cli.Output;

/// <summary>
/// The JSON of <c>--json</c> and <c>export</c>, written by hand with <see cref="Utf8JsonWriter"/>: the CLI is
/// native (NativeAOT), and the field names are a contract that <c>import</c> reads back.
/// </summary>
internal static class Json
{
    /// <summary>
    /// Writes one JSON document to <paramref name="output"/>, with a final newline; <paramref name="readableText"/>
    /// leaves quotes, backticks and arrows in prose values as they are instead of escaping them.
    /// </summary>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body, bool readableText = false)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var options = new JsonWriterOptions { Indented = true };
        if (readableText) options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        using (var w = new Utf8JsonWriter(buffer, options))
        {
            body(w);
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>A network as export and import know it: name, mode, uplink, then bridge or gateway.</summary>
    public static void Network(Utf8JsonWriter w, Network n)
    {
        w.WriteStartObject();
        NetworkFields(w, n);
        w.WriteEndObject();
    }

    public static void NetworkFields(Utf8JsonWriter w, Network n)
    {
        w.WriteString("name", n.Name);
        w.WriteString("mode", Model.Network.ModeName(n.Mode));
        w.WriteString("uplink", n.Uplink);
        if (n.Bridge is not null) w.WriteString("bridge", n.Bridge);
        if (n.Gateway is { } gw) w.WriteString("gateway", gw.ToString());
    }

    /// <summary>
    /// A VM as export and import know it. <paramref name="details"/> adds what can be derived
    /// (interface names, QEMU arguments) for <c>vm show</c>.
    /// </summary>
    /// <summary>A VM as <c>vm list|show --json</c> and <c>export</c> print it.</summary>
    /// <param name="w">The writer.</param>
    /// <param name="vm">The VM.</param>
    /// <param name="state">The state it is in (its networks).</param>
    /// <param name="details">For <c>vm show</c>: adapter names and modes, QEMU's arguments.</param>
    /// <param name="pendingApply">For <c>vm list|show</c>: whether the kernel has not followed the VM's last change yet; null leaves the field out (export).</param>
    public static void Vm(Utf8JsonWriter w, Vm vm, DesiredState state, bool details, bool? pendingApply = null)
    {
        w.WriteStartObject();
        w.WriteString("name", vm.Name);
        w.WriteString("uuid", vm.Uuid.ToString("D"));
        w.WriteString("guest", vm.Guest.ToString());
        w.WriteBoolean("running", vm.Running);
        if (pendingApply is { } p) w.WriteBoolean("pendingApply", p);
        w.WriteStartArray("adapters");
        foreach (var a in vm.Adapters) Adapter(w, vm, a, state.FindNetwork(a.Network), details);
        w.WriteEndArray();
        if (details && vm.Guest.Kind == GuestKind.Tap)
        {
            w.WriteStartArray("qemuArgs");
            foreach (var arg in Qemu.NetdevArguments(vm)) w.WriteStringValue(arg);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    public static void Adapter(Utf8JsonWriter w, Vm vm, Adapter a, Network? network, bool details)
    {
        w.WriteStartObject();
        w.WriteNumber("index", a.Index);
        if (details) w.WriteString("name", a.Name);
        w.WriteString("network", a.Network);
        if (details && network is not null) w.WriteString("mode", Model.Network.ModeName(network.Mode));
        w.WriteStartArray("ips");
        foreach (var c in a.Addresses) w.WriteStringValue(AddressText(network, c));
        w.WriteEndArray();
        if (a.Gateway is { } gw) w.WriteString("gateway", gw.ToString());
        w.WriteString("mac", a.Mac.ToString());
        if (details)
        {
            w.WriteString("hostInterface", vm.HostInterface(a.Index));
            w.WriteString("hostMac", a.Mac.HostSide().ToString());
            w.WriteString("guestInterface", Naming.GuestInterface(a.Index));
        }
        w.WriteEndObject();
    }

    /// <summary>A routed address is printed bare (it is always /32); a bridged one with its prefix.</summary>
    public static string AddressText(Network? network, Ipv4Cidr c) =>
        network?.Mode == NetworkMode.HostRouted && c.PrefixLength == 32 ? c.Address.ToString() : c.ToString();
}
