using System.Buffers;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Rendezvous.Directory.Sap;

/// <summary>Puts <see cref="SapTransmission"/>s on the wire; the announcer's only I/O, replaced by an in-process sink in tests.</summary>
public interface ISapSender
{
    /// <summary>Sends one announcement or deletion on every interface of its group's family. Failures are counted and logged, not thrown.</summary>
    ValueTask SendAsync(SapTransmission transmission, CancellationToken cancellationToken);

    /// <summary>The originating source addresses our packets carry (one per interface).</summary>
    IReadOnlyList<IPAddress> Origins { get; }
}

/// <summary>
/// Sends SAP packets to their group on port 9875 from each configured interface: a UDP socket per
/// interface, bound to its address (which is also the packet's originating source), with
/// IP_MULTICAST_IF on it and IP_MULTICAST_LOOP on, so that listeners on this host hear them too.
/// The TTL (IPv6: hop limit) is set per packet.
/// </summary>
public sealed partial class SapMulticastSender : ISapSender, IDisposable
{
    private readonly List<(IPAddress Address, Socket Socket)> _sockets = [];
    private readonly SapStats _stats;
    private readonly ILogger _logger;

    public SapMulticastSender(IReadOnlyList<IPAddress> interfaces, SapStats stats, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        _stats = stats;
        _logger = logger;
        try
        {
            foreach (var address in interfaces)
            {
                _sockets.Add((address, Open(address)));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<IPAddress> Origins => [.. _sockets.Select(s => s.Address)];

    public async ValueTask SendAsync(SapTransmission transmission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transmission);
        var group = new IPEndPoint(transmission.Destination.Group, SapGroups.Port);
        foreach (var (address, socket) in _sockets.Where(s => s.Address.AddressFamily == group.AddressFamily))
        {
            var datagram = SapEncoder.Encode(Packet(transmission, address));
            try
            {
                if (group.AddressFamily == AddressFamily.InterNetwork)
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, (int)transmission.Destination.Ttl);
                }
                else
                {
                    socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, (int)transmission.Destination.Ttl);
                }

                await socket.SendToAsync(datagram, SocketFlags.None, group, cancellationToken).ConfigureAwait(false);
                _stats.Sent(transmission.IsDeletion);
            }
            catch (SocketException e)
            {
                _stats.SendFailed();
                Log.SendFailed(_logger, transmission.IsDeletion ? "deletion" : "announcement", group.ToString(), address.ToString(), e.SocketErrorCode.ToString());
            }
        }
    }

    /// <summary>The packet for one interface: its address is the originating source; a deletion carries the o= line (section 6).</summary>
    public static SapPacket Packet(SapTransmission transmission, IPAddress origin)
    {
        ArgumentNullException.ThrowIfNull(transmission);
        if (!transmission.IsDeletion)
        {
            return SapPacket.Announcement(transmission.Sdp, origin);
        }

        var hasOriginLine = SapSessionIdentity.OfOriginLine(transmission.Sdp) is not null;
        return SapPacket.Deletion(transmission.Sdp, origin, originLineOnly: hasOriginLine);
    }

    public void Dispose()
    {
        foreach (var (_, socket) in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
    }

    private static Socket Open(IPAddress address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, 0));
            if (address.AddressFamily == AddressFamily.InterNetwork)
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, address.GetAddressBytes());
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
            }
            else
            {
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, SapInterfaces.IndexOf(address));
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, true);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(8101, LogLevel.Warning, "SAP: sending a {Type} to {Group} from {Interface} failed ({Error})")]
        public static partial void SendFailed(ILogger logger, string type, string group, string @interface, string error);
    }
}

/// <summary>
/// The listener's sockets: one per IPv4 SAP group, bound to the group's address and port 9875 and
/// joined on each IPv4 interface; one for all IPv6 groups, bound to [::]:9875 and joined on each IPv6
/// interface. Every datagram goes to the <see cref="SapSessionCache"/> with the group it was sent to.
/// A group that cannot be joined is reported in <see cref="Problems"/>; the others still work.
/// </summary>
public sealed partial class SapListener : IDisposable
{
    private const int MaxDatagram = 65_507;

    private readonly List<Socket> _sockets = [];
    private readonly List<IPAddress> _joined = [];
    private readonly List<string> _problems = [];
    private readonly SapSessionCache _cache;
    private readonly ILogger _logger;

    private SapListener(SapSessionCache cache, ILogger logger)
    {
        _cache = cache;
        _logger = logger;
    }

    /// <summary>The groups joined on at least one interface.</summary>
    public IReadOnlyList<IPAddress> Joined => _joined;

