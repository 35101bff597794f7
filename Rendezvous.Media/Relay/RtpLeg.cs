using System.Net;
using System.Net.Sockets;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Relay.Reactor;
using Rendezvous.Media.Rtcp;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Relay;

/// <summary>How a leg takes media: its remote party, codec and protections.</summary>
public sealed record RtpLegSettings
{
    /// <summary>The negotiated remote RTP address; null until known (then only latching can supply it).</summary>
    public IPEndPoint? Remote { get; init; }

    /// <summary>
    /// Where the party sends from, when that differs from where it receives (<see cref="Remote"/>):
    /// a sender and a receiver that are separate programs. Null: the party sends from
    /// <see cref="Remote"/> (symmetric RTP). Only this source is heard, unless latching.
    /// </summary>
    public IPEndPoint? Source { get; init; }

    /// <summary>The one audio codec of this leg.</summary>
    public AudioCodec Codec { get; init; } = AudioCodec.Pcmu;

    /// <summary>The negotiated RFC 4733 telephone-event payload type, if any; other payload types are dropped.</summary>
    public byte? TelephoneEventPayloadType { get; init; }

    /// <summary>Symmetric RTP: take the first packet's source as the remote party (for parties behind NAT). Off: only <see cref="Remote"/> is accepted.</summary>
    public bool LatchToFirstSource { get; init; }

    /// <summary>RFC 3550's RTCP report interval (5 s minimum in section 6.2); each report waits a random 0.5 to 1.5 times it.</summary>
    public TimeSpan RtcpInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Packets per second accepted from the remote party (RTP and RTCP each); beyond it, dropped and counted.</summary>
    public int MaxPacketsPerSecond { get; init; } = 200;

    /// <summary>
    /// A multicast group's leg: every sender in the group is heard (except our own looped-back
    /// packets), and <see cref="Remote"/> is the group. Its receive statistics follow the first sender.
    /// </summary>
    public bool AnySource { get; init; }
}

/// <summary>Why an inbound packet was dropped (the <c>reason</c> of <c>rendezvous.rtp.dropped</c>).</summary>
public enum RtpDropReason
{
    /// <summary>From an address other than the negotiated (or latched) remote party.</summary>
    ForeignSource,

    /// <summary>Over the leg's packet rate.</summary>
    RateLimited,

    /// <summary>Not valid RTP (or RTCP, on the RTCP port).</summary>
    Malformed,

    /// <summary>A payload type this leg did not negotiate.</summary>
    PayloadType,
}

/// <summary>Receives what a leg accepts, on the leg's receive loop.</summary>
public interface IRtpLegSink
{
    /// <summary>An accepted RTP packet; its memory is valid only during the call.</summary>
    void OnRtp(RtpLeg leg, in RtpPacket packet, TimeSpan arrival);
}

/// <summary>
/// One party's RTP/RTCP endpoint: a port pair, the remote party, and the checks every inbound
/// datagram passes in order (source, rate, format, payload type). Whatever fails is dropped and
/// counted, never thrown. Outbound, it numbers packets with its own SSRC and sequence, so a
/// relayed stream stays continuous for the receiver when the source behind it changes.
/// </summary>
public sealed partial class RtpLeg : IDatagramSink, IAsyncDisposable
{
    private const int MaxDatagram = 1500;

    private readonly RtpPortPair _ports;
    private volatile RtpLegSettings _settings;
    private readonly IRtpLegSink _sink;
    private readonly MediaMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ReceiveReactor? _reactor;
    private readonly long _started;
    private readonly TokenBucket _rtpBucket;
    private readonly TokenBucket _rtcpBucket;
    private readonly Lock _send = new();
    private readonly byte[] _sendBuffer = new byte[MaxDatagram];
    private readonly CancellationTokenSource _stop = new();
    private Task _loops = Task.CompletedTask;
    private IPEndPoint? _remote;
    private long _lastReceived;
    private long _received;
    private long _sent;
    private readonly long[] _dropped = new long[4];

