using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Rendezvous.Media.Calls;
using Rendezvous.Media.Codecs;
using Rendezvous.Media.Mixing;
using Rendezvous.Media.Relay;
using Rendezvous.Media.Relay.Reactor;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media;

/// <summary>Settings of the <see cref="MediaSwitch"/>.</summary>
public sealed record MediaSwitchSettings
{
    public SwitchboardLimits Limits { get; init; } = new();

    /// <summary>Symmetric RTP for every leg: latch to the first source instead of requiring the negotiated one.</summary>
    public bool LatchToFirstSource { get; init; }

    /// <summary>Packets per second accepted per leg.</summary>
    public int MaxPacketsPerSecond { get; init; } = 200;

    /// <summary>
    /// Threads of the receive reactor every leg's sockets are read by (Linux); 0, or another system:
    /// an asynchronous receive per socket on the thread pool. See <see cref="MediaOptions.ReceiveThreads"/>.
    /// </summary>
    public int ReceiveThreads { get; init; } = MediaOptions.DefaultReceiveThreads;

    /// <summary>A leg that has a remote party and stays silent this long is dropped, and its hub told.</summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public JitterBufferOptions JitterBuffer { get; init; } = new();

    public MixerOptions Mixer { get; init; } = new();

    /// <summary>How long an idle call or hub stays readable (GET answers "idle") before it is forgotten.</summary>
    public TimeSpan IdleRetention { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each call's <see cref="CallStatistics"/> event is sent (rounded to whole seconds; 0: never).</summary>
    public TimeSpan StatisticsInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Packets per second accepted from a multicast group (all its senders together).</summary>
    public int MaxGroupPacketsPerSecond { get; init; } = 1000;

    /// <summary>The highest TTL (IPv6 hop limit) a hub may send to its group with.</summary>
    public int MaxMulticastTtl { get; init; } = 32;

    /// <summary>The local address groups are joined and sent on when a binding names none; null: the routing table decides.</summary>
    public IPAddress? MulticastInterface { get; init; }
}

/// <summary>A call was dropped because its party stayed silent past the timeout.</summary>
public sealed record CallReaped(Guid Call, TimeSpan Silence) : CallEvent;

/// <summary>A call's media quality and packet counts, sent every <see cref="MediaSwitchSettings.StatisticsInterval"/> while it has a remote party.</summary>
public sealed record CallStatistics(Guid Call, RtpLegStatistics Statistics, RtpLegCounters Counters) : CallEvent;

/// <summary>A party started or stopped talking in a conference.</summary>
public sealed record TalkerChanged(Guid Hub, Guid Call, bool Talking) : CallEvent;

/// <summary>
/// The switch: the call model (<see cref="Switchboard"/>) driving real media. Every call has an
/// RTP leg; after each operation the media groups are re-read and each leg routed: a group of two
/// is relayed packet by packet (transcoded when the codecs differ), a group of three or more goes
/// through its hub's N-1 mixer on the shared 20 ms clock, and a call in no group is heard by no
/// one. Events go to every subscriber. Thread-safe.
/// </summary>
public sealed partial class MediaSwitch : IRtpLegSink, IAsyncDisposable
{
    private readonly RtpPortPool _ports;
    private readonly MediaSwitchSettings _settings;
    private readonly MediaMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly MixerClock _clock;
    private readonly Lock _wiring = new();
    private readonly ConcurrentDictionary<Guid, RtpLeg> _legs = new();
    private readonly Dictionary<Guid, HubMix> _mixes = [];
    private readonly List<Channel<CallEvent>> _subscribers = [];
    private readonly ConcurrentQueue<(Guid Id, long At)> _idle = new();
    private readonly ITimer _reaper;
    private readonly ReceiveReactor? _reactor;
    private readonly TimerThread? _mixerThread;
    private readonly TimerThread? _reportThread;
    private volatile Dictionary<Guid, Route> _routes = [];
    private long _reaps;

