using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Hostnet.Agent.Contracts;

/// <summary>
/// The contract types, serialized by source generation (no reflection: the CLI is NativeAOT). Indented,
/// camelCase, null fields left out unless a field says otherwise.
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StateDocument))]
[JsonSerializable(typeof(IReadOnlyList<NetworkDocument>))]
[JsonSerializable(typeof(NetworkDetailsDocument))]
[JsonSerializable(typeof(IReadOnlyList<VmDocument>))]
[JsonSerializable(typeof(VmDocument))]
[JsonSerializable(typeof(PlanDocument))]
[JsonSerializable(typeof(IReadOnlyList<ArpRowDocument>))]
[JsonSerializable(typeof(IReadOnlyList<RouteDocument>))]
[JsonSerializable(typeof(IReadOnlyList<TraceStepDocument>))]
[JsonSerializable(typeof(QemuDocument))]
public sealed partial class HostnetJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The same contract with prose values left readable: quotes, backticks and arrows as they are instead
    /// of escaped (a trace's details and fixes are sentences with commands in them).
    /// </summary>
    public static HostnetJsonContext Readable { get; } = new(HostnetJson.ReadableOptions());
}

/// <summary>One JSON document as text, without a final newline.</summary>
public static class HostnetJson
{
    /// <summary>
    /// The contract's options with prose left readable (quotes, backticks and arrows as they are), for a
    /// front end's own documents to be written as the contract's are.
    /// </summary>
    public static JsonSerializerOptions ReadableOptions() => new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write<T>(T document, JsonTypeInfo<T> type) => JsonSerializer.Serialize(document, type);
}
