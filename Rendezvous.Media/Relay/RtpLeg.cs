using System.Net;
using System.Net.Sockets;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Mixing;
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
    /// <summary>The largest datagram a leg sends or takes (an Ethernet MTU).</summary>
    internal const int MaxDatagram = 1500;

    private readonly RtpPortPair _ports;
    private readonly bool _groupPorts;
    private readonly IRtpLegSink _sink;
    private readonly MediaMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ReceiveReactor? _reactor;
    private readonly long _started;
    private readonly RtpSender _sender;
    private readonly CancellationTokenSource _stop = new();
    private readonly long[] _dropped = new long[4];

    // Settings and the remote party change together under _configure (rarely); the receive path reads
    // _profile, their flattened copy, and the send path the sender's own copy.
    private readonly Lock _configure = new();
    private volatile RtpLegSettings _settings;
    private volatile ReceiveProfile _profile;
    private IPEndPoint? _remote;

    // Where RTCP goes: the remote party's RTCP address, serialized once per remote party (Reconfigure), so
    // that a report allocates no address; null while there is no remote party.
    private volatile SocketAddress? _reportAddress;

    private volatile IRtpLegSink? _route;
    private volatile bool _stopped;
    private Task _loops = Task.CompletedTask;
    private TokenBucket _rtpBucket;
    private TokenBucket _rtcpBucket;
    private long _lastReceived;
    private long _received;

    /// <param name="reactor">
    /// Receives the leg's datagrams, and the leg sends with its own system calls (Linux); null: one
    /// asynchronous receive loop per port on the thread pool, and sends through .NET's sockets.
    /// </param>
    public RtpLeg(Guid id, RtpPortPair ports, RtpLegSettings settings, IRtpLegSink sink, MediaMetrics metrics, TimeProvider time, ReceiveReactor? reactor = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(settings);
        (Id, _ports, _settings, _sink, _metrics, _time, _reactor) = (id, ports, settings, sink, metrics, time, reactor);
        _groupPorts = ports.SendsSeparately; // copied, so that a datagram need not read the ports to skip IsOwn
        _remote = settings.Remote;
        _started = time.GetTimestamp();
        _rtpBucket = new TokenBucket(settings.MaxPacketsPerSecond);
        _rtcpBucket = new TokenBucket(settings.MaxPacketsPerSecond);
        Ssrc = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        _sender = new RtpSender(Ssrc, ports.RtpSend, metrics, native: reactor is not null && ReceiveReactor.IsSupported);
        _profile = Reconfigure();
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
        Interlocked.Read(ref _received), _sender.Sent,
        Interlocked.Read(ref _dropped[(int)RtpDropReason.ForeignSource]), Interlocked.Read(ref _dropped[(int)RtpDropReason.RateLimited]),
        Interlocked.Read(ref _dropped[(int)RtpDropReason.Malformed]), Interlocked.Read(ref _dropped[(int)RtpDropReason.PayloadType]));

    /// <summary>The leg's current settings.</summary>
    public RtpLegSettings Settings => _settings;

    /// <summary>Where a mixer delivers this leg's mix: the leg's outbound stream, with nothing looked up per frame.</summary>
    internal IMixerOutput MixOutput => _sender;

    /// <summary>
    /// Gives the leg its remote party and codec once they are known (a consultation call being
    /// dialled, or a re-offer); the ports stay the same, so the answer given earlier stays valid.
    /// </summary>
    public void Configure(RtpLegSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        lock (_configure)
        {
            _settings = settings;
            Volatile.Write(ref _remote, settings.Remote ?? Volatile.Read(ref _remote));
            _profile = Reconfigure();
        }
    }

    /// <summary>
    /// Where accepted RTP goes from now on (a route the owner resolved once, so a packet looks nothing up);
    /// null: the sink the leg was made with.
    /// </summary>
    public void Redirect(IRtpLegSink? route) => _route = route;

    /// <summary>Starts receiving on both ports.</summary>
    public void Start()
    {
        StartReceiving();
        StartReports();
    }

    /// <summary>Sends one RTP packet with our SSRC, the next sequence number and the given timestamp; false when there is no remote party yet.</summary>
    public bool Send(ReadOnlySpan<byte> payload, uint timestamp, bool marker, byte? payloadType = null) =>
        _sender.Send(payload, timestamp, marker, payloadType);

    /// <summary>
    /// Sends the next frame of our own stream (a mixer's output): <paramref name="samples"/> long,
    /// starting where the last packet sent on this leg ended, whether that was relayed or mixed.
    /// False when there is no remote party yet.
    /// </summary>
    public bool SendNext(ReadOnlySpan<byte> payload, int samples) => _sender.SendNext(payload, samples);

    /// <summary>
    /// Sends another leg's packet exactly as it arrived (a multicast group's plain forwarding):
    /// its SSRC, numbering and payload are the original sender's. False when nothing was sent.
    /// </summary>
    public bool ForwardUnchanged(in RtpPacket packet) => _sender.SendUnchanged(packet.Datagram);

    /// <summary>RTP timestamp units of one 20 ms frame in this leg's codec: what a relayed packet is taken to span.</summary>
    private static uint FrameUnits(AudioCodec codec) => (uint)codec.GetTimestampUnits(TimeSpan.FromMilliseconds(20));

    /// <summary>
    /// Relays a packet another leg received (a two-party call): sequence numbers and timestamps
    /// keep their gaps and order, shifted so the stream continues where it left off when the
    /// source changes; the codec is transcoded when the legs differ (G.711 only); telephone
    /// events pass when both legs negotiated them and are dropped otherwise. False when nothing was sent.
    /// </summary>
    public bool Forward(in RtpPacket packet, AudioCodec sourceCodec, byte? sourceTelephoneEvent)
    {
        ArgumentNullException.ThrowIfNull(sourceCodec);
        var settings = _settings;
        if (sourceTelephoneEvent is { } te && packet.PayloadType == te)
        {
            return settings.TelephoneEventPayloadType is { } ours && _sender.Forward(packet, ours, Transcoding.None);
        }

        if (sourceCodec.Matches(settings.Codec.EncodingName, settings.Codec.ClockRate, settings.Codec.Channels))
        {
            return _sender.Forward(packet, settings.Codec.PayloadType, Transcoding.None);
        }

        var transcode = Transcoding.For(sourceCodec, settings.Codec);
        return transcode != Transcoding.Unsupported && _sender.Forward(packet, settings.Codec.PayloadType, transcode);
    }

    /// <summary>
    /// Under <see cref="_configure"/> (or in the constructor): points the sender and the RTCP reports at the
    /// current remote party and codec, and flattens what the receive checks read per datagram.
    /// </summary>
    private ReceiveProfile Reconfigure()
    {
        var settings = _settings;
        var remote = Volatile.Read(ref _remote);
        _sender.Retarget(remote, settings.Codec.PayloadType, FrameUnits(settings.Codec));
        _reportAddress = remote is null ? null : new IPEndPoint(remote.Address, remote.Port + 1).Serialize();
        DatagramSource? expected = (settings.Source ?? remote) is { } from ? DatagramSource.From(from) : null;
        return new ReceiveProfile(
            settings.AnySource,
            remote is not null,
            settings.LatchToFirstSource,
            expected,
            expected is { } rtp ? rtp with { Port = rtp.Port + 1 } : null,
            settings.Codec.PayloadType,
            settings.TelephoneEventPayloadType ?? -1,
            settings.Codec.ClockRate);
    }

    /// <summary>What the receive checks need per datagram, in one object: the settings and remote party flattened.</summary>
    /// <param name="AnySource">A group: every sender is heard.</param>
    /// <param name="HasRemote">The remote party is known (negotiated or latched); until it is, nothing is heard but a source to latch to.</param>
    /// <param name="Latch">The first source becomes the remote party.</param>
    /// <param name="Rtp">Where RTP must come from (<see cref="RtpLegSettings.Source"/>, else the remote party); null while neither is known.</param>
    /// <param name="Rtcp">Where RTCP must come from (the RTP port plus one).</param>
    /// <param name="PayloadType">The codec's payload type.</param>
    /// <param name="TelephoneEvent">The telephone-event payload type, or -1.</param>
    /// <param name="ClockRate">The codec's clock rate.</param>
    private sealed record ReceiveProfile(bool AnySource, bool HasRemote, bool Latch, DatagramSource? Rtp, DatagramSource? Rtcp, byte PayloadType, int TelephoneEvent, int ClockRate);

    private void Drop(RtpDropReason reason)
    {
        Interlocked.Increment(ref _dropped[(int)reason]);
        _metrics.Dropped(reason);
    }

    /// <summary>Source check: the negotiated remote party, or with latching, the first source seen.</summary>
    private bool Accept(in DatagramSource source, bool rtcp)
    {
        var profile = _profile;
        if (profile.AnySource)
        {
            return true; // a group: every sender (our own packets never get this far)
        }

        if (!profile.HasRemote)
        {
            if (!profile.Latch || rtcp)
            {
                return false;
            }

            lock (_configure)
            {
                if (Volatile.Read(ref _remote) is null)
                {
                    Volatile.Write(ref _remote, source.ToEndPoint());
                    _profile = Reconfigure();
                }
            }

            profile = _profile;
        }

        return (rtcp ? profile.Rtcp : profile.Rtp) is { } expected && source == expected;
    }

    /// <summary>
    /// Sends a BYE, stops receiving (no datagram is handled once this has returned its task, with
    /// the reactor), stops sending and closes the ports at once (they are free again when this returns
    /// its task), then waits for the receive loops, if any.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _reports?.Dispose();
        SendReport(goodbye: true); // section 6.6: BYE when the leg ends
        StopReceiving();
        _sender.Close();
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
