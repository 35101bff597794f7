namespace Rendezvous.Media.Calls;

/// <summary>
/// The server-based bridge: a call hub that calls join directly. Each party sees one ordinary
/// call; the hub is connected from its creation, with any number of members (none, one, many),
/// never reverts to a two-party call when members leave, and goes idle only when it is dropped.
/// Members leave it with remove-from-conference or drop, as from a conference.
/// </summary>
public sealed partial class Switchboard
{
    /// <summary>A new bridge, connected and empty.</summary>
    public CallOutcome<Guid> CreateBridge() => Run("create-bridge", changes =>
    {
        var hub = new HubEntry(Guid.CreateVersion7(), initiator: null) { Bridge = true };
        _hubs.Add(hub.Id, hub);
        changes.Set(hub, CallHubState.Connected, isNew: true);
        changes.Topology();
        return hub.Id;
    });

    /// <summary>
    /// A connected call in nothing else joins a connected bridge and is conferenced. Refused for a
    /// staged conference (use add-to-conference or no-hold-add there) and when the bridge is full.
    /// </summary>
    public CallOutcome<Guid> JoinBridge(Guid hubId, Guid call) => Run("join", changes =>
    {
        var hub = FindHub(hubId, "join");
        if (!hub.Bridge)
        {
            throw Refuse("join", "the call hub is a switch-based conference: calls are added to it with add-to-conference or no-hold-add", hubId, call);
        }

        if (hub.State != CallHubState.Connected)
        {
            throw Refuse("join", $"the bridge is {hub.State}", hubId, call);
        }

        var c = RequireFree(call, "join");
        EnsureRoom(hub, "join");
        hub.Initiator ??= c.Id;

        changes.Join(hub, c);
        changes.Set(c, CallState.Conferenced);
        changes.Topology();
        return hub.Id;
    });
}
