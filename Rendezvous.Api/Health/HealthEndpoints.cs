using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Rendezvous.Api.Health;

/// <summary>
/// <c>/healthz</c>: the process is up. <c>/readyz</c>: PostgreSQL and every configured
/// directory answer; the JSON body names each dependency and says what is failing.
/// </summary>
internal static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddRendezvousHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<PostgreSqlHealthCheck>(PostgreSqlHealthCheck.Name, HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(5));
        services.AddSingleton<IConfigureOptions<HealthCheckServiceOptions>, DirectoryHealthChecks>();
        services.AddSingleton<DirectoryProbes>();
        return services;
    }

    // Plain endpoints rather than MapHealthChecks, so that the OpenAPI document lists them.
    public static IEndpointRouteBuilder MapRendezvousHealth(this IEndpointRouteBuilder endpoints)
    {
        // Two parameters select the route-handler overload, which OpenAPI describes.
        endpoints.MapGet("/healthz", (HttpContext context, CancellationToken _) => WriteAsync(context, new HealthReport(new Dictionary<string, HealthReportEntry>(), TimeSpan.Zero)))
            .WithTags("Health").WithName("Liveness").WithSummary("The process is up.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json").AllowAnonymous();
        endpoints.MapGet("/readyz", async (HttpContext context, HealthCheckService health) =>
            {
                var report = await health.CheckHealthAsync(r => r.Tags.Contains(ReadyTag), context.RequestAborted).ConfigureAwait(false);
                context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
                await WriteAsync(context, report).ConfigureAwait(false);
            })
            .WithTags("Health").WithName("Readiness").WithSummary("PostgreSQL and every configured directory answer; the body names each and says what fails.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces(StatusCodes.Status503ServiceUnavailable, contentType: "application/json").AllowAnonymous();
        return endpoints;
    }

    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HealthEndpoints));
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", Word(report.Status));
        json.WriteStartArray("checks");
        foreach (var (key, entry) in report.Entries)
        {
            var (kind, name) = key.StartsWith(DirectoryHealthChecks.Prefix, StringComparison.Ordinal)
                ? ("ldap", key[DirectoryHealthChecks.Prefix.Length..])
                : (key, key);
            var detail = entry.Status == HealthStatus.Healthy ? null : entry.Description ?? entry.Exception?.Message ?? "failed";
            if (detail is not null)
            {
                Log.DependencyNotReady(logger, key, detail);
            }

            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("kind", kind);
            json.WriteString("status", Word(entry.Status));
            json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
            if (detail is not null)
            {
                json.WriteString("error", detail);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Word(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
