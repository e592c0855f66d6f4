using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Hostnet.Daemon.Console;

/// <summary>
/// How a browser signs in to the console on TCP. A browser cannot send <c>Authorization: Bearer</c> with a page
/// load or an event stream, so <c>/login</c> takes the token once in a form and answers a session cookie:
/// <c>HttpOnly</c>, <c>Secure</c>, <c>SameSite=Strict</c>, holding not the token but an HMAC of a fixed label
/// under it (the token never sits in the browser; replacing the token ends every session). A write carried by
/// the cookie must come from the console's own origin. On the unix socket nothing of this is needed.
/// </summary>
internal sealed class ConsoleLogin
{
    public const string CookieName = "hostnet-console";
    public const string LoginPath = "/login";

    private static readonly byte[] Label = "hostnet console session v1"u8.ToArray();
    private readonly byte[] _session;

    /// <param name="tokenHash">The SHA-256 of the daemon's token.</param>
    public ConsoleLogin(byte[] tokenHash)
    {
        _session = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(HMACSHA256.HashData(tokenHash, Label)));
    }

    /// <summary>Whether the request carries this daemon's session cookie.</summary>
    public bool HasSession(HttpRequest request)
    {
        var cookie = request.Cookies[CookieName];
        return cookie is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), _session);
    }

    /// <summary>
    /// Whether a request the cookie admits may run: reads always; a write only from the console's own origin
    /// (its <c>Origin</c> is this host), so that another site cannot make a signed-in browser act.
    /// </summary>
    public static bool SameOrigin(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) return true;
        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0 && string.Equals(origin, "https://" + request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether an unauthenticated request is a browser opening a page, to be sent to the login form.</summary>
    public static bool IsPageLoad(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>GET /login</c> draws the form; <c>POST /login</c> checks the token (<paramref name="isToken"/>, in
    /// constant time) and answers the cookie and a redirect to the console, or the form again with a 401.
    /// </summary>
    public async Task Handle(HttpContext context, Func<string, bool> isToken)
    {
        if (HttpMethods.IsPost(context.Request.Method))
        {
            string? token = null;
            if (context.Request.HasFormContentType)
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
                token = form["token"].ToString().Trim();
            }
            if (!string.IsNullOrEmpty(token) && isToken(token))
            {
                context.Response.Cookies.Append(CookieName, Encoding.ASCII.GetString(_session), new CookieOptions
                {
                    HttpOnly = true,
                    Secure = true,
                    SameSite = SameSiteMode.Strict,
                    Path = "/",
                });
                context.Response.StatusCode = StatusCodes.Status303SeeOther;
                context.Response.Headers.Location = "/";
                return;
            }
            await Page(context, StatusCodes.Status401Unauthorized, "That is not this daemon's token.").ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        await Page(context, StatusCodes.Status200OK, null).ConfigureAwait(false);
    }

    /// <summary>A browser opening a page without a session is sent to the form.</summary>
    public static Task RedirectToLogin(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = LoginPath;
        return Task.CompletedTask;
    }

    private static Task Page(HttpContext context, int status, string? failure)
    {
        var alert = failure is null ? "" : $"<p role=\"alert\" class=\"refusal\">{WebUtility.HtmlEncode(failure)}</p>";
        var html = $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Hostnet: sign in</title>
            <link rel="stylesheet" href="/console/console.css">
            </head>
            <body>
            <main class="login">
            <h1>Hostnet</h1>
            <form method="post" action="{LoginPath}">
            <label for="token">The daemon's token (the line in its <code>--token-file</code>)</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
            <button type="submit">Sign in</button>
            </form>
            {alert}
            </main>
            </body>
            </html>
            """;
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(html, context.RequestAborted);
    }
}
