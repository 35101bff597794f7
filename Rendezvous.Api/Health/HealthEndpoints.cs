using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
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

    public static IEndpointRouteBuilder MapRendezvousHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .WithTags("Health").WithName("Liveness").AllowAnonymous();
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .WithTags("Health").WithName("Readiness").AllowAnonymous();
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
