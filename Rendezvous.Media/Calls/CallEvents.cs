namespace Rendezvous.Media.Calls;

/// <summary>Something that happened to a call or a call hub (TAPI's LINE_CALLSTATE and CHE_* events).</summary>
public abstract record CallEvent;

/// <summary>A call came to be (LINE_APPNEWCALL), in <paramref name="State"/>.</summary>
public sealed record CallCreated(Guid Call, CallState State) : CallEvent;

/// <summary>A call changed state; <paramref name="Cause"/> names the operation that did it.</summary>
public sealed record CallStateChanged(Guid Call, CallState From, CallState To, string Cause) : CallEvent;

/// <summary>A call hub came to be (CHE_CALLHUBNEW) or changed state; a hub going <see cref="CallHubState.Idle"/> is CHE_CALLHUBIDLE.</summary>
public sealed record CallHubStateChanged(Guid Hub, CallHubState? From, CallHubState To, string Cause) : CallEvent;

/// <summary>A call joined (CHE_CALLJOIN) or left (CHE_CALLLEAVE) a call hub.</summary>
public sealed record CallHubMembershipChanged(Guid Hub, Guid Call, bool Joined) : CallEvent;

/// <summary>What hears what changed: the media layer re-reads <see cref="Switchboard.MediaGroups"/>.</summary>
public sealed record MediaTopologyChanged : CallEvent;

/// <summary>
/// Why an operation was refused: the HTTP layer answers 409 with this and the current states, or
/// 404 when <paramref name="NotFound"/> (a call or hub the switchboard does not know).
/// </summary>
public sealed record CallConflict(string Operation, string Reason, IReadOnlyDictionary<string, string> CurrentStates, bool NotFound = false);

/// <summary>An operation's result: its value and the events it caused, or the conflict that refused it (nothing changed then).</summary>
public sealed record CallOutcome<T>(T? Value, IReadOnlyList<CallEvent> Events, CallConflict? Conflict)
{
    public bool Succeeded => Conflict is null;
}

/// <summary>A two-party call's calls, or a new conference and its consultation call, as an operation returns them.</summary>
public sealed record ConferenceSetup(Guid Hub, Guid? ConsultationCall);

/// <summary>One group of calls that hear each other: two are relayed, three or more mixed (N-1).</summary>
/// <param name="Calls">The calls in the group, in the order they joined (a hub's group may have fewer than two).</param>
/// <param name="Hub">The call hub the group belongs to, if any.</param>
/// <param name="Consultation">The hub's initiator talking to its consultation call while a party is added: not the hub's own group.</param>
public sealed record MediaGroup(IReadOnlyList<Guid> Calls, Guid? Hub, bool Consultation = false)
{
    /// <summary>Two parties are relayed; mixing starts with the third (and stops when it leaves).</summary>
    public bool Mixed => Calls.Count > 2;
}
