using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Rtp;

namespace Rendezvous.LoadDriver;

/// <summary>
/// One leg of the media load: its UDP socket (bound to 127.0.0.1 and its own port), what it sends,
/// and what it recorded of the server's packets in the measured window.
/// </summary>
internal sealed class MediaLeg : IDisposable
{
    private readonly Socket _rtcp;
    private int _lastSequence = -1;
    private int _extended;

    public MediaLeg(int port, LegRole role, MarkerClock? marker, TimeSpan recorded)
    {
        Socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        // The RTCP port (RFC 3550 section 11): bound so the servers' reports land somewhere (never read;
        // once its buffer is full they are dropped silently) rather than drawing ICMP errors.
        _rtcp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _rtcp.Bind(new IPEndPoint(IPAddress.Loopback, port + 1));
        (Port, Role, Marker) = (port, role, marker);
        // RFC 3550 section 5.1: random initial sequence number, timestamp and SSRC.
#pragma warning disable CA5394 // not security: RTP numbering
        Sequence = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
        Timestamp = (uint)Random.Shared.NextInt64(uint.MaxValue + 1L);
        Ssrc = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
#pragma warning restore CA5394
        // One record per packet the server sends in the window (50/s), with room for bursts.
        Records = new long[(int)(recorded.TotalSeconds * 50 * 1.5) + 64];
        Latencies = new List<double>((int)(recorded.TotalSeconds * 2) + 8);
        Socket.Blocking = false; // read only when epoll says it is readable
    }

    public Socket Socket { get; }

    public int Port { get; }

    public LegRole Role { get; }

    public MarkerClock? Marker { get; }

    /// <summary>The server's RTP address for this leg, serialised once so that each send costs no conversion.</summary>
    public SocketAddress? Server { get; set; }

    // Sender thread only.
    public ushort Sequence { get; set; }

    public uint Timestamp { get; set; }

    public uint Ssrc { get; }

    public long Sent { get; set; }

    // Receive completions only (one at a time per leg).

    /// <summary>Packets received at any time (warm-up included).</summary>
    public long ReceivedAll { get; private set; }

    /// <summary>Packets received in the measured window.</summary>
    public long Received { get; private set; }

    /// <summary>Lowest and highest extended sequence number received in the window.</summary>
    public int FirstSequence { get; private set; } = int.MaxValue;

    public int LastSequence { get; private set; } = int.MinValue;

    /// <summary>Per packet in the window: arrival minus (extended sequence × 20 ms), in Stopwatch ticks; the smallest is the schedule.</summary>
    public long[] Records { get; }

    public int RecordCount { get; private set; }

    /// <summary>Listener legs: marker-to-arrival times in milliseconds.</summary>
    public List<double> Latencies { get; }

    public int LastMarkerSerial { get; set; }

    /// <summary>Receives that failed with a socket error (an ICMP unreachable, say).</summary>
    public long Errors { get; set; }

    public SocketError LastError { get; set; }

    /// <summary>Extends a 16-bit sequence number across wrap-arounds (and backwards for reordering).</summary>
    public int Extend(ushort sequence)
    {
        _extended = _lastSequence < 0 ? sequence : _extended + (short)(sequence - (ushort)_lastSequence);
        _lastSequence = sequence;
        ReceivedAll++;
        return _extended;
    }

    public void Record(int extended, long arrival, long frameTicks)
    {
        Received++;
        FirstSequence = Math.Min(FirstSequence, extended);
        LastSequence = Math.Max(LastSequence, extended);
        if (RecordCount < Records.Length)
        {
            Records[RecordCount++] = arrival - extended * frameTicks;
        }
    }

    public void Dispose()
    {
        Socket.Dispose();
        _rtcp.Dispose();
    }
}

/// <summary>
/// Runs the legs: one sending thread on a drift-free schedule, one receiving thread (epoll over
/// every leg's socket), CPU read from /proc at the edges of the measured window.
/// </summary>
internal sealed class MediaEngine(MediaLeg[] legs, TimeSpan warmup, TimeSpan window, IReadOnlyDictionary<string, int> processes, Func<JsonElement?> serverStats)
{
    private const int Samples = 160;
    private const int PacketLength = RtpPacket.FixedHeaderLength + Samples;

    /// <summary>Mean absolute sample above which a received frame is the marker (the loud frame has about 12,700; a talker 1,900).</summary>
    private const int LoudThreshold = 6000;

    private static readonly long FrameTicks = Stopwatch.Frequency / 50;
    private static readonly byte[] Tone = Frame(400, 3000);
    private static readonly byte[] Loud = Frame(1000, 20000);
    private static readonly byte[] Silence = Frame(0, 0);

    private readonly long[] _senderLateness = new long[101]; // 0.1 ms bins up to 10 ms
    private long _windowStart;
    private long _windowEnd;
    private long _sent;
    private long _sendErrors;

