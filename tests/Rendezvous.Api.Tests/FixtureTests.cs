using System.DirectoryServices.Protocols;
using System.Globalization;
using Npgsql;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>
/// The fixtures start real servers from the deploy/ scripts; several can run in one
/// process, each isolated, and they leave nothing behind.
/// </summary>
public sealed class FixtureTests
{
    private static async Task<string> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture)!;
    }

    [Fact]
    public async Task Two_postgresql_fixtures_in_one_process_are_separate_servers()
    {
        var first = new PostgresServer();
        var second = new PostgresServer();
        await Task.WhenAll(first.InitializeAsync(), second.InitializeAsync());
        try
        {
            Assert.NotEqual(first.Port, second.Port);
            Assert.StartsWith("PostgreSQL 15", await ScalarAsync(first.ConnectionString, "SELECT version()"), StringComparison.Ordinal);
            Assert.StartsWith("PostgreSQL 15", await ScalarAsync(second.ConnectionString, "SELECT version()"), StringComparison.Ordinal);

            // A database made in one is not in the other, and each answers only its own password.
            var database = new NpgsqlConnectionStringBuilder(await first.CreateDatabaseAsync()).Database!;
            Assert.Equal("1", await ScalarAsync(first.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{database}'"));
            Assert.Equal("0", await ScalarAsync(second.ConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{database}'"));
            var crossed = new NpgsqlConnectionStringBuilder(second.ConnectionString) { Password = first.Password }.ConnectionString;
            Assert.Equal("28P01", (await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync(crossed, "SELECT 1"))).SqlState);
        }
        finally
        {
            await Task.WhenAll(first.DisposeAsync(), second.DisposeAsync());
        }

        // Stopped: nothing answers any more.
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(first.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Two_slapd_fixtures_in_one_process_are_separate_directories()
    {
        var first = new SlapdServer();
        var second = new SlapdServer();
        await Task.WhenAll(first.InitializeAsync(), second.InitializeAsync());
        try
        {
            Assert.NotEqual(first.Port, second.Port);
            var subtree = await first.CreateSubtreeAsync();
            using (var reader = first.ConnectAnonymously())
            {
                Assert.Single(((SearchResponse)reader.SendRequest(new SearchRequest(subtree, "(objectClass=*)", SearchScope.Base, "1.1"))).Entries);
            }

            using (var reader = second.ConnectAnonymously())
            {
                var missing = Assert.Throws<DirectoryOperationException>(() => reader.SendRequest(new SearchRequest(subtree, "(objectClass=*)", SearchScope.Base, "1.1")));
                Assert.Equal(ResultCode.NoSuchObject, missing.Response.ResultCode);
            }
        }
        finally
        {
            await Task.WhenAll(first.DisposeAsync(), second.DisposeAsync());
        }

        Assert.Throws<LdapException>(() => first.ConnectAnonymously().Dispose());
    }

    [Fact]
    public void A_fixture_reaps_only_orphans_of_its_own_kind()
    {
        // A kind no other fixture uses, so that no test running in parallel can reap it.
        var kind = $"probe{Guid.NewGuid():N}";
        using var orphan = TestInstanceDirectory.Create(kind);
        File.WriteAllText(orphan.File("owner.pid"), "2147483647");
        var stopped = new List<string>();

        // Another kind, also unique: a real kind could find a real orphan, which this would not stop.
        TestInstanceDirectory.ReapOrphans($"other{Guid.NewGuid():N}", stopped.Add);
        Assert.True(System.IO.Directory.Exists(orphan.Path), "another kind of fixture must not delete the folder");
        Assert.DoesNotContain(orphan.Path, stopped);

        TestInstanceDirectory.ReapOrphans(kind, stopped.Add);
        // Claimed by renaming before its servers are stopped, so one reaper alone deals with it.
        var claimed = Assert.Single(stopped);
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), $"rendezvous-reaping-{kind}-"), claimed, StringComparison.Ordinal);
        Assert.False(System.IO.Directory.Exists(orphan.Path), "its own kind of fixture removes it");
        Assert.False(System.IO.Directory.Exists(claimed), "and deletes it once stopped");
    }

    [Fact]
    public async Task A_slapd_left_by_a_test_process_that_died_is_stopped_by_the_next_slapd_fixture()
    {
        var orphan = new SlapdServer();
        await orphan.InitializeAsync();
        var folder = orphan.Folder;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "owner.pid"), "2147483647");

            // Any slapd fixture starting now (this one, or one of a test running in parallel) reaps it.
            var next = new SlapdServer();
            await next.InitializeAsync();
            await next.DisposeAsync();
            var stopped = false;
            for (var i = 0; i < 300 && !stopped; i++)
            {
                try
                {
                    orphan.ConnectAnonymously().Dispose();
                    await Task.Delay(100);
                }
                catch (LdapException)
                {
                    stopped = true;
                }
            }

            Assert.False(System.IO.Directory.Exists(folder), "the orphan's folder was removed");
            Assert.True(stopped, "the orphan's slapd was stopped");
            Assert.Throws<LdapException>(() => orphan.ConnectAnonymously().Dispose());
        }
        finally
        {
            await orphan.DisposeAsync();
        }
    }

    [Fact]
    public async Task Servers_left_by_a_test_process_that_died_are_stopped_by_the_next_fixture()
    {
        var orphan = new PostgresServer();
        await orphan.InitializeAsync();
        var folder = orphan.Folder;
        try
        {
            // Pretend its owner died: no process has this pid (above Linux's pid_max).
            await File.WriteAllTextAsync(Path.Combine(folder, "owner.pid"), "2147483647");

            var next = new PostgresServer();
            await next.InitializeAsync();
            await next.DisposeAsync();

            // Any fixture starting now reaps it (another test's may have got there first
            // and still be at work), so wait for the outcome rather than assume who did it.
            var stopped = false;
            for (var i = 0; i < 300 && !stopped; i++)
            {
                try
                {
                    await ScalarAsync(orphan.ConnectionString, "SELECT 1");
                    await Task.Delay(100);
                }
                catch (NpgsqlException)
                {
                    stopped = true;
                }
            }

            Assert.False(System.IO.Directory.Exists(folder), "the orphan's folder was removed");
            Assert.True(stopped, "the orphan's server was stopped");
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(orphan.ConnectionString, "SELECT 1"));
        }
        finally
        {
            await orphan.DisposeAsync();
        }
    }
}
