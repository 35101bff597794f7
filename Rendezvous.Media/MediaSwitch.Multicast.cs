using System.Net.Sockets;
using Rendezvous.Media.Calls;
using Rendezvous.Media.Mixing;
using Rendezvous.Media.Relay;

namespace Rendezvous.Media;

/// <summary>A call hub was bound to a multicast group (or its binding replaced).</summary>
public sealed record CallHubBound(Guid Hub, string Group, int Ttl, string Codec, MulticastMode Mode) : CallEvent;

/// <summary>A call hub's multicast group was let go: unbound, or the hub went idle.</summary>
public sealed record CallHubUnbound(Guid Hub, string Group, string Cause) : CallEvent;

/// <summary>
/// Multicast bridging: a call hub bound to a group has a leg on the group (<see cref="RtpLegSettings.AnySource"/>).
/// In <see cref="MulticastMode.Mix"/> the group is one more participant of the hub's mixer (every
/// sender in it heard by the members, the members' mix sent to it), so even a hub with one member
/// is mixed; in <see cref="MulticastMode.Forward"/> packets pass unchanged between the group and the members.
/// </summary>
public sealed partial class MediaSwitch
{
    private readonly Dictionary<Guid, GroupLink> _groups = []; // by hub; under the wiring lock

    private sealed record GroupLink(MulticastBinding Binding, RtpLeg Leg, GroupAudio Audio);

    /// <summary>The hub's multicast binding, the leg on its group and the group's audio input, or null.</summary>
    public (MulticastBinding Binding, RtpLeg Leg, GroupAudio Audio)? Group(Guid hub)
    {
        lock (_wiring)
        {
            return _groups.TryGetValue(hub, out var link) ? (link.Binding, link.Leg, link.Audio) : null;
        }
    }

    /// <summary>What is wrong with a binding under this switch's settings (its TTL limit, and its interface when the binding names none), or null.</summary>
    public MulticastBindingProblem? Check(MulticastBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        return WithDefaults(binding).Problem(_settings.MaxMulticastTtl);
    }

    private MulticastBinding WithDefaults(MulticastBinding binding) => binding with { Interface = binding.Interface ?? _settings.MulticastInterface };

    /// <summary>
    /// Binds a hub that is not idle to a multicast group, replacing any group it had. Refused when
    /// another hub has the group or the group cannot be joined. Throws <see cref="ArgumentException"/>
    /// for a binding that <see cref="Check"/> finds wrong (check first).
    /// </summary>
    public CallOutcome<MulticastBinding> Bind(Guid hub, MulticastBinding binding)
    {
        if (Check(binding) is { } problem)
        {
            throw new ArgumentException(problem.ToString(), nameof(binding));
        }

        binding = WithDefaults(binding);

        lock (_wiring)
        {
            if (HubConflict("bind", hub) is { } conflict)
            {
                return new(null, [], conflict);
            }

            if (_groups.FirstOrDefault(g => g.Key != hub && g.Value.Binding.Group.Equals(binding.Group)) is { Value: not null } taken)
            {
                return new(null, [], new CallConflict("bind", $"the group {binding.Group} is bound to call hub {taken.Key}", new Dictionary<string, string> { [taken.Key.ToString()] = "Bound" }));
            }

            RtpPortPair pair;
            try
            {
                pair = MulticastGroupSockets.Open(binding);
            }
            catch (SocketException e)
            {
                return new(null, [], new CallConflict("bind", $"the group {binding.Group} cannot be joined: {e.SocketErrorCode}", new Dictionary<string, string>()));
            }

            var events = new List<CallEvent>();
            Unlink(hub, "rebound", events);
            var leg = new RtpLeg(Guid.CreateVersion7(), pair, new RtpLegSettings
            {
                Remote = binding.Group,
                Codec = binding.Codec,
                AnySource = true,
                MaxPacketsPerSecond = _settings.MaxGroupPacketsPerSecond,
            }, this, _metrics, _reportThread ?? _time, _reactor);
            _groups[hub] = new GroupLink(binding, leg, new GroupAudio(binding.Codec, _settings.JitterBuffer));
            leg.Start();
            Rewire();
            events.Add(new CallHubBound(hub, binding.Group.ToString(), binding.Ttl, binding.Codec.EncodingName, binding.Mode));
            Broadcast(events);
            return new(binding, events, null);
        }
    }

    /// <summary>Lets a hub's group go. Refused (404) for an unknown hub; a hub with no group is left as it is.</summary>
    public CallOutcome<Guid> Unbind(Guid hub)
    {
        lock (_wiring)
        {
            if (Board.Hub(hub) is null)
            {
                return new(default, [], HubNotFound("unbind", hub));
            }

            var events = new List<CallEvent>();
            if (Unlink(hub, "unbound", events))
            {
                Rewire();
                Broadcast(events);
            }

            return new(hub, events, null);
        }
    }

    private CallConflict? HubConflict(string operation, Guid hub) => Board.Hub(hub) switch
    {
        null => HubNotFound(operation, hub),
        { State: CallHubState.Idle } => new CallConflict(operation, "the call hub is idle", new Dictionary<string, string> { [hub.ToString()] = nameof(CallHubState.Idle) }),
        _ => null,
    };

    private static CallConflict HubNotFound(string operation, Guid hub) =>
        new(operation, $"no call hub {hub}", new Dictionary<string, string>(), NotFound: true);

    /// <summary>Under the wiring lock: closes the hub's group leg, if any (the caller rewires).</summary>
    private bool Unlink(Guid hub, string cause, List<CallEvent> events)
    {
        if (!_groups.Remove(hub, out var link))
        {
            return false;
        }

        _ = link.Leg.DisposeAsync().AsTask();
        events.Add(new CallHubUnbound(hub, link.Binding.Group.ToString(), cause));
        return true;
    }
}
