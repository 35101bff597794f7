using Rendezvous.Media.Codecs;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media.Mixing;

/// <summary>
/// A multicast group as one mixer input: every sender in the group (by SSRC) gets its own
/// <see cref="InboundAudio"/> (jitter buffer and concealment), and each tick sums their frames,
/// clamped to 16 bits. So a member hears everyone in the group, and the group, as one mixer
/// participant, hears the members' mix without any of its own senders (N-1 over the whole group).
/// At most <see cref="MaxSenders"/> senders at once: a new one takes the slot of one silent for a
/// second, or is ignored and counted. Allocates only when a new sender first arrives.
/// </summary>
public sealed class GroupAudio : IMixerSource
{
    /// <summary>Senders mixed at once.</summary>
    public const int MaxSenders = 16;

    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly AudioCodec _codec;
    private readonly JitterBufferOptions _options;
    private readonly Sender?[] _senders = new Sender?[MaxSenders];
    private readonly short[] _frame;
    private readonly int[] _sum;
    private long _ignored;

    public GroupAudio(AudioCodec codec, JitterBufferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_codec, _options) = (codec, options);
        _frame = new short[options.SamplesPerFrame];
        _sum = new int[options.SamplesPerFrame];
    }

    /// <summary>Senders held now, each with its own input (a silent one keeps its slot until a new sender needs it).</summary>
    public int Senders
    {
        get
        {
            lock (_lock)
            {
                return _senders.Count(s => s is not null);
            }
        }
    }

    /// <summary>Packets from new senders while every slot was taken by a live one.</summary>
    public long IgnoredPackets => Interlocked.Read(ref _ignored);

    /// <summary>Buffers a packet of the group's codec under its sender; other payload types are ignored by the sender's input.</summary>
    public void Push(in RtpPacket packet, TimeSpan arrival)
    {
        Sender? sender;
        lock (_lock)
        {
            sender = Find(packet.Ssrc, arrival);
            if (sender is null)
            {
                Interlocked.Increment(ref _ignored);
                return;
            }

            sender.LastHeard = arrival;
        }

        sender.Input.Push(packet, arrival);
    }

    /// <summary>Under the lock: the sender's slot, a free one, or the slot of one silent for a second; null when all are live.</summary>
    private Sender? Find(uint ssrc, TimeSpan now)
    {
        var free = -1;
        for (var i = 0; i < _senders.Length; i++)
        {
            if (_senders[i] is { } s && s.Ssrc == ssrc)
            {
                return s;
            }

            if (free < 0 && (_senders[i] is null || now - _senders[i]!.LastHeard >= Stale))
            {
                free = i;
            }
        }

        if (free < 0)
        {
            return null;
        }

        var sender = new Sender(ssrc, new InboundAudio(_codec, _options));
        Volatile.Write(ref _senders[free], sender);
        return sender;
    }

    public int ReadFrame(Span<short> frame)
    {
        Span<int> sum = _sum.AsSpan(0, frame.Length);
        sum.Clear();
        var heard = false;
        for (var i = 0; i < _senders.Length; i++)
        {
            // Slots are replaced, never emptied in place: a stale read sees a whole sender or none.
            if (Volatile.Read(ref _senders[i]) is not { } sender || sender.Input.ReadFrame(_frame.AsSpan(0, frame.Length)) != frame.Length)
            {
                continue;
            }

            heard = true;
            PcmVector.Accumulate(sum, _frame.AsSpan(0, frame.Length));
        }

        if (!heard)
        {
            return 0;
        }

        PcmVector.Clamp(sum, frame);
        return frame.Length;
    }

    private sealed class Sender(uint ssrc, InboundAudio input)
    {
        public uint Ssrc { get; } = ssrc;

        public InboundAudio Input { get; } = input;

        public TimeSpan LastHeard { get; set; }
    }
}
