using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Rendezvous.Api.Tests.Support;

internal static class ServiceStart
{
    /// <summary>
    /// Composes and starts the service with exactly these settings, the way Program.cs
    /// does, stops it again, and returns the configuration errors that stopped it (none
    /// when it started).
    /// </summary>
    public static async Task<IReadOnlyList<string>> TryStartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddRendezvous();
        await using var app = builder.Build();
        app.UseRendezvous();
        var failures = await RendezvousHost.TryStartAsync(app);
        if (failures.Count == 0)
        {
            await app.StopAsync();
        }

        return failures;
    }
}