    public MediaSwitch(RtpPortPool ports, MediaSwitchSettings settings, MediaMetrics metrics, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(metrics);
        (_ports, _settings, _metrics, _time) = (ports, settings, metrics, time);
        Board = new Switchboard(settings.Limits);
        if (time == TimeProvider.System)
        {
            // Off the thread pool: the ticks on a thread of their own, every leg's RTCP reports on another.
            // The ticks ask for a higher priority (nice -10, where permitted): a tick due must not wait
            // behind the receive threads' batches on the same core (that doubled the output's p99 lateness).
            (_mixerThread, _reportThread) = (new TimerThread("mixer-clock", MixerThreadNice), new TimerThread("rtcp-reports"));
        }

        _clock = new MixerClock(_mixerThread ?? time, settings.Mixer.FrameDuration, tickDuration: metrics.TickDuration, tickLateness: metrics.TickLateness);
        metrics.ObserveJitterBuffers(JitterBufferDepths);
        _reactor = settings.ReceiveThreads > 0 && ReceiveReactor.IsSupported ? new ReceiveReactor(settings.ReceiveThreads) : null;
        _reaper = time.CreateTimer(_ => Reap(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>The nice value the mixer clock's thread asks for (Linux, with CAP_SYS_NICE).</summary>
    public const int MixerThreadNice = -10;

    /// <summary>Whether the mixer clock's thread got <see cref="MixerThreadNice"/> (false without the privilege, off Linux, or on another clock).</summary>
    public bool MixerPriorityRaised => _mixerThread?.PriorityRaised ?? false;

    /// <summary>The receive reactor the legs are read by, or null when each socket has its own asynchronous receive.</summary>
    public ReceiveReactor? Reactor => _reactor;

    /// <summary>The call model; read it freely, but change it only through this switch so media follows.</summary>
    public Switchboard Board { get; }

    /// <summary>A call's RTP leg (its local port is what our SDP answer names), or null.</summary>
    public RtpLeg? Leg(Guid call) => _legs.TryGetValue(call, out var leg) ? leg : null;

    /// <summary>
    /// A new call with its leg. With a remote party (or latching) it is connected; without one it
    /// waits in dial tone for <see cref="Dial"/>. Refused when no port pair is free.
    /// </summary>
    public CallOutcome<Guid> CreateCall(IPEndPoint? remote, AudioCodec codec, byte? telephoneEvent = null, IPEndPoint? source = null)
    {
        lock (_wiring)
        {
            if (_ports.TryAllocate() is not { } pair)
            {
                return NoPorts("create");
            }

            var outcome = Board.Create(dialed: remote is not null || _settings.LatchToFirstSource);
            StartLeg(outcome.Value, pair, LegSettings(remote, codec, telephoneEvent) with { Source = source });
            return Publish(outcome);
        }
    }

    /// <summary>
    /// Gives a call in dial tone (a consultation call) its remote party and codec. Refused, with
    /// nothing changed, when the call had no port pair free when it was created and has none now.
    /// </summary>
    public CallOutcome<Guid> Dial(Guid call, IPEndPoint remote, AudioCodec codec, byte? telephoneEvent = null, IPEndPoint? source = null) => Apply(board =>
    {
        if (board.Call(call) is { State: CallState.Dialtone } && !EnsureLeg(call))
        {
            return NoPorts("dial");
        }

        var outcome = board.Dial(call);
        if (outcome.Succeeded)
        {
            _legs[call].Configure(LegSettings(remote, codec, telephoneEvent) with { Source = source });
        }

        return outcome;
    });

    private static CallOutcome<Guid> NoPorts(string operation) =>
        new(default, [], new CallConflict(operation, "no RTP port pair is free in the configured range", new Dictionary<string, string>()));

    /// <summary>Runs any <see cref="Switchboard"/> operation so that media follows its result.</summary>
    public CallOutcome<T> Apply<T>(Func<Switchboard, CallOutcome<T>> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        lock (_wiring)
        {
            return Publish(operation(Board));
        }
    }

    /// <summary>A stream of every event from now on; complete it by cancelling the reader's token.</summary>
    public ChannelReader<CallEvent> Subscribe(CancellationToken cancellationToken)
    {
        // Bounded: a subscriber that does not read loses the oldest events, never the switch's memory.
        var channel = Channel.CreateBounded<CallEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_subscribers)
        {
            _subscribers.Add(channel);
        }

        cancellationToken.Register(() =>
        {
            lock (_subscribers)
            {
                _subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    private RtpLegSettings LegSettings(IPEndPoint? remote, AudioCodec codec, byte? telephoneEvent) => new()
    {
        Remote = remote,
        Codec = codec,
        TelephoneEventPayloadType = telephoneEvent,
        LatchToFirstSource = _settings.LatchToFirstSource,
        MaxPacketsPerSecond = _settings.MaxPacketsPerSecond,
    };

    /// <summary>Gives a call a leg (ports, no remote party yet) unless it has one; false when no port pair is free.</summary>
    private bool EnsureLeg(Guid call)
    {
        if (_legs.ContainsKey(call))
        {
            return true;
        }

        if (_ports.TryAllocate() is not { } pair)
        {
            return false;
        }

        StartLeg(call, pair, LegSettings(null, AudioCodec.Pcmu, null));
        return true;
    }

    private void StartLeg(Guid call, RtpPortPair pair, RtpLegSettings settings)
    {
        var leg = new RtpLeg(call, pair, settings, this, _metrics, _reportThread ?? _time, _reactor);
        _legs[call] = leg;
        leg.Start();
    }

    /// <summary>Under the wiring lock: legs for new calls, none for idle ones, routes for the new groups, then the events out.</summary>
    private CallOutcome<T> Publish<T>(CallOutcome<T> outcome)
    {
        var unbound = new List<CallEvent>();
        foreach (var e in outcome.Events)
        {
            switch (e)
            {
                case CallCreated created:
                    // A consultation call: ports now, so its SDP answer can be given before it is
                    // dialled (if none is free, dialling tries again).
                    EnsureLeg(created.Call);
                    break;
                case CallStateChanged { To: CallState.Idle } gone:
                    if (_legs.TryRemove(gone.Call, out var leg))
                    {
                        _ = leg.DisposeAsync().AsTask();
                    }

                    _idle.Enqueue((gone.Call, _time.GetTimestamp()));
                    break;
                case CallHubStateChanged { To: CallHubState.Idle } released:
                    _idle.Enqueue((released.Hub, _time.GetTimestamp()));
                    Unlink(released.Hub, "the call hub went idle", unbound); // the topology change that follows rewires
                    break;
                case MediaTopologyChanged:
                    Rewire();
                    break;
                default:
                    break;
            }
        }

        Broadcast([.. outcome.Events, .. unbound]);
        return outcome;
    }

    private void Broadcast(IEnumerable<CallEvent> events)
    {
        lock (_subscribers)
        {
            foreach (var e in events)
            {
                foreach (var subscriber in _subscribers)
                {
                    subscriber.Writer.TryWrite(e);
                }
            }
        }
    }

    /// <summary>
    /// Once a second: drops calls whose party has been silent past the timeout (only calls with a
    /// remote party can be), and forgets calls and hubs idle for longer than the retention, so the
    /// switch's memory follows the live calls.
    /// </summary>
    private void Reap()
    {
        var every = (long)_settings.StatisticsInterval.TotalSeconds;
        if (every > 0 && Interlocked.Increment(ref _reaps) % every == 0)
        {
            Broadcast(_legs.Values.Where(l => l.Remote is not null).Select(l => new CallStatistics(l.Id, l.Quality(), l.Counters)).ToList());
        }

        while (_idle.TryPeek(out var idle) && _time.GetElapsedTime(idle.At) > _settings.IdleRetention && _idle.TryDequeue(out idle))
        {
            Board.Forget([idle.Id]);
        }

        foreach (var leg in _legs.Values)
        {
            if (leg.Remote is not null && leg.Silence > _settings.SilenceTimeout && Board.Call(leg.Id) is { State: not CallState.Idle and not CallState.OnHold })
            {
                Broadcast([new CallReaped(leg.Id, leg.Silence)]);
                Apply(board => board.Drop(leg.Id));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reaper.DisposeAsync().ConfigureAwait(false);
        _clock.Dispose();
        List<GroupLink> groups;
        lock (_wiring)
        {
            groups = [.. _groups.Values];
            _groups.Clear();
        }

        foreach (var group in groups)
        {
            await group.Leg.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var leg in _legs.Values)
        {
            await leg.DisposeAsync().ConfigureAwait(false);
        }

        _reactor?.Dispose(); // after every leg has unregistered
        _mixerThread?.Dispose();
        _reportThread?.Dispose();

        lock (_subscribers)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }
        }
    }
}
