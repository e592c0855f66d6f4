using System.Text;
using Hostnet.Agent.Contracts;
using Hostnet.Model;

namespace Hostnet.Agent.Tests;

/// <summary>Import and export through the application layer: the refusals carry a code and their arguments, no sentence.</summary>
public class StateFileServiceTests
{
    private static Func<Stream> Text(string json) => () => new MemoryStream(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void An_export_imports_back_into_an_equal_state()
    {
        using var a = new TempStateDir();
        using var b = new TempStateDir();
        var source = new HostAgent(a.Path, netns: null);
        source.Networks.Add("Routed", NetworkMode.HostRouted, "eth0", null, null);
        source.Networks.Add("Bridged", NetworkMode.Bridged, "eth0", "br1", null);
        source.Vms.Add("vm1", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", null);
        source.Vms.Add("vm2", null, "netns:hnag-never-made");
        source.Adapters.Add("vm1", "Routed", ["192.168.200.201"], null, "02:00:00:00:00:01");
        source.Adapters.Add("vm2", "Bridged", ["192.168.200.203/24"], "192.168.200.1", null);
        var exported = HostnetJson.Write(source.StateFile.Export(), HostnetJsonContext.Default.StateDocument);

        var target = new HostAgent(b.Path, netns: null);
        var result = target.StateFile.Import(Text(exported), "export");

        Assert.Equal(new ImportResult(2, 2), result);
        Assert.Equal(exported, HostnetJson.Write(target.StateFile.Export(), HostnetJsonContext.Default.StateDocument));
    }

    [Fact]
    public void IPv6_addresses_and_gateways_export_and_import_back_through_the_database()
    {
        using var a = new TempStateDir();
        using var b = new TempStateDir();
        var source = new HostAgent(a.Path, netns: null);
        source.Networks.Add("Routed", NetworkMode.HostRouted, "eth0", null, null);
        source.Networks.Add("Bridged", NetworkMode.Bridged, "eth0", "br1", null);
        source.Vms.Add("vm1", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", null);
        source.Adapters.Add("vm1", "Routed", ["192.168.200.201", "2001:db8:200::201"], null, "02:00:00:00:00:01");
        source.Adapters.Add("vm1", "Bridged", ["2001:db8:200::203/64"], "fe80::1", "02:00:00:00:00:03");
        var exported = HostnetJson.Write(source.StateFile.Export(), HostnetJsonContext.Default.StateDocument);
        Assert.Contains("\"2001:db8:200::201\"", exported, StringComparison.Ordinal);
        Assert.Contains("\"2001:db8:200::203/64\"", exported, StringComparison.Ordinal);
        Assert.Contains("\"fe80::1\"", exported, StringComparison.Ordinal);

        var target = new HostAgent(b.Path, netns: null);
        target.StateFile.Import(Text(exported), "export");

        Assert.Equal(exported, HostnetJson.Write(target.StateFile.Export(), HostnetJsonContext.Default.StateDocument));
        var adapters = target.Vms.Show("vm1").Vm.Adapters;
        Assert.Equal(["192.168.200.201/32", "2001:db8:200::201/128"], adapters[0].Addresses.Select(c => c.ToString()));
    }

    [Fact]
    public void The_export_document_has_the_contract_s_field_names_order_and_leaves_out_what_is_not_there()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        agent.Networks.Add("Routed", NetworkMode.HostRouted, "eth0", null, null);
        agent.Vms.Add("vm1", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", null);
        agent.Adapters.Add("vm1", "Routed", ["192.168.200.201"], null, "02:00:00:00:00:01");
        Assert.Equal("""
            {
              "networks": [
                {
                  "name": "Routed",
                  "mode": "host-routed",
                  "uplink": "eth0",
                  "gateway": "169.255.30.1"
                }
              ],
              "vms": [
                {
                  "name": "vm1",
                  "uuid": "7b9a73a1-5c2e-4d1a-9f3b-000000000001",
                  "guest": "tap",
                  "running": false,
                  "adapters": [
                    {
                      "index": 0,
                      "network": "Routed",
                      "ips": [
                        "192.168.200.201"
                      ],
                      "mac": "02:00:00:00:00:01"
                    }
                  ]
                }
              ]
            }
            """, HostnetJson.Write(agent.StateFile.Export(), HostnetJsonContext.Default.StateDocument).ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("[1]", ErrorCodes.ImportNotAState, "source=f")]
    [InlineData("{", ErrorCodes.ImportNotJson, "source=f")]
    [InlineData("""{"networks":[{"name":"X","mode":"weird","uplink":"eth0"}]}""", ErrorCodes.ImportUnknownMode, "where=networks[0] (X)", "mode=weird")]
    [InlineData("""{"networks":[{"name":"X"}]}""", ErrorCodes.ImportFieldMissing, "where=networks[0] (X)", "field=mode")]
    [InlineData("""{"networks":{}}""", ErrorCodes.ImportFieldNotList, "where=f", "field=networks")]
    [InlineData("""{"vms":[{"name":"v","running":3}]}""", ErrorCodes.ImportRunningNotBoolean, "where=vms[0] (v)")]
    [InlineData("""{"vms":[{"name":"v","adapters":[{"index":"x"}]}]}""", ErrorCodes.ImportIndexNotWholeNumber, "where=vms[0] (v) adapters[0]")]
    [InlineData("""{"vms":[{"name":1}]}""", ErrorCodes.ImportFieldNotString, "where=vms[0]", "field=name")]
    [InlineData("""{"vms":[7]}""", ErrorCodes.ImportNotAnObject, "where=vms[0]")]
    public void A_refused_import_says_what_by_code_and_arguments_and_writes_nothing(string json, string code, params string[] arguments)
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        var e = Assert.Throws<RequestRefusedException>(() => agent.StateFile.Import(Text(json), "f"));
        Assert.Equal(code, e.Code);
        foreach (var a in arguments)
        {
            var (name, value) = (a[..a.IndexOf('=', StringComparison.Ordinal)], a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            Assert.Equal(value, e[name]);
        }
        Assert.Empty(agent.StateFile.Export().Networks);
    }

    [Fact]
    public void An_entry_the_model_refuses_names_the_entry_and_keeps_the_model_s_refusal_inside()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        var e = Assert.Throws<RequestRefusedException>(() =>
            agent.StateFile.Import(Text("""{"vms":[{"name":"v","adapters":[{"network":"Nope"}]}]}"""), "f"));
        Assert.Equal(ErrorCodes.ImportEntryRefused, e.Code);
        Assert.Equal("vms[0] (v)", e["where"]);
        Assert.IsType<ValidationException>(e.InnerException);
    }

    [Fact]
    public void One_network_and_one_vm_import_as_export_wrote_them_and_a_running_vm_is_pending()
    {
        using var a = new TempStateDir();
        using var b = new TempStateDir();
        var source = new HostAgent(a.Path, netns: null);
        source.Networks.Add("Routed", NetworkMode.HostRouted, "eth0", null, null);
        source.Vms.Add("vm1", "7b9a73a1-5c2e-4d1a-9f3b-000000000001", null);
        source.Adapters.Add("vm1", "Routed", ["192.168.200.201"], null, "02:00:00:00:00:01");
        var exported = source.StateFile.Export();

        var target = new HostAgent(b.Path, netns: null);
        target.StateFile.ImportNetwork(exported.Networks[0]);
        var vm = target.StateFile.ImportVm(exported.Vms[0] with { Running = true });

        Assert.True(vm.Running);
        Assert.True(target.Vms.Show("vm1").PendingApply);
        Assert.Equal(HostnetJson.Write(exported with { Vms = [exported.Vms[0] with { Running = true }] }, HostnetJsonContext.Default.StateDocument),
            HostnetJson.Write(target.StateFile.Export(), HostnetJsonContext.Default.StateDocument));
    }

    [Fact]
    public void One_vm_whose_name_is_taken_is_the_model_s_own_refusal_and_changes_nothing()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        agent.Vms.Add("vm1", null, null);
        var before = HostnetJson.Write(agent.StateFile.Export(), HostnetJsonContext.Default.StateDocument);

        var e = Assert.Throws<ValidationException>(() =>
            agent.StateFile.ImportVm(new VmDocument("vm1", "7b9a73a1-5c2e-4d1a-9f3b-000000000009", "tap", false, null, [], null)));

        Assert.Equal("vm-exists", e.Code);
        Assert.Equal(before, HostnetJson.Write(agent.StateFile.Export(), HostnetJsonContext.Default.StateDocument));
    }

    [Fact]
    public void An_import_larger_than_the_limit_is_refused_before_it_is_read_whole()
    {
        using var dir = new TempStateDir();
        var agent = new HostAgent(dir.Path, netns: null);
        var endless = new EndlessStream();
        var e = Assert.Throws<RequestRefusedException>(() => agent.StateFile.Import(() => endless, "zero"));
        Assert.Equal(ErrorCodes.ImportTooLarge, e.Code);
        Assert.Equal("64", e["limitMiB"]);
        Assert.InRange(endless.BytesRead, StateFileService.MaxImportBytes + 1L, StateFileService.MaxImportBytes + 81920L);
    }

    /// <summary>/dev/zero, counted.</summary>
    private sealed class EndlessStream : Stream
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            BytesRead += count;
            return count;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
