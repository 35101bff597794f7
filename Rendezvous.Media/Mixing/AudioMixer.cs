using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;

namespace Rendezvous.Media.Mixing;

/// <summary>
/// The audio of one call hub: a pure step, <see cref="Mix"/>, that a clock calls once per tick. Every
/// participant's frame is read from its <see cref="IMixerSource"/>, scaled by its gain and summed in an
/// int32 accumulator; each listener gets the sum minus its own contribution (N-1), clamped to 16 bits, encoded
/// in its codec and handed to the participant's <see cref="IMixerOutput"/>. Listeners who contribute nothing
/// hear the full mix, encoded once per codec and shared. Talker changes go to the <see cref="IMixerSink"/>.
/// </summary>
/// <remarks>
/// <para>Participants are added, changed and removed from any thread; they take effect at the next tick.
/// The lock is held only while a tick gathers the participant table (as Janus's audiobridge does), never
/// while sources are read, audio is mixed or the sink is called.</para>
/// <para>No allocation in <see cref="Mix"/>: the table is sized from <see cref="MixerOptions.MaxParticipants"/>
/// at construction, and a tick works in its thread's <see cref="MixScratch"/>, shared by every hub that thread
/// mixes (allocated once, grown only by a tick with more participants than any before). <see cref="Mix"/>
/// itself must be called from one thread at a time (the clock's).</para>
/// <para><see cref="CallMedia"/>: Muted or ListenOnly ⇒ not mixed into what others hear (and never reported
/// talking); Deaf ⇒ nothing delivered; Gain ⇒ linear gain on what the participant sends, clamped to 0..4
/// (NaN counts as 1).</para>
/// </remarks>
public sealed class AudioMixer : IMixStep
{
    private const int GainShift = 12;

    private readonly Lock _lock = new();
    private readonly IMixerSink _sink;
    private readonly int _frame;
    private readonly int _silenceThreshold;
    private readonly int _talkingThreshold;
    private readonly int _talkStartTicks;
    private readonly int _talkStopTicks;

    // The table, guarded by _lock; a slot keeps its index while its participant stays. Slots at and above
    // _used are empty, so a tick scans the hub's participants, not MaxParticipants slots (hundreds of hubs'
    // tables do not stay in cache).
    private readonly Participant[] _table;
    private int _used;
    private int _generation;

    // Tick-thread state: the gathered copy, buffers and talker state (indexed by table slot).
    private readonly Participant[] _gathered;
    private readonly int[] _gatheredSlot;
    private readonly Talker[] _talkers;

