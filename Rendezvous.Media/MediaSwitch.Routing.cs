using System.Collections.Concurrent;
using Rendezvous.Media.Calls;
using Rendezvous.Media.Mixing;
using Rendezvous.Media.Relay;
using Rendezvous.Media.Rtp;

namespace Rendezvous.Media;

/// <summary>Routing: what each leg's packets feed (a peer's leg, a hub's mixer, or nothing).</summary>
public sealed partial class MediaSwitch
{
    /// <summary>
    /// Where one leg's accepted packets go; each leg is given its own (<see cref="RtpLeg.Redirect"/>), so a
    /// packet looks nothing up. A leg no one hears (held, waiting, alone, muted) has no route.
    /// </summary>
    private abstract record Route : IRtpLegSink
    {
        public abstract void OnRtp(RtpLeg leg, in RtpPacket packet, TimeSpan arrival);
    }

    /// <summary>Relayed to <paramref name="Peer"/> (a two-party call).</summary>
    private sealed record RelayRoute(RtpLeg Peer) : Route
    {
        public override void OnRtp(RtpLeg leg, in RtpPacket packet, TimeSpan arrival) =>
            Peer.Forward(packet, leg.Codec, leg.Settings.TelephoneEventPayloadType);
    }

    /// <summary>Into the leg's input of its hub's mixer.</summary>
    private sealed record MixRoute(InboundAudio Input) : Route
    {
        public override void OnRtp(RtpLeg leg, in RtpPacket packet, TimeSpan arrival) => Input.Push(packet, arrival);
    }

    /// <summary>A multicast group's packets, every sender's, into its hub's mixer.</summary>
    private sealed record GroupMixRoute(GroupAudio Input) : Route
    {
        public override void OnRtp(RtpLeg leg, in RtpPacket packet, TimeSpan arrival) => Input.Push(packet, arrival);
    }

    /// <summary>Sent on unchanged to each of <paramref name="Targets"/> (a group's plain forwarding).</summary>
    private sealed record FanOutRoute(RtpLeg[] Targets) : Route
    {
        public override void OnRtp(RtpLeg leg, in RtpPacket packet, TimeSpan arrival)
        {
            foreach (var target in Targets)
            {
                target.ForwardUnchanged(packet);
            }
        }
    }

    /// <summary>The jitter buffer of a call's input to its hub's mixer now, or null when the call is not mixed.</summary>
    public JitterBufferState? JitterBuffer(Guid call) =>
        _routes.TryGetValue(call, out var route) && route is MixRoute { Input.Buffer: var buffer }
            ? new JitterBufferState(buffer.Level, buffer.TargetFrames, Math.Round(buffer.AverageLevel, 2))
            : null;

    /// <summary>For the jitter buffer gauges: every mixed call's buffer depth now (read without locks: a tick stale at most).</summary>
    private JitterBufferDepths JitterBufferDepths()
    {
        var (count, sum, max) = (0, 0L, 0);
        foreach (var route in _routes.Values)
        {
            if (route is MixRoute { Input.Buffer.Level: var level })
            {
                (count, sum, max) = (count + 1, sum + level, Math.Max(max, level));
            }
        }

        return new JitterBufferDepths(count, count == 0 ? 0 : (double)sum / count, max);
    }

    /// <summary>
    /// A packet from a leg with no route (held, waiting, alone, muted, or made and not wired yet): no one
    /// hears it. Every route is given to its leg when the calls are rewired, so nothing is looked up here.
    /// </summary>
    void IRtpLegSink.OnRtp(RtpLeg leg, in RtpPacket packet, TimeSpan arrival)
    {
    }

