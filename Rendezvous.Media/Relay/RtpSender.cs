using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using Rendezvous.Media.Mixing;
using Rendezvous.Media.Relay.Reactor;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Relay;

/// <summary>
/// A leg's outbound RTP stream, in one small object: its numbering, where it goes, and how it is sent.
/// A mixer delivers straight to it, so a send touches this object, its lock and the stack, and nothing
/// else of the leg's.
/// </summary>
/// <remarks>
/// <para>On Linux a send is one <c>sendto(2)</c> on a descriptor of the sender's own (a close-on-exec
/// duplicate of the leg's socket, <c>F_DUPFD_CLOEXEC</c>) to a socket address kept inline: no
/// <see cref="Socket"/>, handle or address object is touched per packet. The descriptor is closed only by
/// <see cref="Close"/>, under the lock every send holds, so a send never reaches a closed (or reused)
/// descriptor. Elsewhere, <see cref="Socket.SendTo(ReadOnlySpan{byte}, SocketFlags, SocketAddress)"/>.</para>
/// <para>Sends never block: a full socket buffer loses the packet, as the network would.</para>
/// </remarks>
internal sealed class RtpSender : IMixerOutput
{
    private readonly Lock _lock = new();
    private readonly MediaMetrics _metrics;
    private readonly Socket _socket;
    private readonly DescriptorHandle? _descriptor;
    private int _fd = -1;
    private bool _closed;

    // The destination, or none while _addressLength is 0: the sockaddr bytes (native layout, which
    // .NET's SocketAddress also holds on Linux), or for the managed path the SocketAddress itself.
    private SocketAddressBytes _address;
    private int _addressLength;
    private SocketAddress? _managedAddress;

    private byte _payloadType;
    private uint _frameUnits;

    // RFC 3550 section 5.1: random initial values. The next sequence number, and the timestamp the next frame starts at.
    private ushort _sequence = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
    private uint _nextTimestamp = (uint)Random.Shared.NextInt64(uint.MaxValue + 1L);
    private uint _lastSentTimestamp;

    // The relayed source the offsets below map, or none (_forwarding false): the next forwarded packet re-anchors them.
    private bool _forwarding;
    private uint _forwardSource;
    private int _sequenceOffset;
    private uint _timestampOffset;

    private long _sent;
    private long _sentOctets;

    /// <param name="socket">The socket the leg sends RTP from (its port is the source parties see).</param>
    /// <param name="native">
    /// Send with sendto(2) on a duplicate descriptor (Linux only); false, or when no descriptor is left for a
    /// duplicate (the process's limit): through <paramref name="socket"/>. Never throws for want of one.
    /// </param>
    public RtpSender(uint ssrc, Socket socket, MediaMetrics metrics, bool native)
    {
        ArgumentNullException.ThrowIfNull(socket);
        (Ssrc, _metrics, _socket) = (ssrc, metrics, socket);
        if (native)
        {
            // Closed on exec, as .NET's own descriptors are: a child process must not inherit (and hold open) the port.
            var fd = Libc.Fcntl((int)socket.SafeHandle.DangerousGetHandle(), Libc.FDupFdCloexec, 0);
            if (fd >= 0)
            {
                (_descriptor, _fd) = (new DescriptorHandle(fd), fd);
            }
        }
    }

    public uint Ssrc { get; }

    /// <summary>Packets sent.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>
    /// Sets where packets go (null: nowhere, every send answers false), the payload type of our own
    /// frames, and the timestamp units of one 20 ms frame (what a relayed packet is taken to span).
    /// </summary>
    public void Retarget(IPEndPoint? remote, byte payloadType, uint frameUnits)
    {
        var serialized = remote?.Serialize();
        lock (_lock)
        {
            (_payloadType, _frameUnits) = (payloadType, frameUnits);
            _managedAddress = serialized;
            if (serialized is null || serialized.Size > SocketAddressBytes.Capacity)
            {
                _addressLength = 0;
                return;
            }

            serialized.Buffer.Span[..serialized.Size].CopyTo(_address);
            _addressLength = serialized.Size;
        }
    }

    /// <summary>Sends one RTP packet with our SSRC, the next sequence number and the given timestamp; false when nothing was sent.</summary>
    public bool Send(ReadOnlySpan<byte> payload, uint timestamp, bool marker, byte? payloadType)
    {
        lock (_lock)
        {
            _forwarding = false;
            return SendLocked(payload, timestamp, marker, payloadType ?? _payloadType, _sequence, _frameUnits);
        }
    }

    /// <summary>
    /// Sends the next frame of our own stream: <paramref name="samples"/> long, starting where the last
    /// packet sent ended, whether that was relayed or mixed. False when nothing was sent.
    /// </summary>
    public bool SendNext(ReadOnlySpan<byte> payload, int samples)
    {
        lock (_lock)
        {
            _forwarding = false;
            return SendLocked(payload, _nextTimestamp, marker: false, _payloadType, _sequence, (uint)samples);
        }
    }

