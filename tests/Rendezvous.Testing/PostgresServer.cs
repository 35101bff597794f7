using System.Security.Cryptography;
using Npgsql;
using Xunit;

namespace Rendezvous.Testing;

/// <summary>
/// A private PostgreSQL instance on 127.0.0.1, started by deploy/local/postgres.sh (the
/// local run's script) in its own temporary folder on a free port. Tests isolate
/// themselves further with <see cref="CreateDatabaseAsync"/>: a fresh database each.
/// Runs with fsync off: fine for tests, never for a benchmark or a durability test.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private static readonly string Script = Repository.PathOf("deploy", "local", "postgres.sh");
    private const string Kind = "pg";

    private TestInstanceDirectory? _directory;
    private string? _passwordFile;

    public int Port { get; private set; }

    /// <summary>The instance's private folder under /tmp/rendezvous-test-*.</summary>
    public string Folder => _directory?.Path ?? throw new InvalidOperationException("The server has not been started.");

    public string Password { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Superuser connection string to the maintenance database.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Password = Password,
        Database = database,
        Pooling = false,
        Timeout = 5,
    }.ConnectionString;

    /// <summary>
    /// A connection string for the same database over the server's private Unix socket, which a
    /// process in another network namespace (where 127.0.0.1 is its own) can still reach.
    /// </summary>
    public string OverUnixSocket(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString)
    {
        Host = File.ReadAllText(Path.Combine(InstancePath, "socket-dir")).Trim(),
        Password = null,
    }.ConnectionString;

    private string InstancePath => Path.Combine(_directory!.Path, "pg");

    public async Task InitializeAsync()
    {
        await ServerPackages.EnsureInstalledAsync().ConfigureAwait(false);
        TestInstanceDirectory.ReapOrphans(Kind, StopServersIn);
        _directory = TestInstanceDirectory.Create(Kind);
        _passwordFile = _directory.WriteSecret("postgres.password", Password);

        await FreePort.StartOnFreeTcpPortAsync(port =>
        {
            Port = port;
            return StartAsync();
        }).ConfigureAwait(false);
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port and data.</summary>
    public Task StartAsync() => ProcessRunner.RunAsync(Script,
        ["start", "--data", InstancePath, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--password-file", _passwordFile!, "--fast"],
        TimeSpan.FromMinutes(1));

    /// <summary>Stops the server (fast shutdown); the data stays for <see cref="StartAsync"/>.</summary>
    public Task StopAsync() => ProcessRunner.RunAsync(Script, ["stop", "--data", InstancePath], TimeSpan.FromMinutes(1));

    /// <summary>Creates an empty database of its own for one test and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        return ConnectionStringFor(name);
    }

    public async Task DisposeAsync()
    {
        if (_directory is null)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _directory.Dispose();
    }

    private static void StopServersIn(string folder)
    {
        var instance = Path.Combine(folder, "pg");
        if (System.IO.Directory.Exists(instance))
        {
            ProcessRunner.RunAsync(Script, ["stop", "--data", instance], TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        }
    }
}
