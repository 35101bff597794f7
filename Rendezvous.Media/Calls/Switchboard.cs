namespace Rendezvous.Media.Calls;

/// <summary>Limits of the call model (configuration: <c>Rendezvous:Media</c>).</summary>
public sealed record SwitchboardLimits
{
    /// <summary>LINEADDRESSCAPS.dwMaxNumConference: most parties in one conference; one more is refused (LINEERR_CONFERENCEFULL).</summary>
    public int MaxConferenceParties { get; init; } = 16;
}

/// <summary>A call as it is now.</summary>
/// <param name="Peer">The other call of its two-party call (or, while a transfer is pending, the held party).</param>
/// <param name="Hub">The conference it is a member of.</param>
/// <param name="ConsultationOf">For a consultation call: the conference it is to be added to, or the call it is to be transferred for.</param>
public sealed record CallInfo(Guid Id, CallState State, Guid? Peer, Guid? Hub, Guid? ConsultationOf, CallMedia Media);

/// <summary>A call hub (conference) as it is now; <paramref name="Members"/> in the order they joined.</summary>
/// <param name="Initiator">The party that set the conference up (the first member still in it); for a bridge, its first member still in it, or null while it has none.</param>
/// <param name="Bridge">A server-based bridge (legs join it directly and it stays until dropped), not a staged switch-based conference.</param>
public sealed record CallHubInfo(Guid Id, CallHubState State, Guid? Initiator, IReadOnlyList<Guid> Members, Guid? Consultation, bool Bridge = false);

