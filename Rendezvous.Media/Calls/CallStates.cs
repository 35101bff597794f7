namespace Rendezvous.Media.Calls;

/// <summary>
/// The state of a call (one party's leg through the switch), after TAPI 2's LINECALLSTATE
/// (../shared/reference/tapi-rendezvous.md section 5). <see cref="Idle"/> is terminal: a dropped
/// call never comes back.
/// </summary>
public enum CallState
{
    /// <summary>Dropped, or removed from its conference: no media, terminal.</summary>
    Idle,

    /// <summary>A consultation call not yet dialled: it has no remote party yet.</summary>
    Dialtone,

    /// <summary>Has a remote party; talking to its peer (a two-party call), to the initiator it consults, or alone.</summary>
    Connected,

    /// <summary>Held: hears nothing and is heard by no one.</summary>
    OnHold,

    /// <summary>The initiator's call while it consults the party it will transfer to (lineSetupTransfer).</summary>
    OnHoldPendingTransfer,

    /// <summary>A member of a conference (call hub).</summary>
    Conferenced,
}

/// <summary>The state of a conference (TAPI's conference handle; TAPI 3's call hub).</summary>
public enum CallHubState
{
    /// <summary>Released (it reverted to a two-party call, or was dropped): terminal.</summary>
    Idle,

    /// <summary>Being set up, or a party is being added: the initiator talks to the consultation call.</summary>
    OnHoldPendingConference,

    /// <summary>Every member hears the mix of the others (N-1).</summary>
    Connected,
}

/// <summary>How a call takes part in what it is connected to (mixer flags; none is a state).</summary>
public sealed record CallMedia
{
    /// <summary>Not mixed into what others hear.</summary>
    public bool Muted { get; init; }

    /// <summary>Receives nothing.</summary>
    public bool Deaf { get; init; }

    /// <summary>Hears the conference but is never heard (the no-hold monitor: a supervisor or a recorder).</summary>
    public bool ListenOnly { get; init; }

    /// <summary>Linear gain applied to what this call sends, 0 to 4.</summary>
    public double Gain { get; init; } = 1;
}