    /// <summary>
    /// Under the wiring lock: routes every call by the switchboard's current media groups, and
    /// each bound hub's group leg with its members; mixers come and go with their groups.
    /// </summary>
    private void Rewire()
    {
        var routes = new Dictionary<Guid, Route>();
        var mixed = new HashSet<Guid>();
        foreach (var group in Board.MediaGroups())
        {
            if (!group.Calls.All(_legs.ContainsKey))
            {
                continue;
            }

            var link = group.Hub is { } bound && !group.Consultation && _groups.TryGetValue(bound, out var l) ? l : null;
            if (link is { Binding.Mode: MulticastMode.Forward })
            {
                Forwarding(group, link, routes);
                continue;
            }

            if (group.Calls.Count < (link is null ? 2 : 1))
            {
                continue; // alone: heard by no one
            }

            if (link is null && !group.Mixed)
            {
                var (a, b) = (Board.Call(group.Calls[0])!, Board.Call(group.Calls[1])!);
                Relay(a, b, routes);
                Relay(b, a, routes);
                continue;
            }

            var hub = group.Hub!.Value;
            mixed.Add(hub);
            if (!_mixes.TryGetValue(hub, out var mix))
            {
                mix = _mixes[hub] = new HubMix(this, hub);
                _clock.Attach(mix.Mixer);
            }

            foreach (var call in group.Calls)
            {
                routes[call] = new MixRoute(mix.Join(call, _legs[call], Board.Call(call)!.Media));
            }

            if (link is not null)
            {
                mix.JoinGroup(link.Leg, link.Audio);
                routes[link.Leg.Id] = new GroupMixRoute(link.Audio);
            }

            mix.KeepOnly(link is null ? group.Calls : [.. group.Calls, link.Leg.Id]);
        }

        foreach (var (hub, mix) in _mixes.Where(m => !mixed.Contains(m.Key)).ToList())
        {
            _clock.Detach(mix.Mixer);
            _mixes.Remove(hub);
        }

        foreach (var leg in _legs.Values.Concat(_groups.Values.Select(g => g.Leg)))
        {
            leg.Redirect(routes.GetValueOrDefault(leg.Id));
        }

        _routes = routes; // what the jitter buffer readings look up
    }

    /// <summary>Relays <paramref name="from"/> to <paramref name="to"/> unless it must not be heard (muted, listen-only) or the other hears nothing (deaf).</summary>
    private void Relay(CallInfo from, CallInfo to, Dictionary<Guid, Route> routes)
    {
        if (!from.Media.Muted && !from.Media.ListenOnly && !to.Media.Deaf)
        {
            routes[from.Id] = new RelayRoute(_legs[to.Id]);
        }
    }

    /// <summary>Plain forwarding: each member's packets to the group and the other members, the group's to every member; mute, listen-only and deaf respected.</summary>
    private void Forwarding(MediaGroup group, GroupLink link, Dictionary<Guid, Route> routes)
    {
        var members = group.Calls.Select(c => (Leg: _legs[c], Board.Call(c)!.Media)).ToList();
        var hearing = members.Where(m => !m.Media.Deaf).Select(m => m.Leg).ToList();
        routes[link.Leg.Id] = new FanOutRoute([.. hearing]);
        foreach (var (leg, media) in members.Where(m => !m.Media.Muted && !m.Media.ListenOnly))
        {
            routes[leg.Id] = new FanOutRoute([link.Leg, .. hearing.Where(h => h != leg)]);
        }
    }

    /// <summary>One hub's mixer and its participants' inputs; each participant's mix goes straight to its leg.</summary>
    private sealed class HubMix : IMixerSink
    {
        private readonly ConcurrentDictionary<Guid, IMixerSource> _members = new();
        private readonly MediaSwitch _owner;
        private readonly Guid _hub;

        public HubMix(MediaSwitch owner, Guid hub)
        {
            (_owner, _hub) = (owner, hub);
            Mixer = new AudioMixer(owner._settings.Mixer, this);
        }

        public AudioMixer Mixer { get; }

        public InboundAudio Join(Guid call, RtpLeg leg, CallMedia media)
        {
            if (_members.TryGetValue(call, out var member))
            {
                Mixer.TryUpdate(call, media);
                return (InboundAudio)member;
            }

            var input = new InboundAudio(leg.Codec, _owner._settings.JitterBuffer);
            _members[call] = input;
            Mixer.TryAdd(call, input, leg.MixOutput, leg.Codec, media);
            return input;
        }

        /// <summary>The hub's multicast group as one more participant: it hears the members' mix, and is heard by them.</summary>
        public void JoinGroup(RtpLeg leg, GroupAudio input)
        {
            if (_members.TryAdd(leg.Id, input))
            {
                Mixer.TryAdd(leg.Id, input, leg.MixOutput, leg.Codec, new CallMedia());
            }
        }

        public void KeepOnly(IReadOnlyList<Guid> calls)
        {
            foreach (var call in _members.Keys.Where(c => !calls.Contains(c)).ToList())
            {
                Mixer.Remove(call);
                _members.TryRemove(call, out _);
            }
        }

        public void TalkingChanged(Guid participant, bool talking) => _owner.Broadcast([new TalkerChanged(_hub, participant, talking)]);
    }
}

/// <summary>A mixed call's jitter buffer (see <see cref="Mixing.JitterBuffer"/>), in 20 ms frames.</summary>
/// <param name="Frames">Frames from the playout point to the newest buffered one now.</param>
/// <param name="TargetFrames">The adaptive target depth.</param>
/// <param name="AverageFrames">The smoothed depth the drift corrections steer.</param>
public sealed record JitterBufferState(int Frames, int TargetFrames, double AverageFrames);
