using System.Net;
using Microsoft.Extensions.Options;
using Rendezvous.Api.Database;
using Rendezvous.Madcap;
using Rendezvous.Madcap.Leases;

namespace Rendezvous.Api.Madcap;

/// <summary>
/// The MADCAP server: a UDP socket on each listen address, and one per scope's MADCAP server
/// group joined on the interface of each IPv4 listen address. Starts once the schema is
/// migrated; a socket that cannot be opened is logged and tried again every few seconds.
/// </summary>
internal sealed class MadcapServerService(
    IServiceProvider services,
    DatabaseState database,
    IOptions<MadcapOptions> options,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly List<Rendezvous.Madcap.Server.MadcapListener> _listeners = [];

    /// <summary>The local end points of the unicast sockets, once open (tests read the port when it was 0).</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.ServerEnabled)
        {
            return;
        }

        while (!database.IsMigrated)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken).ConfigureAwait(false);
        }

        var logger = loggers.CreateLogger<MadcapServerService>();
        var engine = services.GetRequiredService<Rendezvous.Madcap.Server.MadcapServerEngine>();
        var store = services.GetRequiredService<LeaseStore>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var addresses = settings.EffectiveListenAddresses.Select(IPAddress.Parse).ToList();
                var listenerLogger = loggers.CreateLogger<Rendezvous.Madcap.Server.MadcapListener>();
                foreach (var address in addresses)
                {
                    _listeners.Add(Rendezvous.Madcap.Server.MadcapListener.Unicast(new IPEndPoint(address, settings.Port), engine, listenerLogger));
                }

                EndPoints = [.. _listeners.Select(l => l.LocalEndPoint)];
                if (settings.JoinServerGroups)
                {
                    // The configured scopes are stored first (idempotent; the maintenance job does the same), so their groups are joined.
                    await store.EnsureScopesAsync(settings.BuildScopes(), stoppingToken).ConfigureAwait(false);
                    var scopes = await store.ScopesAsync(stoppingToken).ConfigureAwait(false);
                    foreach (var group in scopes.Select(s => s.ServerGroup).Distinct())
                    {
                        foreach (var address in addresses.Where(a => a.AddressFamily == group.AddressFamily))
                        {
                            try
                            {
                                _listeners.Add(Rendezvous.Madcap.Server.MadcapListener.Group(group, EndPoints[0].Port, address, engine, listenerLogger));
                            }
                            catch (System.Net.Sockets.SocketException e)
                            {
                                // Loopback without a multicast route, say: unicast still works.
                                Log.MadcapGroupNotJoined(logger, group.ToString(), address.ToString(), e.SocketErrorCode.ToString());
                            }
                        }
                    }
                }

                Log.MadcapListening(logger, string.Join(", ", _listeners.Select(l => l.LocalEndPoint)));
                await Task.WhenAll(_listeners.Select(l => l.RunAsync(stoppingToken))).ConfigureAwait(false);
                return;
            }
            catch (System.Net.Sockets.SocketException e) when (!stoppingToken.IsCancellationRequested)
            {
                Log.MadcapCannotListen(logger, settings.Port, e.SocketErrorCode.ToString());
                Close();
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    public override void Dispose()
    {
        Close();
        base.Dispose();
    }

    private void Close()
    {
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        _listeners.Clear();
    }
}
