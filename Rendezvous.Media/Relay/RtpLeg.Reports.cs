using System.Net;
using System.Net.Sockets;
using Rendezvous.Media.Rtcp;

namespace Rendezvous.Media.Relay;

/// <summary>Our own RTCP (RFC 3550 section 6): a compound SR or RR with SDES CNAME, at a randomised interval, and a BYE when the leg ends.</summary>
public sealed partial class RtpLeg
{
    private ITimer? _reports;
    private long _sentAtLastReport;

    /// <summary>Our CNAME (section 6.5.1): unique per leg, stable for its life.</summary>
    public string Cname => $"rendezvous-{Ssrc:x8}@{_ports.Port}";

    private void StartReports()
    {
        // Section 6.2 / 6.3.1: the minimum interval is 5 s; each report waits a random 0.5 to 1.5 times the interval.
        _reports = _time.CreateTimer(_ => SendReport(goodbye: false), null, NextReportIn(), Timeout.InfiniteTimeSpan);
    }

    private TimeSpan NextReportIn() => _settings.RtcpInterval * (0.5 + Random.Shared.NextDouble());

    /// <summary>Sends one compound report now (an SR when we sent RTP since the last one), then schedules the next.</summary>
    private void SendReport(bool goodbye)
    {
        try
        {
            if (_reportAddress is not { } destination)
            {
                return;
            }

            var (sent, octets, lastTimestamp) = _sender.Totals();
            var sender = Interlocked.Exchange(ref _sentAtLastReport, sent) != sent
                ? new RtcpSenderInfo(NtpTimestamp.FromDateTimeOffset(_time.GetUtcNow()), lastTimestamp, (uint)sent, (uint)octets)
                : (RtcpSenderInfo?)null;

            ReadOnlySpan<RtcpReportBlock> blocks = Statistics is { } statistics && statistics.TryCreateReportBlock(_time.GetElapsedTime(_started), out var block) ? [block] : [];
            var packets = goodbye ? RtcpCompound.CreateGoodbye(Ssrc, sender, blocks, Cname, "call ended") : RtcpCompound.CreateReport(Ssrc, sender, blocks, Cname);
            _ports.RtcpSend.SendTo(RtcpCompound.Encode(packets), SocketFlags.None, destination);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The party is gone or the leg is closing: the next report (if any) tries again.
        }
        finally
        {
            if (!goodbye && !_stopped)
            {
                try
                {
                    _reports?.Change(NextReportIn(), Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }
    }
}