    // This tick's buffers: the mixing thread's, shared by every hub it mixes (MixScratch), set by Mix.
    private MixScratch _scratch = null!;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="options"/> cannot describe a mixer.</summary>
    public AudioMixer(MixerOptions options, IMixerSink sink)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        options.Validate();
        Options = options;
        _sink = sink;
        _frame = options.SamplesPerFrame;
        _silenceThreshold = options.SilenceThreshold;
        _talkingThreshold = options.TalkingThreshold;
        _talkStartTicks = options.Ticks(options.TalkingStartAfter);
        _talkStopTicks = options.Ticks(options.TalkingStopAfter);
        var max = options.MaxParticipants;
        _table = new Participant[max];
        _gathered = new Participant[max];
        _gatheredSlot = new int[max];
        _talkers = new Talker[max];
    }

    public MixerOptions Options { get; }

    /// <summary>Ticks mixed.</summary>
    public long Ticks { get; private set; }

    /// <summary>Encodes of the full mix, each shared by every non-contributing listener with that codec in that tick.</summary>
    public long SharedEncodes { get; private set; }

    /// <summary>Encodes of a personal mix (the sum minus one contributor).</summary>
    public long PersonalEncodes { get; private set; }

    /// <summary>Frames of the wrong length from a source: counted, treated as silence.</summary>
    public long RejectedFrames { get; private set; }

    /// <summary>Deliveries served from a shared full-mix encode.</summary>
    public long SharedDeliveries { get; private set; }

    public int ParticipantCount
    {
        get
        {
            lock (_lock)
            {
                return _table.Count(p => p.Source is not null);
            }
        }
    }

    /// <summary>
    /// Adds a participant, heard from the next tick, whose mix goes to <paramref name="output"/>. False when <paramref name="id"/> is already
    /// present or the mixer is full (<see cref="MixerOptions.MaxParticipants"/>); throws
    /// <see cref="ArgumentException"/> for a codec other than PCMU/PCMA at the mixer's clock rate.
    /// </summary>
    public bool TryAdd(Guid id, IMixerSource source, IMixerOutput output, AudioCodec codec, CallMedia media)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(media);
        var resolved = MixerCodecs.Resolve(codec, Options.ClockRate);
        lock (_lock)
        {
            var free = -1;
            for (var i = _table.Length - 1; i >= 0; i--)
            {
                if (_table[i].Source is null)
                {
                    free = i;
                }
                else if (_table[i].Id == id)
                {
                    return false;
                }
            }

            if (free < 0)
            {
                return false;
            }

            _table[free] = Participant.Create(id, source, output, resolved, media, ++_generation);
            _used = Math.Max(_used, free + 1);
            return true;
        }
    }

    /// <summary>Changes a participant's flags and gain from the next tick; false when it is not present.</summary>
    public bool TryUpdate(Guid id, CallMedia media)
    {
        ArgumentNullException.ThrowIfNull(media);
        lock (_lock)
        {
            var slot = Find(id);
            if (slot < 0)
            {
                return false;
            }

            ref var p = ref _table[slot];
            p = Participant.Create(id, p.Source!, p.Output!, p.Codec, media, p.Generation);
            return true;
        }
    }

    /// <summary>
    /// Removes a participant from the next tick on (a tick already gathering may still read its source once).
    /// False when it is not present. No "stopped talking" event is raised for it.
    /// </summary>
    public bool Remove(Guid id)
    {
        lock (_lock)
        {
            var slot = Find(id);
            if (slot >= 0)
            {
                _table[slot] = default;
                while (_used > 0 && _table[_used - 1].Source is null)
                {
                    _used--;
                }
            }

            return slot >= 0;
        }
    }

    /// <summary>Mixes one tick. Allocates nothing; never throws on frame content.</summary>
    public void Mix()
    {
        var count = Gather();
        Ticks++;
        _scratch = MixScratch.For(count, _frame);
        Sum.Clear();
        for (var i = 0; i < count; i++)
        {
            ReadInput(i);
        }

        for (var i = 0; i < count; i++)
        {
            DetectTalking(i);
        }

        _scratch.SharedReady.AsSpan().Clear();
        for (var i = 0; i < count; i++)
        {
            ref readonly var p = ref _gathered[i];
            if (p.Deaf)
            {
                continue;
            }

            if (_scratch.Contributes[i])
            {
                // Mix-minus: everyone but yourself, then clamp (Janus casts without clamping).
                PcmVector.SubtractAndClamp(Sum, Input(i), Pcm);

                var personal = _scratch.Personal.AsSpan(0, _frame);
                MixerCodecs.Encode(p.Codec, Pcm, personal);
                PersonalEncodes++;
                p.Output!.Deliver(personal, _frame);
            }
            else
            {
                p.Output!.Deliver(SharedMix(p.Codec), _frame);
                SharedDeliveries++;
            }
        }

        // Drop references so a removed participant's source is not kept alive by this copy.
        Array.Clear(_gathered, 0, count);
    }

    /// <summary>Copies the table under the lock: the only time a tick holds it.</summary>
    private int Gather()
    {
        var count = 0;
        lock (_lock)
        {
            for (var slot = 0; slot < _used; slot++)
            {
                if (_table[slot].Source is not null)
                {
                    _gathered[count] = _table[slot];
                    _gatheredSlot[count++] = slot;
                }
            }
        }

        return count;
    }

    private void ReadInput(int i)
    {
        ref readonly var p = ref _gathered[i];
        var input = Input(i);
        var written = p.Source!.ReadFrame(input);
        _scratch.Contributes[i] = false;
        _scratch.Energy[i] = 0;
        if (written != _frame)
        {
            RejectedFrames += written == 0 ? 0 : 1;
            return;
        }

        long magnitude;
        if (p.GainQ12 == 1 << GainShift)
        {
            magnitude = PcmVector.SumOfMagnitudes(input);
        }
        else
        {
            magnitude = 0;
            for (var s = 0; s < _frame; s++)
            {
                var scaled = PcmVector.Clamp((input[s] * p.GainQ12) >> GainShift);
                input[s] = scaled;
                magnitude += Math.Abs((int)scaled); // as a short, |-32768| would throw
            }
        }

        var energy = (int)(magnitude / _frame);
        if (!p.Heard || energy < _silenceThreshold)
        {
            return;
        }

        _scratch.Energy[i] = energy;
        _scratch.Contributes[i] = true;
        PcmVector.Accumulate(Sum, input);
    }

    /// <summary>Start after <see cref="MixerOptions.TalkingStartAfter"/> of speech, stop after <see cref="MixerOptions.TalkingStopAfter"/> of quiet.</summary>
    private void DetectTalking(int i)
    {
        ref readonly var p = ref _gathered[i];
        ref var t = ref _talkers[_gatheredSlot[i]];
        if (t.Generation != p.Generation)
        {
            t = new Talker { Generation = p.Generation };
        }

        var speech = _scratch.Energy[i] >= _talkingThreshold;
        t.Run = speech == t.Talking ? 0 : t.Run + 1;
        if (t.Run >= (t.Talking ? _talkStopTicks : _talkStartTicks))
        {
            t.Talking = !t.Talking;
            t.Run = 0;
            _sink.TalkingChanged(p.Id, t.Talking);
        }
    }

    /// <summary>The full mix in <paramref name="codec"/>, encoded at most once per tick.</summary>
    private ReadOnlySpan<byte> SharedMix(MixerCodec codec)
    {
        var encoded = _scratch.Shared.AsSpan((int)codec * _frame, _frame);
        if (!_scratch.SharedReady[(int)codec])
        {
            PcmVector.Clamp(Sum, Pcm);

            MixerCodecs.Encode(codec, Pcm, encoded);
            _scratch.SharedReady[(int)codec] = true;
            SharedEncodes++;
        }

        return encoded;
    }

    private Span<short> Input(int i) => _scratch.Inputs.AsSpan(i * _frame, _frame);

    private Span<int> Sum => _scratch.Sum.AsSpan(0, _frame);

    private Span<short> Pcm => _scratch.Pcm.AsSpan(0, _frame);

    private int Find(Guid id)
    {
        for (var i = 0; i < _used; i++)
        {
            if (_table[i].Source is not null && _table[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    private readonly record struct Participant(Guid Id, IMixerSource? Source, IMixerOutput? Output, MixerCodec Codec, bool Heard, bool Deaf, int GainQ12, int Generation)
    {
        public static Participant Create(Guid id, IMixerSource source, IMixerOutput output, MixerCodec codec, CallMedia media, int generation)
        {
            var gain = double.IsNaN(media.Gain) ? 1 : Math.Clamp(media.Gain, 0, 4);
            return new(id, source, output, codec, !media.Muted && !media.ListenOnly, media.Deaf, (int)Math.Round(gain * (1 << GainShift)), generation);
        }
    }

    private struct Talker
    {
        public int Generation;
        public bool Talking;

        /// <summary>Consecutive ticks that disagree with <see cref="Talking"/>.</summary>
        public int Run;
    }
}