    /// <summary>A mixer's delivery: the next frame of our stream (<see cref="SendNext"/>).</summary>
    void IMixerOutput.Deliver(ReadOnlySpan<byte> payload, int samples) => SendNext(payload, samples);

    /// <summary>
    /// Relays another leg's packet: its sequence numbers and timestamps keep their gaps and order, shifted
    /// so that the stream continues where it left off when the source changes. False when nothing was sent.
    /// </summary>
    public bool Forward(in RtpPacket packet, byte payloadType, Transcoding transcode)
    {
        lock (_lock)
        {
            if (!_forwarding || _forwardSource != packet.Ssrc)
            {
                // A new source (or our own frames in between): continue from what we sent last.
                (_forwarding, _forwardSource) = (true, packet.Ssrc);
                _sequenceOffset = (ushort)(_sequence - packet.SequenceNumber);
                _timestampOffset = _nextTimestamp - packet.Timestamp;
            }

            var sequence = (ushort)(packet.SequenceNumber + _sequenceOffset);
            var timestamp = packet.Timestamp + _timestampOffset;
            if (transcode == Transcoding.None)
            {
                return SendLocked(packet.Payload, timestamp, packet.Marker, payloadType, sequence, _frameUnits);
            }

            Span<byte> converted = stackalloc byte[Math.Min(packet.Payload.Length, RtpLeg.MaxDatagram)];
            transcode.Apply(packet.Payload[..converted.Length], converted);
            return SendLocked(converted, timestamp, packet.Marker, payloadType, sequence, _frameUnits);
        }
    }

    /// <summary>Sends a datagram exactly as given (another sender's packet, forwarded unchanged); false when nothing was sent.</summary>
    public bool SendUnchanged(ReadOnlySpan<byte> datagram)
    {
        lock (_lock)
        {
            if (!Transmit(datagram))
            {
                return false;
            }

            _sent++;
            _metrics.Sent();
            return true;
        }
    }

    /// <summary>What an RTCP sender report says about our stream (section 6.4.1), read together under the lock.</summary>
    public (long Packets, long Octets, uint LastTimestamp) Totals()
    {
        lock (_lock)
        {
            return (_sent, _sentOctets, _lastSentTimestamp);
        }
    }

    /// <summary>Stops sending for good and closes the sender's descriptor; every later send answers false.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _fd = -1;
            _descriptor?.Dispose();
        }
    }

    /// <summary>Under the lock: writes one packet on the stack and sends it; on success the next sequence number and timestamp follow it.</summary>
    private bool SendLocked(ReadOnlySpan<byte> payload, uint timestamp, bool marker, byte payloadType, ushort sequence, uint units)
    {
        if (payload.Length > RtpLeg.MaxDatagram - RtpPacket.FixedHeaderLength)
        {
            return false;
        }

        Span<byte> datagram = stackalloc byte[RtpPacket.FixedHeaderLength + payload.Length];
        var builder = new RtpPacketBuilder { Marker = marker, PayloadType = payloadType, SequenceNumber = sequence, Timestamp = timestamp, Ssrc = Ssrc, Payload = payload };
        if (!builder.TryWrite(datagram, out var written) || !Transmit(datagram[..written]))
        {
            return false;
        }

        _lastSentTimestamp = timestamp;
        _nextTimestamp = timestamp + units;
        _sequence = (ushort)(sequence + 1);
        _sentOctets += payload.Length;
        _sent++;
        _metrics.Sent();
        return true;
    }

    /// <summary>Under the lock: one datagram to the destination. False when there is none, the sender is closed, or the send failed.</summary>
    private unsafe bool Transmit(ReadOnlySpan<byte> datagram)
    {
        if (_closed || _addressLength == 0)
        {
            return false;
        }

        if (_fd >= 0)
        {
            // A full buffer (EAGAIN), an ICMP error queued by an earlier send (ECONNREFUSED): the packet is lost, as on the wire.
            fixed (byte* data = datagram)
            fixed (byte* address = &_address[0])
            {
                return Libc.SendTo(_fd, data, (nuint)datagram.Length, Libc.MsgDontWait, address, (uint)_addressLength) >= 0;
            }
        }

        try
        {
            _socket.SendTo(datagram, SocketFlags.None, _managedAddress!);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The sender's own descriptor, closed once: by <see cref="Close"/>, or by the finalizer when a leg was never
    /// disposed (so its port is freed as its socket's would be).
    /// </summary>
    private sealed class DescriptorHandle : SafeHandleMinusOneIsInvalid
    {
        public DescriptorHandle(int fd)
            : base(ownsHandle: true) => SetHandle(fd);

        protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
    }

    /// <summary>Room for a sockaddr_in6, inline in the sender.</summary>
    [InlineArray(Capacity)]
    private struct SocketAddressBytes
    {
        public const int Capacity = 28;

        private byte _first;
    }
}