    /// <summary>What could not be joined or opened, one line each.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Opens the sockets and joins the groups. Never throws for a group that cannot be joined (see <see cref="Problems"/>).</summary>
    public static SapListener Open(IReadOnlyList<IPAddress> groups, IReadOnlyList<IPAddress> interfaces, SapSessionCache cache, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(interfaces);
        var listener = new SapListener(cache, logger);
        var v4 = interfaces.Where(i => i.AddressFamily == AddressFamily.InterNetwork).ToList();
        var v6 = interfaces.Where(i => i.AddressFamily == AddressFamily.InterNetworkV6).ToList();
        foreach (var group in groups.Where(g => g.AddressFamily == AddressFamily.InterNetwork).Distinct())
        {
            listener.TryOpenIPv4(group, v4);
        }

        var groups6 = groups.Where(g => g.AddressFamily == AddressFamily.InterNetworkV6).Distinct().ToList();
        if (groups6.Count > 0)
        {
            listener.TryOpenIPv6(groups6, v6);
        }

        return listener;
    }

    /// <summary>Receives on every socket until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(_sockets.Select(s => ReceiveAsync(s, cancellationToken)));

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
    }

    private void TryOpenIPv4(IPAddress group, List<IPAddress> interfaces)
    {
        if (interfaces.Count == 0)
        {
            _problems.Add($"{group}: no interface of its address family is configured");
            return;
        }

        var socket = new Socket(group.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            socket.Bind(new IPEndPoint(group, SapGroups.Port));
            var joined = false;
            foreach (var address in interfaces)
            {
                try
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, address));
                    joined = true;
                }
                catch (SocketException e)
                {
                    _problems.Add($"{group} on {address}: {e.SocketErrorCode}");
                    Log.NotJoined(_logger, group.ToString(), address.ToString(), e.SocketErrorCode.ToString());
                }
            }

            if (!joined)
            {
                socket.Dispose();
                return;
            }

            _sockets.Add(socket);
            _joined.Add(group);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            _problems.Add($"{group}: cannot bind UDP port {SapGroups.Port}: {e.SocketErrorCode}");
            Log.NotJoined(_logger, group.ToString(), "any", e.SocketErrorCode.ToString());
        }
    }

    private void TryOpenIPv6(List<IPAddress> groups, List<IPAddress> interfaces)
    {
        if (interfaces.Count == 0)
        {
            _problems.AddRange(groups.Select(g => $"{g}: no IPv6 interface is configured"));
            return;
        }

        var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.DualMode = false;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, SapGroups.Port));
            foreach (var group in groups)
            {
                var joined = false;
                foreach (var address in interfaces)
                {
                    try
                    {
                        socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group, SapInterfaces.IndexOf(address)));
                        joined = true;
                    }
                    catch (SocketException e)
                    {
                        _problems.Add($"{group} on {address}: {e.SocketErrorCode}");
                        Log.NotJoined(_logger, group.ToString(), address.ToString(), e.SocketErrorCode.ToString());
                    }
                }

                if (joined)
                {
                    _joined.Add(group);
                }
            }

            _sockets.Add(socket);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            _problems.Add($"[::]:{SapGroups.Port}: cannot bind: {e.SocketErrorCode}");
        }
    }

    private async Task ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        var any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                SocketReceiveMessageFromResult received;
                try
                {
                    received = await socket.ReceiveMessageFromAsync(buffer.AsMemory(0, MaxDatagram), SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    Log.ReceiveFailed(_logger, e.SocketErrorCode.ToString());
                    continue;
                }

                var destination = received.PacketInformation.Address;
                _cache.Receive(buffer.AsSpan(0, received.ReceivedBytes), (IPEndPoint)received.RemoteEndPoint, destination is null || destination.Equals(any.Address) ? null : destination);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // Stopping.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(8201, LogLevel.Warning, "SAP listener: group {Group} not joined on {Interface} ({Error})")]
        public static partial void NotJoined(ILogger logger, string group, string @interface, string error);

        [LoggerMessage(8202, LogLevel.Debug, "SAP listener: receive failed ({Error})")]
        public static partial void ReceiveFailed(ILogger logger, string error);
    }
}

/// <summary>Interface lookups the sockets need.</summary>
internal static class SapInterfaces
{
    /// <summary>The index of the interface that holds <paramref name="address"/> (0, any, when none does).</summary>
    public static int IndexOf(IPAddress address) =>
        NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(i => i.GetIPProperties().UnicastAddresses.Any(u => u.Address.Equals(address)))
            ?.GetIPProperties().GetIPv6Properties()?.Index ?? 0;
}
