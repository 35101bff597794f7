using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Rendezvous.Api.Database;
using Rendezvous.Api.Telemetry;

namespace Rendezvous.Testing;

/// <summary>Databases with every library's schema, migrated by the service's own migrator.</summary>
public static class MigratedDatabases
{
    private static readonly ServiceProvider Services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    /// <summary>A fresh database of its own, migrated to the current schemas; returns its connection string.</summary>
    public static async Task<string> CreateMigratedDatabaseAsync(this PostgresServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var connectionString = await server.CreateDatabaseAsync().ConfigureAwait(false);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var migrator = new SchemaMigrator(dataSource, new ApiMetrics(Services.GetRequiredService<IMeterFactory>()), NullLogger<SchemaMigrator>.Instance);
        await migrator.MigrateAsync(DatabaseStartup.Schemas, CancellationToken.None).ConfigureAwait(false);
        return connectionString;
    }
}
