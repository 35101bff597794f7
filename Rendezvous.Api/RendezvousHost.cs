using Rendezvous.Api.Calls;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Rendezvous.Api.Conferences;
using Rendezvous.Api.Directories;
using Rendezvous.Api.Madcap;
using Rendezvous.Api.Sap;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Auth;
using Rendezvous.Api.Configuration;
using Rendezvous.Api.Database;
using Rendezvous.Api.Health;
using Rendezvous.Api.OpenApi;
using Rendezvous.Api.Telemetry;
using Rendezvous.Directory;

namespace Rendezvous.Api;

/// <summary>Composition of the service: what Program.cs calls.</summary>
internal static class RendezvousHost
{
    /// <summary>Exit code for a configuration error (EX_CONFIG from sysexits.h).</summary>
    public const int ConfigurationErrorExitCode = 78;

    public static WebApplicationBuilder AddRendezvous(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddRendezvousOptions();
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<ApiMetrics>();
        services.AddSingleton<DirectoryMetrics>();
        services.AddHostedService<TelemetryExport>();
        services.AddRendezvousAuth();
        services.AddRendezvousDatabase();
        services.AddRendezvousHealth();
        services.AddConferences();
        services.AddDirectories();
        services.AddMadcap();
        services.AddSap();
        services.AddCalls();
        services.AddRendezvousOpenApi();
        return builder;
    }

    public static WebApplication UseRendezvous(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapRendezvousHealth();
        app.MapAuthApi();
        app.MapConferencesApi();
        app.MapDirectoriesApi();
        app.MapMadcapApi();
        app.MapSapApi();
        app.MapCallsApi();
        app.MapEventsApi();
        app.MapRendezvousOpenApi();
        return app;
    }

    /// <summary>
    /// Runs the service. A configuration error stops it with a message naming every bad
    /// setting and exit code <see cref="ConfigurationErrorExitCode"/>, not a stack trace.
    /// </summary>
    public static async Task<int> RunAsync(WebApplication app)
    {
        var failures = await TryStartAsync(app).ConfigureAwait(false);
        if (failures.Count > 0)
        {
            return ReportConfigurationError(app, failures);
        }

        if (app.Services.GetRequiredService<BootstrapAdminTokenValidator>() is { IsConfigured: false })
        {
            Log.NoBootstrapToken(app.Logger);
        }

        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Starts the host; returns the configuration errors that stopped it, or nothing when it started.</summary>
    internal static async Task<IReadOnlyList<string>> TryStartAsync(WebApplication app)
    {
        try
        {
            await app.StartAsync().ConfigureAwait(false);
            return [];
        }
        catch (Exception e) when (ConfigurationFailures(e) is { Count: > 0 } failures)
        {
            return failures;
        }
    }

    /// <summary>
    /// The configuration errors inside a start-up exception: option validation failures,
    /// and the configuration binder's own errors, such as "Failed to convert configuration
    /// value at 'Rendezvous:Madcap:Port' to type 'System.Int32'".
    /// </summary>
    private static List<string> ConfigurationFailures(Exception exception) => exception switch
    {
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate => [.. aggregate.InnerExceptions.SelectMany(ConfigurationFailures)],
        InvalidOperationException { Source: "Microsoft.Extensions.Configuration.Binder" } binder =>
            [binder.InnerException is null ? binder.Message : $"{binder.Message} {binder.InnerException.Message}"],
        _ => [],
    };

    private static int ReportConfigurationError(WebApplication app, IEnumerable<string> failures)
    {
        var list = failures.Distinct().ToList();
        Log.InvalidConfiguration(app.Logger, string.Join("; ", list));
        // Also straight to stderr: the console logger writes from a background queue
        // that may not drain before the process exits.
        Console.Error.WriteLine("Rendezvous cannot start: the configuration is not valid.");
        foreach (var failure in list)
        {
            Console.Error.WriteLine($"  - {failure}");
        }

        Console.Error.WriteLine("Settings come from appsettings.json and from environment variables such as Rendezvous__PostgreSql__ConnectionString.");
        return ConfigurationErrorExitCode;
    }
}
