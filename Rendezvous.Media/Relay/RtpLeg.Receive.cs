using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Rendezvous.Media.Relay.Reactor;
using Rendezvous.Media.Rtcp;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Relay;

/// <summary>Receiving: every datagram is checked in order (source, rate, format, payload type) and dropped and counted at the first failure.</summary>
public sealed partial class RtpLeg
{
    private ReactorRegistration? _registration;

    /// <summary>Starts receiving on both ports: through the reactor when the leg has one, else one asynchronous receive loop per port.</summary>
    private void StartReceiving()
    {
        if (_reactor is not null)
        {
            _registration = _reactor.Register(this, _ports.Rtp, _ports.Rtcp);
        }
        else
        {
            _loops = Task.WhenAll(ReceiveLoopAsync(_ports.Rtp, rtcp: false, _stop.Token), ReceiveLoopAsync(_ports.Rtcp, rtcp: true, _stop.Token));
        }
    }

    /// <summary>Stops receiving before the ports close: after this no datagram reaches the leg's checks (the reactor guarantees it; the loops see the cancellation).</summary>
    private void StopReceiving()
    {
        _stopped = true;
        _stop.Cancel();
        if (_registration is { } registration)
        {
            ReceiveReactor.Unregister(registration);
        }
    }

    /// <summary>A datagram from the reactor: channel 0 is the RTP socket, 1 the RTCP socket.</summary>
    void IDatagramSink.OnDatagram(int channel, ReadOnlySpan<byte> datagram, in DatagramSource source) => OnDatagram(channel == 1, datagram, source);

    /// <summary>The first two checks, source and rate, before a datagram is even parsed; then the RTP or RTCP checks.</summary>
    private void OnDatagram(bool rtcp, ReadOnlySpan<byte> datagram, in DatagramSource source)
    {
        if (_stopped || (_groupPorts && _ports.IsOwn(source, rtcp)))
        {
            return; // stopped; or our own packet, looped back by the multicast group: not a drop
        }

        if (!Accept(source, rtcp))
        {
            Drop(RtpDropReason.ForeignSource);
            return;
        }

        var stamp = _time.GetTimestamp();
        var now = _time.GetElapsedTime(_started, stamp);
        ref var bucket = ref rtcp ? ref _rtcpBucket : ref _rtpBucket;
        if (!bucket.TryTake(now))
        {
            Drop(RtpDropReason.RateLimited);
            return;
        }

        if (rtcp)
        {
            OnRtcpDatagram(datagram, now);
        }
        else
        {
            OnRtpDatagram(datagram, stamp, now);
        }
    }

