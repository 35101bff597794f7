using Rendezvous.Media.Mixing;

namespace Rendezvous.Media.Tests.Mixing;

/// <summary>A source that plays whatever <see cref="Fill"/> writes, or nothing when it is null.</summary>
internal sealed class ScriptedSource(Action<long, Span<short>>? fill) : IMixerSource
{
    public Action<long, Span<short>>? Fill { get; set; } = fill;

    /// <summary>Overrides the returned count (a frame of the wrong length).</summary>
    public int? Written { get; set; }

    public long Reads { get; private set; }

    public static ScriptedSource Constant(short value) => new((_, frame) => frame.Fill(value));

    public static ScriptedSource Silent() => new(null);

    /// <summary>A sine tone; the phase runs on with the tick count.</summary>
    public static ScriptedSource Tone(double hertz, double amplitude, int clockRate = 8000) => new((tick, frame) =>
    {
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = ToneSample(hertz, amplitude, clockRate, (tick * frame.Length) + i);
        }
    });

    public static short ToneSample(double hertz, double amplitude, int clockRate, long n) =>
        (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * hertz * n / clockRate));

    public int ReadFrame(Span<short> frame)
    {
        var tick = Reads++;
        if (Fill is null)
        {
            return 0;
        }

        Fill(tick, frame);
        return Written ?? frame.Length;
    }
}

/// <summary>Keeps each participant's last payload in a buffer made up front, so recording allocates nothing.</summary>
internal sealed class RecordingSink : IMixerSink
{
    private readonly Dictionary<Guid, byte[]> _payloads = [];

    public List<(Guid Participant, bool Talking)> Talking { get; } = new(64);

    public Dictionary<Guid, int> Deliveries { get; } = [];

    public int TalkingEvents { get; private set; }

    public void Expect(Guid participant, int samples)
    {
        _payloads[participant] = new byte[samples];
        Deliveries[participant] = 0;
    }

    public byte[] Last(Guid participant) => _payloads[participant];

    /// <summary>Where the mixer delivers <paramref name="participant"/>'s mix: recorded here, under its id.</summary>
    public IMixerOutput Output(Guid participant) => new ParticipantOutput(this, participant);

    private void Deliver(Guid participant, ReadOnlySpan<byte> payload, int samples)
    {
        if (payload.Length != samples)
        {
            throw new InvalidOperationException($"{payload.Length} octets for {samples} samples");
        }

        payload.CopyTo(_payloads[participant]);
        Deliveries[participant]++;
    }

    public void TalkingChanged(Guid participant, bool talking)
    {
        TalkingEvents++;
        if (Talking.Count < Talking.Capacity)
        {
            Talking.Add((participant, talking));
        }
    }

    private sealed class ParticipantOutput(RecordingSink sink, Guid participant) : IMixerOutput
    {
        public void Deliver(ReadOnlySpan<byte> payload, int samples) => sink.Deliver(participant, payload, samples);
    }
}