    public MediaRun Run()
    {
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 5;
        _windowStart = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        _windowEnd = _windowStart + (long)(window.TotalSeconds * Stopwatch.Frequency);
        using var receiver = new MediaReceiver(legs);
        var receiving = new Thread(() => receiver.Run(Take)) { Name = "media receiver", IsBackground = true };
        receiving.Start();
        var sender = new Thread(() => Send(start, _windowEnd + Stopwatch.Frequency / 10)) { Name = "media sender", IsBackground = true };
        sender.Start();
        SleepUntil(_windowStart);
        var before = Cpu.Snapshot(processes);
        var t0 = Stopwatch.GetTimestamp();
        var statsBefore = serverStats();
        SleepUntil(_windowEnd);
        var after = Cpu.Snapshot(processes);
        var seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var statsAfter = serverStats();
        sender.Join();
        Thread.Sleep(300); // the last packets in flight
        receiver.Stop();
        receiving.Join();
        return new MediaRun(Cpu.Delta(before, after), Interlocked.Read(ref _sent), Interlocked.Read(ref _sendErrors), seconds, SenderLatenessP99(), statsBefore, statsAfter);
    }

    /// <summary>Leg i's packet k is due at start + k × 20 ms + i × 20 ms / legs: never by sleeping 20 ms, so lateness does not add up.</summary>
    private void Send(long start, long stopAt)
    {
        var buffer = new byte[PacketLength];
        var n = legs.Length;
        long round = 0;
        var index = 0;
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            var due = start + round * FrameTicks + index * FrameTicks / n;
            while (due <= now)
            {
                SendOne(legs[index], buffer, now);
                _senderLateness[Math.Min(100, (int)((now - due) * 10_000 / Stopwatch.Frequency))]++;
                if (++index == n)
                {
                    index = 0;
                    round++;
                }

                due = start + round * FrameTicks + index * FrameTicks / n;
            }

            if (now >= stopAt)
            {
                return;
            }

            // Everything due is sent: sleep, never spin. On the driver's one core a spinning sender
            // would take the receiver's time. A packet leaves up to about a millisecond late, which
            // the servers' jitter buffers absorb; their output schedule is what is measured.
            Thread.Sleep(1);
        }
    }

    private void SendOne(MediaLeg leg, byte[] buffer, long now)
    {
        var payload = leg.Role switch
        {
            LegRole.Talker => Tone,
            LegRole.Marker when leg.Sent % MarkerClock.Every == 0 && now >= _windowStart && now < _windowEnd => Loud,
            _ => Silence,
        };
        var builder = new RtpPacketBuilder { PayloadType = 0, SequenceNumber = leg.Sequence, Timestamp = leg.Timestamp, Ssrc = leg.Ssrc, Payload = payload };
        builder.TryWrite(buffer, out var written);
        if (ReferenceEquals(payload, Loud))
        {
            leg.Marker!.Sent(Stopwatch.GetTimestamp());
        }

        try
        {
            leg.Socket.SendTo(buffer.AsSpan(0, written), SocketFlags.None, leg.Server!);
            _sent++;
        }
        catch (SocketException)
        {
            _sendErrors++;
        }

        leg.Sequence++;
        leg.Timestamp += Samples;
        leg.Sent++;
    }

    /// <summary>Records one received datagram (on the receiver thread).</summary>
    private void Take(MediaLeg leg, ReadOnlySpan<byte> datagram, long arrival)
    {
        var decoded = RtpPacket.Read(datagram);
        if (!decoded.IsValid)
        {
            return;
        }

        var packet = decoded.Packet;
        if (packet.PayloadType != 0)
        {
            return; // PCMU only
        }

        var extended = leg.Extend(packet.SequenceNumber);
        if (arrival < _windowStart || arrival >= _windowEnd)
        {
            return;
        }

        leg.Record(extended, arrival, FrameTicks);
        if (leg.Role == LegRole.Listener && leg.Marker is { } marker && marker.Serial is var serial && serial != leg.LastMarkerSerial && IsLoud(packet.Payload))
        {
            leg.LastMarkerSerial = serial;
            leg.Latencies.Add((arrival - marker.SentAt) * 1000.0 / Stopwatch.Frequency);
        }
    }

    private static bool IsLoud(ReadOnlySpan<byte> payload)
    {
        long sum = 0;
        foreach (var code in payload)
        {
            sum += Math.Abs((int)MuLaw.Decode(code));
        }

        return payload.Length > 0 && sum / payload.Length > LoudThreshold;
    }

    private double SenderLatenessP99()
    {
        var total = _senderLateness.Sum();
        long seen = 0;
        for (var i = 0; i < _senderLateness.Length; i++)
        {
            seen += _senderLateness[i];
            if (seen * 100 >= total * 99)
            {
                return i / 10.0;
            }
        }

        return 10;
    }

    private static void SleepUntil(long timestamp)
    {
        while (Stopwatch.GetTimestamp() < timestamp)
        {
            Thread.Sleep(5);
        }
    }

    /// <summary>One 20 ms µ-law frame of a sine (a whole number of periods at 400 and 1000 Hz), or digital silence.</summary>
    private static byte[] Frame(int hertz, int amplitude)
    {
        var pcm = new short[Samples];
        for (var s = 0; s < Samples; s++)
        {
            pcm[s] = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * hertz * s / 8000.0));
        }

        var codes = new byte[Samples];
        MuLaw.Encode(pcm, codes);
        return codes;
    }
}