    /// <summary>
    /// The fallback receive path (off Linux, or with no reactor): one asynchronous receive after
    /// another, into one buffer and one <see cref="SocketAddress"/> reused for every datagram. Socket
    /// errors other than closing (an ICMP unreachable, say) are skipped.
    /// </summary>
    private async Task ReceiveLoopAsync(Socket socket, bool rtcp, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        var from = new SocketAddress(socket.AddressFamily);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int length;
                try
                {
                    length = await socket.ReceiveFromAsync(buffer.AsMemory(0, MaxDatagram), SocketFlags.None, from, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.MessageSize)
                {
                    // ICMP port unreachable from an earlier send (reset on Windows, refused on Linux), or a datagram longer than any RTP we take.
                    continue;
                }

                OnDatagram(rtcp, buffer.AsSpan(0, length), DatagramSource.From(from));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <param name="stamp">The arrival as a <see cref="TimeProvider"/> timestamp.</param>
    /// <param name="now">The arrival as time since the leg started.</param>
    private void OnRtpDatagram(ReadOnlySpan<byte> datagram, long stamp, TimeSpan now)
    {
        var decoded = RtpPacket.Read(datagram);
        if (!decoded.IsValid)
        {
            Drop(RtpDropReason.Malformed);
            return;
        }

        var packet = decoded.Packet;
        var profile = _profile;
        if (packet.PayloadType != profile.PayloadType && packet.PayloadType != profile.TelephoneEvent)
        {
            Drop(RtpDropReason.PayloadType);
            return;
        }

        if (Statistics is not { } statistics || (statistics.Ssrc != packet.Ssrc && !profile.AnySource))
        {
            statistics = Statistics = new RtpReceiveStatistics(packet.Ssrc, profile.ClockRate);
        }

        if (statistics.Ssrc == packet.Ssrc)
        {
            statistics.OnPacket(packet.SequenceNumber, packet.Timestamp, now);
        }

        Volatile.Write(ref _lastReceived, stamp);
        Interlocked.Increment(ref _received);
        _metrics.Received();
        (_route ?? _sink).OnRtp(this, packet, now);
    }

    private void OnRtcpDatagram(ReadOnlySpan<byte> datagram, TimeSpan now)
    {
        var decoded = RtcpCompound.Read(datagram);
        if (!decoded.IsValid)
        {
            Drop(RtpDropReason.Malformed);
            return;
        }

        foreach (var packet in decoded.Packets)
        {
            if (packet is RtcpSenderReport report && Statistics is { } statistics && statistics.Ssrc == report.Ssrc)
            {
                statistics.OnSenderReport(report.SenderInfo.NtpTimestamp, now);
            }

            if (packet is RtcpReportPacket reports)
            {
                foreach (var block in reports.ReportBlocks)
                {
                    if (block.Ssrc == Ssrc)
                    {
                        OnReportAboutUs(block);
                    }
                }
            }
        }
    }

    /// <summary>The party's report on what we send it: its loss and jitter, and the round trip (section 6.4.1) once it has had an SR from us.</summary>
    private void OnReportAboutUs(in RtcpReportBlock block)
    {
        var arrival = NtpTimestamp.FromDateTimeOffset(_time.GetUtcNow());
        var roundTrip = block.TryGetRoundTripTime(arrival, out var rtt) ? rtt : (TimeSpan?)null;
        var previous = Volatile.Read(ref _partyReport);
        Volatile.Write(ref _partyReport, new PartyReport(block.FractionLost, block.CumulativeLost, block.Jitter, roundTrip ?? previous?.RoundTrip));
    }

    /// <summary>The last report block the party sent about our stream, and the last round trip computed from one.</summary>
    private sealed record PartyReport(byte FractionLost, int CumulativeLost, uint Jitter, TimeSpan? RoundTrip);

    private PartyReport? _partyReport;

    /// <summary>
    /// The leg's quality now: what we receive from the party (loss and interarrival jitter, RFC 3550
    /// appendix A.3 and A.8), and what the party last reported receiving from us, with the round trip.
    /// Null fields are not known yet (no packet, or no report from the party).
    /// </summary>
    public RtpLegStatistics Quality()
    {
        var statistics = Statistics;
        var party = Volatile.Read(ref _partyReport);
        var sequence = statistics?.Sequence;
        var clockRate = _settings.Codec.ClockRate;
        return new RtpLegStatistics(
            sequence is { IsValid: true } s ? s.Expected : null,
            sequence is { IsValid: true } r ? r.CumulativeLost : null,
            statistics?.JitterTime.TotalMilliseconds,
            party?.FractionLost / 256.0,
            party?.CumulativeLost,
            party is null ? null : party.Jitter * 1000.0 / clockRate,
            party?.RoundTrip?.TotalMilliseconds);
    }
}

/// <summary>
/// A packets-per-second limit with a burst of a fifth of a second (at least 10 packets). A mutable struct,
/// kept inline in its leg and used through a reference (a copy would not count).
/// </summary>
internal struct TokenBucket(int perSecond)
{
    private readonly int _perSecond = perSecond;
    private readonly double _capacity = Math.Max(10, perSecond / 5.0);
    private double _tokens = Math.Max(10, perSecond / 5.0);
    private TimeSpan _last;

    public bool TryTake(TimeSpan now)
    {
        _tokens = Math.Min(_capacity, _tokens + (now - _last).TotalSeconds * _perSecond);
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
