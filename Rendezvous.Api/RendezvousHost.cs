using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Auth;
using Rendezvous.Api.Configuration;
using Rendezvous.Api.Database;
using Rendezvous.Api.Health;
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
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddMetrics();
        services.AddSingleton<ApiMetrics>();
        services.AddSingleton<DirectoryMetrics>();
        services.AddHostedService<TelemetryExport>();
        services.AddRendezvousAuth();
        services.AddRendezvousDatabase();
        services.AddRendezvousHealth();
        return builder;
    }

    public static WebApplication UseRendezvous(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapRendezvousHealth();
        app.MapAuthApi();
        return app;
    }

    /// <summary>
    /// Runs the service. A configuration error stops it with a message naming every bad
    /// setting and exit code <see cref="ConfigurationErrorExitCode"/>, not a stack trace.
    /// </summary>
    public static async Task<int> RunAsync(WebApplication app)
    {
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            return ReportConfigurationError(app, e.Failures);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OptionsValidationException))
        {
            return ReportConfigurationError(app, e.InnerExceptions.Cast<OptionsValidationException>().SelectMany(i => i.Failures));
        }
        catch (InvalidOperationException e) when (e.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            // The configuration binder's own errors, e.g. "'Prot' was not found on type ..."
            // or "Failed to convert configuration value at 'Rendezvous:Madcap:Port' ...".
            return ReportConfigurationError(app, [e.Message]);
        }

        if (app.Services.GetRequiredService<BootstrapAdminTokenValidator>() is { IsConfigured: false })
        {
            Log.NoBootstrapToken(app.Logger);
        }

        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

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
