using System.Text.Json.Serialization.Metadata;
using Hostnet.Agent.Contracts;

namespace Hostnet.Cli.Output;

/// <summary>
/// The JSON of <c>--json</c> and <c>export</c>: the application layer's contract documents, serialized by
/// source generation (the CLI is native, NativeAOT), one document with a final newline.
/// </summary>
internal static class Json
{
    public static void Write<T>(TextWriter output, T document, JsonTypeInfo<T> type) => output.WriteLine(HostnetJson.Write(document, type));

    /// <summary>The contract's type information.</summary>
    public static HostnetJsonContext Types => HostnetJsonContext.Default;
}