/// <summary>
/// The switch-based basic conference (../shared/reference/tapi-rendezvous.md section 5): calls
/// (each one party's leg through the switch), two-party calls, and conferences (call hubs),
/// with TAPI's states and transitions. Every operation checks its preconditions first and
/// changes nothing when it refuses; otherwise it returns the events it caused. No I/O and no
/// clock: the media layer reads <see cref="MediaGroups"/> after a <see cref="MediaTopologyChanged"/>.
/// Thread-safe: one lock, held only while an operation runs.
/// </summary>
public sealed partial class Switchboard(SwitchboardLimits limits)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, CallEntry> _calls = [];
    private readonly Dictionary<Guid, HubEntry> _hubs = [];

    public Switchboard()
        : this(new SwitchboardLimits())
    {
    }

    /// <summary>A new call: <see cref="CallState.Connected"/> when its remote party is known, else <see cref="CallState.Dialtone"/> until <see cref="Dial"/>.</summary>
    public CallOutcome<Guid> Create(bool dialed) => Run("create", changes =>
    {
        var call = NewCall(dialed ? CallState.Connected : CallState.Dialtone, changes);
        return call.Id;
    });

    /// <summary>Gives a call in dial tone its remote party: it becomes connected (a consultation call then talks to its initiator).</summary>
    public CallOutcome<Guid> Dial(Guid call) => Run("dial", changes =>
    {
        var c = Require(call, "dial", CallState.Dialtone);
        changes.Set(c, CallState.Connected);
        changes.Topology();
        return c.Id;
    });

    /// <summary>Makes two connected calls that are in nothing else a two-party call: their media is relayed.</summary>
    public CallOutcome<Guid> Connect(Guid first, Guid second) => Run("connect", changes =>
    {
        if (first == second)
        {
            throw Refuse("connect", "a call cannot be connected to itself", first);
        }

        var a = RequireFree(first, "connect");
        var b = RequireFree(second, "connect");
        (a.Peer, b.Peer) = (b.Id, a.Id);
        changes.Topology();
        return a.Id;
    });

    /// <summary>Looks up a call; null when there is no such call.</summary>
    public CallInfo? Call(Guid id)
    {
        lock (_lock)
        {
            return _calls.TryGetValue(id, out var c) ? c.Info() : null;
        }
    }

    /// <summary>Looks up a call hub; null when there is no such hub.</summary>
    public CallHubInfo? Hub(Guid id)
    {
        lock (_lock)
        {
            return _hubs.TryGetValue(id, out var h) ? h.Info() : null;
        }
    }

    /// <summary>Every call and hub that is not idle.</summary>
    public (IReadOnlyList<CallInfo> Calls, IReadOnlyList<CallHubInfo> Hubs) Current()
    {
        lock (_lock)
        {
            return ([.. _calls.Values.Where(c => c.State != CallState.Idle).Select(c => c.Info())],
                    [.. _hubs.Values.Where(h => h.State != CallHubState.Idle).Select(h => h.Info())]);
        }
    }

    /// <summary>
    /// Who hears whom now. A connected hub is one group (of any size: a bridge may have one
    /// member, or none); while a party is being added, the initiator talks to the consultation
    /// call (a group marked <see cref="MediaGroup.Consultation"/>) and the other members keep
    /// hearing each other; a two-party call or a pending transfer is a group of two; held calls
    /// are in no group.
    /// </summary>
    public IReadOnlyList<MediaGroup> MediaGroups()
    {
        lock (_lock)
        {
            var groups = new List<MediaGroup>();
            foreach (var hub in _hubs.Values)
            {
                if (hub.State == CallHubState.Connected)
                {
                    groups.Add(new MediaGroup([.. hub.Members], hub.Id));
                }
                else if (hub.State == CallHubState.OnHoldPendingConference)
                {
                    var others = hub.Members.Where(m => m != hub.Initiator).ToList();
                    groups.Add(new MediaGroup(others, hub.Id));
                    if (hub.Consultation is { } y && _calls[y].State == CallState.Connected && hub.Initiator is { } i && hub.Members.Contains(i))
                    {
                        groups.Add(new MediaGroup([i, y], hub.Id, Consultation: true));
                    }
                }
            }

            foreach (var c in _calls.Values)
            {
                if (c.State == CallState.Connected && c.Peer is { } p && c.Id.CompareTo(p) < 0 && _calls[p].State == CallState.Connected)
                {
                    groups.Add(new MediaGroup([c.Id, p], null));
                }
                else if (c.State == CallState.Connected && c.ConsultationOf is { } i && _calls.TryGetValue(i, out var initiator) && initiator.State == CallState.OnHoldPendingTransfer)
                {
                    groups.Add(new MediaGroup([i, c.Id], null));
                }
            }

            return groups;
        }
    }

    /// <summary>Forgets idle calls and hubs (they stay readable until then).</summary>
    public int Forget(IEnumerable<Guid> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        lock (_lock)
        {
            var n = 0;
            foreach (var id in ids)
            {
                if (_calls.TryGetValue(id, out var c) && c.State == CallState.Idle && _calls.Remove(id))
                {
                    n++;
                }
                else if (_hubs.TryGetValue(id, out var h) && h.State == CallHubState.Idle && _hubs.Remove(id))
                {
                    n++;
                }
            }

            return n;
        }
    }

    private CallOutcome<T> Run<T>(string operation, Func<Changes, T> body)
    {
        lock (_lock)
        {
            var changes = new Changes(operation);
            try
            {
                var value = body(changes);
                return new CallOutcome<T>(value, changes.Finish(), null);
            }
            catch (RefusedException refused)
            {
                // Preconditions are all checked before the first change, so a refusal changed nothing.
                return new CallOutcome<T>(default, [], refused.Conflict);
            }
        }
    }

    private CallEntry NewCall(CallState state, Changes changes)
    {
        var call = new CallEntry(Guid.CreateVersion7(), state);
        _calls.Add(call.Id, call);
        changes.Created(call);
        return call;
    }

    private CallEntry Find(Guid id, string operation) =>
        _calls.TryGetValue(id, out var c) ? c : throw new RefusedException(new CallConflict(operation, $"no call {id}", new Dictionary<string, string>(), NotFound: true));

    private HubEntry FindHub(Guid id, string operation) =>
        _hubs.TryGetValue(id, out var h) ? h : throw new RefusedException(new CallConflict(operation, $"no call hub {id}", new Dictionary<string, string>(), NotFound: true));

    private CallEntry Require(Guid id, string operation, params CallState[] states)
    {
        var c = Find(id, operation);
        if (!states.Contains(c.State))
        {
            throw Refuse(operation, $"the call is {c.State}; {operation} needs {string.Join(" or ", states)}", id);
        }

        return c;
    }

    /// <summary>A connected call in no two-party call, conference, transfer or consultation.</summary>
    private CallEntry RequireFree(Guid id, string operation)
    {
        var c = Require(id, operation, CallState.Connected);
        if (c.Peer is not null || c.Hub is not null || c.ConsultationOf is not null)
        {
            throw Refuse(operation, "the call is already in a two-party call, a conference or a consultation", id);
        }

        return c;
    }

    private RefusedException Refuse(string operation, string reason, params Guid[] involved)
    {
        var states = new Dictionary<string, string>();
        foreach (var id in involved)
        {
            if (_calls.TryGetValue(id, out var c))
            {
                states[id.ToString()] = c.State.ToString();
            }
            else if (_hubs.TryGetValue(id, out var h))
            {
                states[id.ToString()] = h.State.ToString();
            }
        }

        return new RefusedException(new CallConflict(operation, reason, states));
    }

    private sealed class RefusedException(CallConflict conflict) : Exception(conflict.Reason)
    {
        public CallConflict Conflict { get; } = conflict;
    }

    private sealed class CallEntry(Guid id, CallState state)
    {
        public Guid Id { get; } = id;

        public CallState State { get; set; } = state;

        public Guid? Peer { get; set; }

        public Guid? Hub { get; set; }

        public Guid? ConsultationOf { get; set; }

        public CallMedia Media { get; set; } = new();

        public CallInfo Info() => new(Id, State, Peer, Hub, ConsultationOf, Media);
    }

    private sealed class HubEntry(Guid id, Guid? initiator)
    {
        public Guid Id { get; } = id;

        public CallHubState State { get; set; } = CallHubState.Idle;

        /// <summary>The member the conference is held for; null only for a bridge with no members.</summary>
        public Guid? Initiator { get; set; } = initiator;

        public List<Guid> Members { get; } = [];

        public Guid? Consultation { get; set; }

        /// <summary>A server-based bridge: joined directly, never reverts to a two-party call, idle only when dropped.</summary>
        public bool Bridge { get; init; }

        public CallHubInfo Info() => new(Id, State, Initiator, [.. Members], Consultation, Bridge);
    }

    /// <summary>Applies changes and records the events they cause, in order.</summary>
    private sealed class Changes(string operation)
    {
        public List<CallEvent> Events { get; } = [];

        private bool _topology;

        public void Created(CallEntry call) => Events.Add(new CallCreated(call.Id, call.State));

        public void Set(CallEntry call, CallState state)
        {
            if (call.State != state)
            {
                Events.Add(new CallStateChanged(call.Id, call.State, state, operation));
                call.State = state;
            }
        }

        public void Set(HubEntry hub, CallHubState state, bool isNew = false)
        {
            if (isNew || hub.State != state)
            {
                Events.Add(new CallHubStateChanged(hub.Id, isNew ? null : hub.State, state, operation));
                hub.State = state;
            }
        }

        public void Join(HubEntry hub, CallEntry call)
        {
            hub.Members.Add(call.Id);
            call.Hub = hub.Id;
            Events.Add(new CallHubMembershipChanged(hub.Id, call.Id, Joined: true));
        }

        public void Leave(HubEntry hub, CallEntry call)
        {
            hub.Members.Remove(call.Id);
            call.Hub = null;
            Events.Add(new CallHubMembershipChanged(hub.Id, call.Id, Joined: false));
        }

        /// <summary>Notes that who hears whom changed; said once, after every other event.</summary>
        public void Topology() => _topology = true;

        public List<CallEvent> Finish()
        {
            if (_topology)
            {
                Events.Add(new MediaTopologyChanged());
            }

            return Events;
        }
    }
}
