using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Hostnet.Cli;

namespace Hostnet.Agent.Tests.Architecture;

/// <summary>
/// The words a person reads are the front end's: the core carries codes, arguments and remedies, never
/// a CLI command (<c>hostnet apply</c>) or option (<c>--mac</c>). Read from the string literals compiled
/// into the core's assemblies (their user strings), so that a sentence built in pieces is seen too.
/// </summary>
public partial class CoreWordsTests
{
    public static TheoryData<string> CoreAssemblies() => new() { "Hostnet.Model", "Hostnet.Engine" };

    [Theory]
    [MemberData(nameof(CoreAssemblies))]
    public void No_string_of_the_core_names_a_CLI_command(string assembly)
    {
        var commands = HostnetCli.BuildRoot(TextWriter.Null).Subcommands.Select(c => Regex.Escape(c.Name)).ToList();
        Assert.Contains("apply", commands);
        var command = new Regex($@"\bhostnet ({string.Join('|', commands)})\b", RegexOptions.CultureInvariant);
        Assert.Matches(command, "see 'hostnet network list'");
        Assert.DoesNotMatch(command, "10.0.0.1 dev vme1 proto hostnet scope link");
        Assert.DoesNotContain(UserStrings(assembly), command.IsMatch);
    }

    [Theory]
    [MemberData(nameof(CoreAssemblies))]
    public void No_string_of_the_core_names_a_CLI_option(string assembly) =>
        Assert.DoesNotContain(UserStrings(assembly), Option().IsMatch);

    [Fact]
    public void The_scan_sees_the_strings_it_is_meant_to()
    {
        // A sentence the model says itself, split where the interpolation holes are.
        Assert.Contains(UserStrings("Hostnet.Model"), s => s.Contains("there is no network named", StringComparison.Ordinal));
        Assert.Matches(Option(), "leave --mac out");
        Assert.DoesNotMatch(Option(), "net.ipv4.conf.all.forwarding --- x");
    }

    [GeneratedRegex(@"(?<![-\w])--[a-z]", RegexOptions.CultureInvariant)]
    private static partial Regex Option();

    /// <summary>Every string literal compiled into <paramref name="assembly"/>.</summary>
    private static List<string> UserStrings(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(Assembly.Load(new AssemblyName(assembly)).Location));
        var reader = pe.GetMetadataReader();
        var strings = new List<string>();
        for (var handle = reader.GetNextHandle(MetadataTokens.UserStringHandle(0)); !handle.IsNil; handle = reader.GetNextHandle(handle))
            strings.Add(reader.GetUserString(handle));
        return strings;
    }
}
