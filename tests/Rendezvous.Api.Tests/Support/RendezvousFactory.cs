using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests.Support;

/// <summary>
/// The real service, hosted in-process with the given settings (exactly the keys an
/// operator would set, e.g. <c>Rendezvous:PostgreSql:ConnectionString</c>), with every
/// log line captured.
/// </summary>
internal sealed class RendezvousFactory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            if (value is not null)
            {
                builder.UseSetting(key, value);
            }
        }

        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}

/// <summary>Settings for a service wired to the test's own servers.</summary>
internal static class TestSettings
{
    public const string AdminToken = "test-admin-token-0123456789abcdef0123456789";

    public static Dictionary<string, string?> For(string postgresConnectionString, SlapdServer? slapd = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Rendezvous:PostgreSql:ConnectionString"] = postgresConnectionString,
            ["Rendezvous:Auth:BootstrapAdminToken"] = AdminToken,
            // Tests run side by side: each service's MADCAP server takes a free UDP port.
            ["Rendezvous:Madcap:Port"] = "0",
        };
        if (slapd is not null)
        {
            settings["Rendezvous:Directories:0:Name"] = "local";
            settings["Rendezvous:Directories:0:Url"] = slapd.Url;
            settings["Rendezvous:Directories:0:BaseDn"] = slapd.NamingContext;
            settings["Rendezvous:Directories:0:Bind:Mode"] = "Simple";
            settings["Rendezvous:Directories:0:Bind:Dn"] = slapd.AdministratorDn;
            settings["Rendezvous:Directories:0:Bind:PasswordFile"] = slapd.AdminPasswordFile;
        }

        return settings;
    }

    /// <summary>A syntactically valid connection string to a port where nothing listens.</summary>
    public static string UnreachablePostgres(string password = "unreachable-pg-password") =>
        $"Host=127.0.0.1;Port={FreePort.NextTcp()};Database=rendezvous;Username=postgres;Password={password};Timeout=2";
}

/// <summary>Every log line the service wrote, formatted, with its exception.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, int EventId, string Text)> _entries = new();

    public IReadOnlyList<(string Category, int EventId, string Text)> Entries => [.. _entries];

    public string AllText => string.Join('\n', _entries.Select(e => e.Text));

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(string, int, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The state's values and the exception count as logged too.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            entries.Enqueue((category, eventId.Id, $"{formatter(state, exception)} {values} {exception}"));
        }
    }
}
