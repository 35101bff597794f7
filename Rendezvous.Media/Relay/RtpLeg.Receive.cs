using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Rendezvous.Media.Rtcp;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Relay;

/// <summary>The receive loops: every datagram is checked in order (source, rate, format, payload type) and dropped and counted at the first failure.</summary>
public sealed partial class RtpLeg
{
    private delegate void DatagramHandler(ReadOnlySpan<byte> datagram, TimeSpan now);

    private Task ReceiveRtpAsync(CancellationToken cancellationToken) =>
        ReceiveLoopAsync(_ports.Rtp, rtcp: false, _rtpBucket, OnRtpDatagram, cancellationToken);

    private Task ReceiveRtcpAsync(CancellationToken cancellationToken) =>
        ReceiveLoopAsync(_ports.Rtcp, rtcp: true, _rtcpBucket, OnRtcpDatagram, cancellationToken);

    /// <summary>The first two checks, source and rate, before a datagram is even parsed.</summary>
    private async Task ReceiveLoopAsync(Socket socket, bool rtcp, TokenBucket bucket, DatagramHandler handle, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        try
        {
            while (await ReceiveAsync(socket, buffer, cancellationToken).ConfigureAwait(false) is { } received)
            {
                var (length, source) = received;
                if (_ports.IsOwn(source, rtcp))
                {
                    continue; // our own packet, looped back by the multicast group: not a drop
                }

                if (!Accept(source, rtcp))
                {
                    Drop(RtpDropReason.ForeignSource);
                    continue;
                }

                var now = _time.GetElapsedTime(_started);
                if (!bucket.TryTake(now))
                {
                    Drop(RtpDropReason.RateLimited);
                    continue;
                }

                handle(buffer.AsSpan(0, length), now);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void OnRtpDatagram(ReadOnlySpan<byte> datagram, TimeSpan now)
    {
        var decoded = RtpPacket.Read(datagram);
        if (!decoded.IsValid)
        {
            Drop(RtpDropReason.Malformed);
            return;
        }

        var packet = decoded.Packet;
        if (packet.PayloadType != _settings.Codec.PayloadType && packet.PayloadType != _settings.TelephoneEventPayloadType)
        {
            Drop(RtpDropReason.PayloadType);
            return;
        }

        if (Statistics is not { } statistics || (statistics.Ssrc != packet.Ssrc && !_settings.AnySource))
        {
            statistics = Statistics = new RtpReceiveStatistics(packet.Ssrc, _settings.Codec.ClockRate);
        }

        if (statistics.Ssrc == packet.Ssrc)
        {
            statistics.OnPacket(packet.SequenceNumber, packet.Timestamp, now);
        }

        Interlocked.Exchange(ref _lastReceived, _time.GetTimestamp());
        Interlocked.Increment(ref _received);
        _metrics.Received();
        _sink.OnRtp(this, packet, now);
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


    // Only read by ReceiveFromAsync (it returns a new endpoint for each datagram): shared, not made per datagram.
    private static readonly IPEndPoint AnyV4 = new(IPAddress.Any, 0);
    private static readonly IPEndPoint AnyV6 = new(IPAddress.IPv6Any, 0);

    /// <summary>The next datagram, or null once the leg stops. Socket errors other than closing (an ICMP unreachable, say) are skipped.</summary>
    private static async Task<(int Length, IPEndPoint Source)?> ReceiveAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? AnyV6 : AnyV4;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var result = await socket.ReceiveFromAsync(buffer.AsMemory(0, MaxDatagram), SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                return (result.ReceivedBytes, (IPEndPoint)result.RemoteEndPoint);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                // ICMP port unreachable from an earlier send, or a datagram longer than any RTP we take.
            }
        }

        return null;
    }
}

/// <summary>A packets-per-second limit with a burst of a fifth of a second (at least 10 packets).</summary>
internal sealed class TokenBucket(int perSecond)
{
    private readonly double _capacity = Math.Max(10, perSecond / 5.0);
    private double _tokens = Math.Max(10, perSecond / 5.0);
    private TimeSpan _last;

    public bool TryTake(TimeSpan now)
    {
        _tokens = Math.Min(_capacity, _tokens + (now - _last).TotalSeconds * perSecond);
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