    // Outbound numbering, owned here whoever sends (the relay or a mixer), so the stream the party
    // receives stays continuous across relaying, mixing and source changes. RFC 3550 section 5.1:
    // random initial values. The next sequence number, and the timestamp the next frame starts at.
    private ushort _sequence = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
    private uint _nextTimestamp = (uint)Random.Shared.NextInt64(uint.MaxValue + 1L);
    private uint _lastSentTimestamp;

    // The relayed source the offsets below map, or null: the next forwarded packet re-anchors them.
    private uint? _forwardSource;
    private int _sequenceOffset;
    private uint _timestampOffset;

    /// <param name="reactor">Receives the leg's datagrams; null: one asynchronous receive loop per port on the thread pool.</param>
    public RtpLeg(Guid id, RtpPortPair ports, RtpLegSettings settings, IRtpLegSink sink, MediaMetrics metrics, TimeProvider time, ReceiveReactor? reactor = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(settings);
        (Id, _ports, _settings, _sink, _metrics, _time, _reactor) = (id, ports, settings, sink, metrics, time, reactor);
        _remote = settings.Remote;
        _started = time.GetTimestamp();
        _rtpBucket = new TokenBucket(settings.MaxPacketsPerSecond);
        _rtcpBucket = new TokenBucket(settings.MaxPacketsPerSecond);
        Ssrc = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
    }

    public Guid Id { get; }

    /// <summary>Our SSRC on this leg.</summary>
    public uint Ssrc { get; }

    public int LocalPort => _ports.Port;

    public AudioCodec Codec => _settings.Codec;

    /// <summary>Where we send: the negotiated remote party, or the latched one.</summary>
    public IPEndPoint? Remote => Volatile.Read(ref _remote);

    /// <summary>Receive statistics of the current remote source (null before its first packet).</summary>
    public RtpReceiveStatistics? Statistics { get; private set; }

    /// <summary>How long since the last accepted packet (or since the leg started).</summary>
    public TimeSpan Silence => _time.GetElapsedTime(Math.Max(Interlocked.Read(ref _lastReceived), _started));

    /// <summary>Accepted, sent and dropped packets, by reason.</summary>
    public RtpLegCounters Counters => new(
        Interlocked.Read(ref _received), Interlocked.Read(ref _sent),
        Interlocked.Read(ref _dropped[(int)RtpDropReason.ForeignSource]), Interlocked.Read(ref _dropped[(int)RtpDropReason.RateLimited]),
        Interlocked.Read(ref _dropped[(int)RtpDropReason.Malformed]), Interlocked.Read(ref _dropped[(int)RtpDropReason.PayloadType]));

    /// <summary>The leg's current settings.</summary>
    public RtpLegSettings Settings => _settings;

