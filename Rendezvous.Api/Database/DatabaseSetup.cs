using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Api.Configuration;

namespace Rendezvous.Api.Database;

internal static class DatabaseSetup
{
    public static IServiceCollection AddRendezvousDatabase(this IServiceCollection services)
    {
        services.AddSingleton(sp => Build(sp, applicationName: "rendezvous"));
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<DatabaseState>();
        services.AddHostedService<DatabaseStartup>();
        return services;
    }

    /// <summary>
    /// A data source on the configured database: auto-prepared statements, the password file
    /// read on every new physical connection. <paramref name="configure"/> may adjust the
    /// connection string for a particular use.
    /// </summary>
    public static NpgsqlDataSource Build(IServiceProvider sp, string applicationName, Action<NpgsqlConnectionStringBuilder>? configure = null)
    {
        var options = sp.GetRequiredService<IOptions<PostgreSqlOptions>>().Value;
        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= applicationName;
        // The frequent queries ("upcoming" above all) are prepared once per connection
        // instead of planned on every call, unless the connection string says otherwise.
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }

        configure?.Invoke(builder.ConnectionStringBuilder);
        builder.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
        if (options.PasswordFile is { } file)
        {
            // Read on every new physical connection, so a rotated secret is picked up.
            builder.UsePasswordProvider(
                _ => File.ReadAllText(file).TrimEnd('\r', '\n'),
                async (_, token) => (await File.ReadAllTextAsync(file, token).ConfigureAwait(false)).TrimEnd('\r', '\n'));
        }

        return builder.Build();
    }
}
