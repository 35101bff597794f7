using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Rendezvous.Api.Database;
using Rendezvous.Api.Telemetry;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>The migrator against a real PostgreSQL; every test has a database of its own.</summary>
public sealed class SchemaMigratorTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly ApiMetrics Metrics = new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

    private static SchemaMigrator Migrator(NpgsqlDataSource dataSource) => new(dataSource, Metrics, NullLogger<SchemaMigrator>.Instance);

    private static MigrationSet Widgets(params SqlMigration[] migrations) => new("widgets", migrations);

    private static readonly SqlMigration CreateWidget = new(1, "create_widget", "CREATE TABLE widgets.widget (id integer PRIMARY KEY, name text NOT NULL);");

    private static async Task<List<(int Version, string Name)>> HistoryAsync(NpgsqlDataSource dataSource, string schema)
    {
        var rows = new List<(int, string)>();
        await using var command = dataSource.CreateCommand($"SELECT version, name FROM {schema}.schema_migrations ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetString(1)));
        }

        return rows;
    }

    private static async Task<bool> TableExistsAsync(NpgsqlDataSource dataSource, string qualifiedName)
    {
        await using var command = dataSource.CreateCommand("SELECT to_regclass($1) IS NOT NULL");
        command.Parameters.AddWithValue(qualifiedName);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Migrations_from_embedded_resources_apply_in_order_once()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var set = MigrationSet.FromEmbeddedResources("widgets", typeof(SchemaMigratorTests).Assembly);
        Assert.Equal([1, 2], set.Migrations.Select(m => m.Version));

        var first = await Migrator(dataSource).MigrateAsync([set], CancellationToken.None);
        Assert.Equal(["create_widgets", "add_colour"], first.Select(a => a.Migration.Name));
        Assert.Equal([(1, "create_widgets"), (2, "add_colour")], await HistoryAsync(dataSource, "widgets"));

        // A second start finds nothing to do (0001 is not idempotent: it would fail).
        Assert.Empty(await Migrator(dataSource).MigrateAsync([set], CancellationToken.None));
    }

    [Fact]
    public async Task Two_instances_starting_together_apply_each_migration_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var a = NpgsqlDataSource.Create(connectionString);
        await using var b = NpgsqlDataSource.Create(connectionString);
        // Slow enough that without the lock both would run it and one would fail.
        var set = Widgets(CreateWidget, new SqlMigration(2, "slow", "SELECT pg_sleep(0.5); CREATE INDEX widget_name ON widgets.widget (name);"));

        var results = await Task.WhenAll(
            Migrator(a).MigrateAsync([set], CancellationToken.None),
            Migrator(b).MigrateAsync([set], CancellationToken.None));

        Assert.Equal(2, results.Sum(r => r.Count));
        Assert.Contains(results, r => r.Count == 0);
        Assert.Equal([(1, "create_widget"), (2, "slow")], await HistoryAsync(a, "widgets"));
    }

    [Fact]
    public async Task A_failing_migration_leaves_no_trace_and_stops_the_run()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var broken = new SqlMigration(2, "broken", "CREATE TABLE widgets.half_done (id int); SELECT no_such_function();");
        var never = new SqlMigration(3, "never", "CREATE TABLE widgets.never (id int);");

        var error = await Assert.ThrowsAsync<PostgresException>(() => Migrator(dataSource).MigrateAsync([Widgets(CreateWidget, broken, never)], CancellationToken.None));
        Assert.Equal("42883", error.SqlState); // undefined_function

        Assert.Equal([(1, "create_widget")], await HistoryAsync(dataSource, "widgets"));
        Assert.False(await TableExistsAsync(dataSource, "widgets.half_done"), "the failed script's first statement was rolled back");
        Assert.False(await TableExistsAsync(dataSource, "widgets.never"));

        // Fixed, it applies on the next start.
        var fixedScript = broken with { Sql = "CREATE TABLE widgets.half_done (id int);" };
        var applied = await Migrator(dataSource).MigrateAsync([Widgets(CreateWidget, fixedScript, never)], CancellationToken.None);
        Assert.Equal([2, 3], applied.Select(a => a.Migration.Version));
    }

    [Fact]
    public async Task An_edited_migration_is_refused()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await Migrator(dataSource).MigrateAsync([Widgets(CreateWidget)], CancellationToken.None);

        var edited = CreateWidget with { Sql = CreateWidget.Sql + " -- edited" };
        var error = await Assert.ThrowsAsync<MigrationException>(() => Migrator(dataSource).MigrateAsync([Widgets(edited)], CancellationToken.None));
        Assert.Contains("widgets/0001 create_widget was changed after it was applied", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_build_is_refused()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await Migrator(dataSource).MigrateAsync([Widgets(CreateWidget, new SqlMigration(2, "newer", "SELECT 1"))], CancellationToken.None);

        var error = await Assert.ThrowsAsync<MigrationException>(() => Migrator(dataSource).MigrateAsync([Widgets(CreateWidget)], CancellationToken.None));
        Assert.Contains("widgets/0002 newer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Line_endings_do_not_count_as_an_edit()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await Migrator(dataSource).MigrateAsync([Widgets(CreateWidget with { Sql = "CREATE TABLE widgets.w (id int);\nSELECT 1;\n" })], CancellationToken.None);
        Assert.Empty(await Migrator(dataSource).MigrateAsync([Widgets(CreateWidget with { Sql = "CREATE TABLE widgets.w (id int);\r\nSELECT 1;\r\n" })], CancellationToken.None));
    }

    [Fact]
    public async Task The_lock_is_released_after_a_run_even_though_the_connection_stays_pooled()
    {
        // Pooled, as in the service: the migrator's connection goes back to the pool still
        // open, so only the explicit unlock frees the lock for other instances.
        var connectionString = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync()) { Pooling = true }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await Migrator(dataSource).MigrateAsync([Widgets(CreateWidget)], CancellationToken.None);

        await using var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await other.OpenAsync();
        await using var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", other) { Parameters = { new() { Value = SchemaMigrator.LockKey } } };
        Assert.Equal(true, await tryLock.ExecuteScalarAsync());
    }

    [Fact]
    public async Task The_product_schemas_are_created()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await Migrator(dataSource).MigrateAsync(DatabaseStartup.Schemas, CancellationToken.None);

        Assert.True(await TableExistsAsync(dataSource, "directory.schema_migrations"));
        Assert.True(await TableExistsAsync(dataSource, "madcap.schema_migrations"));
    }

    [Fact]
    public void A_misnamed_migration_resource_is_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => MigrationSet.FromEmbeddedResources("misnamed", typeof(SchemaMigratorTests).Assembly));
        Assert.Contains("migrations/misnamed/misnamed.sql", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Widgets")]
    [InlineData("widgets; DROP TABLE x")]
    [InlineData("")]
    public void Schema_names_are_plain_identifiers(string schema) =>
        Assert.Throws<ArgumentException>(() => new MigrationSet(schema, []));

    [Fact]
    public void Two_migrations_may_not_share_a_version() =>
        Assert.Throws<ArgumentException>(() => Widgets(CreateWidget, CreateWidget with { Name = "again" }));
}