    /// <summary>
    /// Gives the leg its remote party and codec once they are known (a consultation call being
    /// dialled, or a re-offer); the ports stay the same, so the answer given earlier stays valid.
    /// </summary>
    public void Configure(RtpLegSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_send)
        {
            _settings = settings;
            Volatile.Write(ref _remote, settings.Remote ?? Volatile.Read(ref _remote));
        }
    }

    /// <summary>Starts receiving on both ports.</summary>
    public void Start()
    {
        StartReceiving();
        StartReports();
    }

    /// <summary>Sends one RTP packet with our SSRC, the next sequence number and the given timestamp; false when there is no remote party yet.</summary>
    public bool Send(ReadOnlySpan<byte> payload, uint timestamp, bool marker, byte? payloadType = null)
    {
        lock (_send)
        {
            _forwardSource = null;
            return SendLocked(payload, timestamp, marker, payloadType ?? _settings.Codec.PayloadType, _sequence, FrameUnits);
        }
    }

    /// <summary>
    /// Sends the next frame of our own stream (a mixer's output): <paramref name="samples"/> long,
    /// starting where the last packet sent on this leg ended, whether that was relayed or mixed.
    /// False when there is no remote party yet.
    /// </summary>
    public bool SendNext(ReadOnlySpan<byte> payload, int samples)
    {
        lock (_send)
        {
            _forwardSource = null;
            return SendLocked(payload, _nextTimestamp, marker: false, _settings.Codec.PayloadType, _sequence, (uint)samples);
        }
    }

    /// <summary>
    /// Sends another leg's packet exactly as it arrived (a multicast group's plain forwarding):
    /// its SSRC, numbering and payload are the original sender's. False when nothing was sent.
    /// </summary>
    public bool ForwardUnchanged(in RtpPacket packet)
    {
        if (Destination() is not { } destination)
        {
            return false;
        }

        try
        {
            _ports.RtpSend.SendTo(packet.Datagram, SocketFlags.None, destination.Rtp);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }

        Interlocked.Increment(ref _sent);
        _metrics.Sent();
        return true;
    }

    /// <summary>RTP timestamp units of one 20 ms frame in this leg's codec: what a relayed packet is taken to span.</summary>
    private uint FrameUnits => (uint)_settings.Codec.GetTimestampUnits(TimeSpan.FromMilliseconds(20));

    /// <summary>
    /// Relays a packet another leg received (a two-party call): sequence numbers and timestamps
    /// keep their gaps and order, shifted so the stream continues where it left off when the
    /// source changes; the codec is transcoded when the legs differ (G.711 only); telephone
    /// events pass when both legs negotiated them and are dropped otherwise. False when nothing was sent.
    /// </summary>
    public bool Forward(in RtpPacket packet, AudioCodec sourceCodec, byte? sourceTelephoneEvent)
    {
        ArgumentNullException.ThrowIfNull(sourceCodec);
        byte payloadType;
        var transcode = Transcoding.None;
        if (sourceTelephoneEvent is { } te && packet.PayloadType == te)
        {
            if (_settings.TelephoneEventPayloadType is not { } ours)
            {
                return false;
            }

            payloadType = ours;
        }
        else if (sourceCodec.Matches(_settings.Codec.EncodingName, _settings.Codec.ClockRate, _settings.Codec.Channels))
        {
            payloadType = _settings.Codec.PayloadType;
        }
        else
        {
            transcode = Transcoding.For(sourceCodec, _settings.Codec);
            if (transcode == Transcoding.Unsupported)
            {
                return false;
            }

            payloadType = _settings.Codec.PayloadType;
        }

        lock (_send)
        {
            if (_forwardSource != packet.Ssrc)
            {
                // A new source (or our own frames in between): continue from what we sent last.
                _forwardSource = packet.Ssrc;
                _sequenceOffset = (ushort)(_sequence - packet.SequenceNumber);
                _timestampOffset = _nextTimestamp - packet.Timestamp;
            }

            var sequence = (ushort)(packet.SequenceNumber + _sequenceOffset);
            var timestamp = packet.Timestamp + _timestampOffset;
            if (transcode == Transcoding.None)
            {
                return SendLocked(packet.Payload, timestamp, packet.Marker, payloadType, sequence, FrameUnits);
            }

            Span<byte> converted = stackalloc byte[Math.Min(packet.Payload.Length, MaxDatagram)];
            transcode.Apply(packet.Payload[..converted.Length], converted);
            return SendLocked(converted, timestamp, packet.Marker, payloadType, sequence, FrameUnits);
        }
    }

    /// <summary>Under the send lock: writes and sends one packet; on success the next sequence number and timestamp follow it.</summary>
    private bool SendLocked(ReadOnlySpan<byte> payload, uint timestamp, bool marker, byte payloadType, ushort sequence, uint units)
    {
        if (Destination() is not { } destination)
        {
            return false;
        }

        var builder = new RtpPacketBuilder { Marker = marker, PayloadType = payloadType, SequenceNumber = sequence, Timestamp = timestamp, Ssrc = Ssrc, Payload = payload };
        if (!builder.TryWrite(_sendBuffer, out var written))
        {
            return false;
        }

        try
        {
            _ports.RtpSend.SendTo(_sendBuffer.AsSpan(0, written), SocketFlags.None, destination.Rtp);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // ICMP unreachable from an earlier send, or a full buffer: the packet is lost, as on the
            // wire. Or the leg closed while another leg's packet was being relayed to it.
            return false;
        }

        _lastSentTimestamp = timestamp;
        _nextTimestamp = timestamp + units;
        _sequence = (ushort)(sequence + 1);
        Interlocked.Add(ref _sentOctets, payload.Length);
        Interlocked.Increment(ref _sent);
        _metrics.Sent();
        return true;
    }

    private void Drop(RtpDropReason reason)
    {
        Interlocked.Increment(ref _dropped[(int)reason]);
        _metrics.Dropped(reason);
    }

    /// <summary>Source check: the negotiated remote party, or with latching, the first source seen.</summary>
    private bool Accept(in DatagramSource source, bool rtcp)
    {
        if (_settings.AnySource)
        {
            return true; // a group: every sender (our own packets never get this far)
        }

        var remote = Remote;
        if (remote is null)
        {
            if (!_settings.LatchToFirstSource || rtcp)
            {
                return false;
            }

            Interlocked.CompareExchange(ref _remote, source.ToEndPoint(), null);
            remote = Remote!;
        }

        var expected = _settings.Source ?? remote;
        return source.Is(expected.Address, rtcp ? expected.Port + 1 : expected.Port);
    }

    /// <summary>
    /// Where packets go: the remote party's RTP and RTCP addresses, serialized once per remote party
    /// so that a send allocates nothing (a send to an <see cref="IPEndPoint"/> serializes it anew).
    /// </summary>
    private sealed record SendAddresses(IPEndPoint Remote, SocketAddress Rtp, SocketAddress Rtcp);

    private SendAddresses? _destination;

    /// <summary>The current remote party's send addresses, or null while there is none.</summary>
    private SendAddresses? Destination()
    {
        if (Remote is not { } remote)
        {
            return null;
        }

        var cached = Volatile.Read(ref _destination);
        if (cached is not null && ReferenceEquals(cached.Remote, remote))
        {
            return cached;
        }

        cached = new SendAddresses(remote, remote.Serialize(), new IPEndPoint(remote.Address, remote.Port + 1).Serialize());
        Volatile.Write(ref _destination, cached);
        return cached;
    }

    /// <summary>
    /// Sends a BYE, stops receiving (no datagram is handled once this has returned its task, with
    /// the reactor) and closes the ports at once (they are free again when this returns its task),
    /// then waits for the receive loops, if any.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _reports?.Dispose();
        SendReport(goodbye: true); // section 6.6: BYE when the leg ends
        StopReceiving();
        _ports.Dispose();
        try
        {
            await _loops.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }
}

/// <summary>A leg's quality (see <see cref="RtpLeg.Quality"/>); null where nothing is known yet.</summary>
/// <param name="Expected">Packets expected from the party so far (from its sequence numbers).</param>
/// <param name="Lost">Packets lost from the party so far (expected minus received; duplicates can make it negative).</param>
/// <param name="JitterMs">Interarrival jitter of the party's stream, in milliseconds.</param>
/// <param name="PartyFractionLost">The fraction of our packets the party lost in its last report interval (0 to 1).</param>
/// <param name="PartyLost">The party's cumulative count of our packets lost.</param>
/// <param name="PartyJitterMs">The interarrival jitter the party measures on our stream, in milliseconds.</param>
/// <param name="RoundTripMs">The round trip from the party's last report block with an LSR (A - LSR - DLSR), in milliseconds.</param>
public sealed record RtpLegStatistics(long? Expected, int? Lost, double? JitterMs, double? PartyFractionLost, int? PartyLost, double? PartyJitterMs, double? RoundTripMs);

/// <summary>A leg's packet counts.</summary>
public sealed record RtpLegCounters(long Received, long Sent, long DroppedForeignSource, long DroppedRateLimited, long DroppedMalformed, long DroppedPayloadType);
