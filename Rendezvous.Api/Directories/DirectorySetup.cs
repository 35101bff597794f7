using Microsoft.Extensions.Options;
using Npgsql;
using Rendezvous.Api.Database;
using Rendezvous.Directory;
using Rendezvous.Directory.Ldap;
using Rendezvous.Directory.Publishing;

namespace Rendezvous.Api.Directories;

internal static class DirectorySetup
{
    public static IServiceCollection AddDirectories(this IServiceCollection services)
    {
        services.AddSingleton(provider =>
        {
            var directories = provider.GetRequiredService<IOptions<LdapDirectoryOptionsCollection>>();
            return new PublicationOutbox(() => directories.Value.Where(Publishes).Select(d => d.Name));
        });
        services.AddSingleton<UserRegistry>();
        services.AddSingleton<DirectorySearches>();
        services.AddSingleton<DirectoryPublishing>();
        services.AddHostedService(provider => provider.GetRequiredService<DirectoryPublishing>());
        return services;
    }

    /// <summary>
    /// Whether Rendezvous publishes to the directory: only with credentials of its own. A
    /// directory bound anonymously is for discovery only (directories refuse anonymous writes).
    /// </summary>
    public static bool Publishes(LdapDirectoryOptions directory) => directory.Bind.Mode != LdapBindMode.Anonymous;
}

/// <summary>One publisher per configured directory, each in its own loop (see <see cref="DirectoryPublisher"/>).</summary>
internal sealed class DirectoryPublishing(
    IOptions<LdapDirectoryOptionsCollection> directories,
    NpgsqlDataSource dataSource,
    PublicationOutbox outbox,
    DatabaseState database,
    DirectoryMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly Dictionary<string, DirectoryPublisher> _publishers = new(StringComparer.Ordinal);

    public PublisherState? State(string directory)
    {
        lock (_publishers)
        {
            return _publishers.TryGetValue(directory, out var publisher) ? publisher.State : null;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger<DirectoryPublisher>();
        var runs = new List<Task>();
        lock (_publishers)
        {
            foreach (var directory in directories.Value.Where(DirectorySetup.Publishes))
            {
                var publisher = new DirectoryPublisher(directory, dataSource, outbox, time, logger, metrics);
                _publishers[directory.Name] = publisher;
                // Each loop on a thread-pool thread of its own: the LDAP client blocks.
                runs.Add(Task.Run(() => publisher.RunAsync(() => database.IsMigrated, stoppingToken), stoppingToken));
            }
        }

        try
        {
            await Task.WhenAll(runs).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_publishers)
            {
                foreach (var publisher in _publishers.Values)
                {
                    publisher.Dispose();
                }
            }
        }
    }
}

/// <summary>The paged listings of each directory (each listing holds its own connection).</summary>
internal sealed class DirectorySearches(IOptions<LdapDirectoryOptionsCollection> directories, TimeProvider time) : IDisposable
{
    private readonly Dictionary<string, LdapPagedSearches> _searches = new(StringComparer.Ordinal);

    public LdapPagedSearches? For(string name)
    {
        lock (_searches)
        {
            if (_searches.TryGetValue(name, out var search))
            {
                return search;
            }

            if (directories.Value.FirstOrDefault(d => d.Name == name) is not { } directory)
            {
                return null;
            }

            return _searches[name] = new LdapPagedSearches(directory, time: time);
        }
    }

    public void Dispose()
    {
        lock (_searches)
        {
            foreach (var search in _searches.Values)
            {
                search.Dispose();
            }

            _searches.Clear();
        }
    }
}
