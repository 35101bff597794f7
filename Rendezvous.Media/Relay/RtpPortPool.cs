using System.Net;
using System.Net.Sockets;

namespace Rendezvous.Media.Relay;

/// <summary>
/// A bound RTP socket on an even port and its RTCP socket on the next odd one (RFC 3550 section
/// 11), from the pool; or a multicast group's pair (<see cref="MulticastGroupSockets"/>), which
/// receives on sockets bound to the group and sends from two others.
/// </summary>
public sealed class RtpPortPair : IDisposable
{
    private readonly RtpPortPool? _pool;
    private readonly Socket? _rtpSend;
    private readonly Socket? _rtcpSend;
    private readonly IPAddress[]? _ownAddresses;
    private readonly int _rtpSendPort;
    private readonly int _rtcpSendPort;

    internal RtpPortPair(RtpPortPool? pool, Socket rtp, Socket rtcp, (Socket Rtp, Socket Rtcp, IReadOnlySet<IPAddress> OwnAddresses)? senders = null)
    {
        _pool = pool;
        Rtp = rtp;
        Rtcp = rtcp;
        Port = ((IPEndPoint)rtp.LocalEndPoint!).Port;
        (_rtpSend, _rtcpSend, _ownAddresses) = (senders?.Rtp, senders?.Rtcp, senders is { OwnAddresses: var own } ? [.. own] : null);
        (_rtpSendPort, _rtcpSendPort) = senders is var (rtpSend, rtcpSend, _) ? (((IPEndPoint)rtpSend.LocalEndPoint!).Port, ((IPEndPoint)rtcpSend.LocalEndPoint!).Port) : (0, 0);
    }

    private int _disposed;

    /// <summary>Receives RTP (and sends it, unless the pair has its own sender).</summary>
    public Socket Rtp { get; }

    /// <summary>Receives RTCP (and sends it, unless the pair has its own sender).</summary>
    public Socket Rtcp { get; }

    public Socket RtpSend => _rtpSend ?? Rtp;

    /// <summary>Whether the pair sends from sockets of its own (a multicast group's), so <see cref="IsOwn"/> can be true.</summary>
    public bool SendsSeparately => _ownAddresses is not null;

    public Socket RtcpSend => _rtcpSend ?? Rtcp;

    /// <summary>The RTP port (even); RTCP is this plus one.</summary>
    public int Port { get; }

    /// <summary>
    /// Whether a datagram came from this pair's own senders: a multicast group loops what we send
    /// back to us (other programs on this host must hear it), and we must not hear ourselves.
    /// </summary>
    public bool IsOwn(in DatagramSource source, bool rtcp)
    {
        if (_ownAddresses is null || source.Port != (rtcp ? _rtcpSendPort : _rtpSendPort))
        {
            return false;
        }

        if (source.IsLoopback)
        {
            return true;
        }

        foreach (var own in _ownAddresses)
        {
            if (source.IsAddress(own))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Closes the sockets and gives a pool's pair back to it (once, however often it is called).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Rtp.Dispose();
            Rtcp.Dispose();
            _rtpSend?.Dispose();
            _rtcpSend?.Dispose();
            _pool?.Return(Port);
        }
    }
}

/// <summary>
/// Hands out RTP/RTCP port pairs from the configured range, on the configured address. A port
/// another program holds is skipped; when every pair is taken or busy, <see cref="TryAllocate"/>
/// returns null (the REST layer answers 503). Thread-safe.
/// </summary>
public sealed class RtpPortPool
{
    private readonly IPAddress _address;
    private readonly int _first;
    private readonly int _last;
    private readonly HashSet<int> _taken = [];
    private readonly Lock _lock = new();
    private int _next;

    /// <param name="address">Where the sockets bind.</param>
    /// <param name="first">First port of the range; must be even.</param>
    /// <param name="last">Last port of the range (inclusive).</param>
    public RtpPortPool(IPAddress address, int first, int last)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (first % 2 != 0 || first < 1024 || last > 65535 || last < first + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"the range {first}-{last} must start even, from 1024, and hold at least one pair");
        }

        (_address, _first, _last, _next) = (address, first, last, first);
    }

    /// <summary>How many pairs are handed out now.</summary>
    public int InUse
    {
        get
        {
            lock (_lock)
            {
                return _taken.Count;
            }
        }
    }

    /// <summary>Binds the next free pair, or returns null when none is free.</summary>
    public RtpPortPair? TryAllocate()
    {
        lock (_lock)
        {
            var pairs = (_last - _first + 1) / 2;
            for (var i = 0; i < pairs; i++)
            {
                var port = _next;
                _next = _next + 2 > _last - 1 ? _first : _next + 2;
                if (_taken.Contains(port))
                {
                    continue;
                }

                var rtp = new Socket(_address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                var rtcp = new Socket(_address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                try
                {
                    rtp.Bind(new IPEndPoint(_address, port));
                    rtcp.Bind(new IPEndPoint(_address, port + 1));
                }
                catch (SocketException)
                {
                    // Held by another program: try the next pair.
                    rtp.Dispose();
                    rtcp.Dispose();
                    continue;
                }

                _taken.Add(port);
                return new RtpPortPair(this, rtp, rtcp);
            }

            return null;
        }
    }

    internal void Return(int port)
    {
        lock (_lock)
        {
            _taken.Remove(port);
        }
    }
}
