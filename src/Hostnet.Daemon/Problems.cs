using System.Text.Json;
using System.Text.Json.Serialization;
using Hostnet.Agent;
using Hostnet.Agent.Contracts;
using Hostnet.Frontend;
using Hostnet.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hostnet.Daemon;

/// <summary>
/// An error as RFC 9457 problem details: <paramref name="Detail"/> is the one line the CLI prints after
/// <c>hostnet: error: </c>, <paramref name="Code"/> the error's stable machine word (an extension member).
/// </summary>
public sealed record ProblemDocument(string Type, string Title, int Status, string Detail, string? Code);

/// <summary>The daemon's own documents, serialized by source generation as the contract's are.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProblemDocument))]
[JsonSerializable(typeof(RepairedDocument))]
[JsonSerializable(typeof(ChangedDocument))]
public sealed partial class DaemonJsonContext : JsonSerializerContext
{
    /// <summary>Prose left readable: a detail holds commands in quotes and backticks, as the CLI prints them.</summary>
    public static DaemonJsonContext Readable { get; } = new(HostnetJson.ReadableOptions());
}

/// <summary>Turns what a request threw into a problem: the status says whose the fault is, the detail what to do.</summary>
internal static partial class Problems
{
    /// <summary>The code of a probe's refusal: an address answers on the LAN.</summary>
    public const string AddressAnswers = "address-answers";

    /// <summary>Codes that name something the request asked for and the state does not hold.</summary>
    private static readonly HashSet<string> NotFound = new(StringComparer.Ordinal) { "network-not-found", "vm-not-found", "adapter-not-found" };

    /// <summary>Endings of the codes whose request clashes with what is there (a name, an address, a MAC another holds).</summary>
    private static readonly string[] ConflictEndings = ["-exists", "-in-use", "-held", "-taken", "-clash"];

    /// <summary>
    /// The middleware: a request that throws is answered with its problem; so is one that routing or binding
    /// refused without a body (no such route, a method the route does not take, a malformed query).
    /// </summary>
    public static async Task Catch(HttpContext context, RequestDelegate next)
    {
        ProblemDocument? problem = null;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            problem = Of(e);
            if (problem.Status >= StatusCodes.Status500InternalServerError)
                Failed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Hostnet.Daemon"), context.Request.Method, context.Request.Path, e);
        }
        if (problem is null && context.Response.StatusCode >= StatusCodes.Status400BadRequest && !context.Response.HasStarted
            && context.Response.ContentLength is null && context.Response.ContentType is null)
            problem = Unanswered(context.Response.StatusCode, context.Request.Method, context.Request.Path);
        if (problem is null) return;
        // A write that failed, or that the probe refused, is told; a request read wrongly changed nothing and is not.
        if (!HttpMethods.IsGet(context.Request.Method) && (problem.Status >= StatusCodes.Status500InternalServerError || problem.Code == AddressAnswers))
        {
            if (problem.Code == AddressAnswers) Metrics.Refused();
            Events.Failed(problem);
        }
        context.Response.Clear();
        await Write(context, problem).ConfigureAwait(false);
    }

    /// <summary>Answers <paramref name="problem"/> as <c>application/problem+json</c>, with its status.</summary>
    public static Task Write(HttpContext context, ProblemDocument problem)
    {
        context.Response.StatusCode = problem.Status;
        context.Response.ContentType = "application/problem+json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(problem, DaemonJsonContext.Readable.ProblemDocument) + "\n", context.RequestAborted);
    }

    /// <summary>A request the API itself refused before any handler ran: the daemon's own words.</summary>
    private static ProblemDocument Unanswered(int status, string method, string path)
    {
        var (code, detail) = status switch
        {
            StatusCodes.Status404NotFound => ("no-such-route", $"there is no {path} in this API"),
            StatusCodes.Status405MethodNotAllowed => ("method-not-allowed", $"{path} does not take {method}"),
            _ => ("bad-request", $"{method} {path}: the request is malformed"),
        };
        return new ProblemDocument("about:blank", ReasonPhrases.GetReasonPhrase(status), status, detail, code);
    }

    /// <summary>The problem of an error: the CLI's line, the error's code, and the status of whose fault it is.</summary>
    public static ProblemDocument Of(Exception e)
    {
        var code = ErrorText.Code(e);
        var status = Status(e, code);
        return new ProblemDocument("about:blank", ReasonPhrases.GetReasonPhrase(status), status, ErrorText.Line(e), code);
    }

    private static int Status(Exception e, string? code) => e switch
    {
        // The server this daemon serves is not there (a lab namespace deleted): not the request's fault.
        _ when code == ErrorCodes.NetnsNotFound => StatusCodes.Status500InternalServerError,
        _ when code is not null && NotFound.Contains(code) => StatusCodes.Status404NotFound,
        _ when code is not null && (code == AddressAnswers || ConflictEndings.Any(c => code.EndsWith(c, StringComparison.Ordinal))) =>
            StatusCodes.Status409Conflict,
        // Another writer kept the state database locked past the wait: the same request may succeed later.
        _ when Failures.MayRetry(e) => StatusCodes.Status409Conflict,
        ValidationException or RequestRefusedException => StatusCodes.Status400BadRequest,
        // A kernel refusal or failure, a change saved that the kernel did not follow, anything unforeseen.
        _ => StatusCodes.Status500InternalServerError,
    };

    [LoggerMessage(EventId = 1, EventName = "request-failed", Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void Failed(ILogger logger, string method, string path, Exception e);
}
