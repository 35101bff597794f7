using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Rendezvous.Madcap.Server;

/// <summary>
/// One UDP socket of the MADCAP server: a unicast address, or a scope's MADCAP server group
/// joined on the interface of a unicast address (section 2.10). Datagrams are answered
/// concurrently, at most <see cref="MaxInFlight"/> at once; the destination address each one
/// arrived on is read from the packet information, for the section 2.11 checks.
/// </summary>
public sealed partial class MadcapListener : IDisposable
{
    public const int MaxInFlight = 64;

    /// <summary>The largest UDP payload.</summary>
    private const int MaxDatagram = 65_507;

    private readonly Socket _socket;
    private readonly MadcapServerEngine _engine;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots = new(MaxInFlight);

    private MadcapListener(Socket socket, MadcapServerEngine engine, ILogger logger)
    {
        _socket = socket;
        _engine = engine;
        _logger = logger;
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>A socket on a unicast address (port 0 picks a free port).</summary>
    public static MadcapListener Unicast(IPEndPoint endPoint, MadcapServerEngine engine, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = Open(endPoint.AddressFamily);
        try
        {
            socket.Bind(endPoint);
            return new MadcapListener(socket, engine, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A socket bound to <paramref name="group"/>:<paramref name="port"/> that joins it on the interface of <paramref name="interfaceAddress"/>.</summary>
    public static MadcapListener Group(IPAddress group, int port, IPAddress interfaceAddress, MadcapServerEngine engine, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(interfaceAddress);
        var socket = Open(group.AddressFamily);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(group, port));
            if (group.AddressFamily == AddressFamily.InterNetwork)
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, interfaceAddress));
            }
            else
            {
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group, InterfaceIndex(interfaceAddress)));
            }

            return new MadcapListener(socket, engine, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Receives and answers until cancelled. A failure with one datagram never stops the loop.
    /// <para>
    /// Datagrams are read on a thread of the listener's own, with blocking receives, so the kernel
    /// wakes that thread directly when one arrives: there is no hand-off from the runtime's socket
    /// event thread to the thread pool per datagram. Whatever can be answered at once (garbage, a
    /// retransmission, a refusal) is answered on this thread; the rest continues when its database
    /// work completes.
    /// </para>
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Receive(cancellationToken);
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "MADCAP receive",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>How often a blocked receive wakes to see whether the listener was stopped.</summary>
    private static readonly TimeSpan StopCheck = TimeSpan.FromMilliseconds(250);

    private void Receive(CancellationToken cancellationToken)
    {
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var name = LocalEndPoint.ToString();
        _socket.ReceiveTimeout = (int)StopCheck.TotalMilliseconds;
        while (!cancellationToken.IsCancellationRequested)
        {
            // A slot and a pooled buffer per datagram in flight: nothing is allocated per datagram,
            // and no more than MaxInFlight are read before earlier ones are answered.
            try
            {
                if (!_slots.Wait(StopCheck, cancellationToken))
                {
                    continue;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
            int length;
            IPPacketInformation packet;
            var flags = SocketFlags.None;
            var source = any;
            try
            {
                length = _socket.ReceiveMessageFrom(buffer, 0, MaxDatagram, ref flags, ref source, out packet);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                Done(buffer);
                continue;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted || _socket.SafeHandle.IsClosed)
            {
                Done(buffer);
                return; // the listener was disposed while the receive waited
            }
            catch (SocketException e)
            {
                Done(buffer);
                // An ICMP "port unreachable" from an earlier reply surfaces here on Linux: not fatal.
                Log.ReceiveFailed(_logger, name, e.SocketErrorCode.ToString());
                continue;
            }
            catch (ObjectDisposedException)
            {
                Done(buffer);
                return;
            }

            _ = AnswerAsync(buffer, length, (IPEndPoint)source, packet.Address, Stopwatch.GetTimestamp(), cancellationToken);
        }
    }

    /// <summary>Gives back what one datagram held: its buffer and its slot.</summary>
    private void Done(byte[] buffer)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        try
        {
            _slots.Release();
        }
        catch (ObjectDisposedException)
        {
            // The listener closed while this datagram was on its way.
        }
    }

    /// <summary>Answers one datagram, received at <paramref name="arrived"/> (a <see cref="Stopwatch"/> timestamp); an answered one's time to the send is recorded.</summary>
    private async Task AnswerAsync(byte[] buffer, int length, IPEndPoint source, IPAddress? destination, long arrived, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _engine.HandleAsync(buffer.AsMemory(0, length), source, destination, cancellationToken).ConfigureAwait(false);
            if (response is not null)
            {
                // Replies go to the client's source port, unicast (section 2).
                await _socket.SendToAsync(response, SocketFlags.None, source, cancellationToken).ConfigureAwait(false);
                // Only a decoded client message is answered, so the type byte (offset 1) is one.
                _engine.Stats.Exchange((Protocol.MadcapMessageType)buffer[1], Stopwatch.GetElapsedTime(arrived));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A database outage or a socket error fails this exchange only; the client retransmits.
            _engine.Stats.Dropped();
            Log.AnswerFailed(_logger, source.ToString(), e);
        }
        finally
        {
            Done(buffer);
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _slots.Dispose();
    }

    private static Socket Open(AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        socket.SetSocketOption(family == AddressFamily.InterNetworkV6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
        return socket;
    }

    private static int InterfaceIndex(IPAddress address) =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(i => i.GetIPProperties().UnicastAddresses.Any(u => u.Address.Equals(address)))
            ?.GetIPProperties().GetIPv6Properties().Index ?? 0;

    private static partial class Log
    {
        [LoggerMessage(6101, LogLevel.Debug, "MADCAP socket {EndPoint}: receive failed ({Error})")]
        public static partial void ReceiveFailed(ILogger logger, string endPoint, string error);

        [LoggerMessage(6102, LogLevel.Warning, "MADCAP: answering {Source} failed; the client will retransmit")]
        public static partial void AnswerFailed(ILogger logger, string source, Exception exception);
    }
}
