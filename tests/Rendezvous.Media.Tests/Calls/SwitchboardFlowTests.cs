using Rendezvous.Media.Calls;

namespace Rendezvous.Media.Tests.Calls;

/// <summary>The basic conference flows of ../shared/reference/tapi-rendezvous.md section 5, step by step, with the events and media groups each step makes.</summary>
public sealed class SwitchboardFlowTests
{
    private readonly Switchboard _board = new(new SwitchboardLimits { MaxConferenceParties = 4 });

    private static T Ok<T>(CallOutcome<T> outcome)
    {
        Assert.True(outcome.Succeeded, outcome.Conflict?.Reason);
        return outcome.Value!;
    }

    private Guid Connected() => Ok(_board.Create(dialed: true));

    private (Guid A, Guid X) TwoPartyCall()
    {
        var (a, x) = (Connected(), Connected());
        Ok(_board.Connect(a, x));
        return (a, x);
    }

    private CallState State(Guid call) => _board.Call(call)!.State;

    private CallHubState HubState(Guid hub) => _board.Hub(hub)!.State;

    /// <summary>Groups that hear someone: a lone member of a hub is a group of one, heard by no one unless the hub is bound to a multicast group.</summary>
    private HashSet<string> Groups() =>
        [.. _board.MediaGroups().Where(g => g.Calls.Count >= 2).Select(g => string.Join("+", g.Calls.Order()) + (g.Mixed ? " mixed" : " relayed"))];

    private static string Group(params Guid[] calls) => string.Join("+", calls.Order()) + (calls.Length > 2 ? " mixed" : " relayed");

    [Fact]
    public void A_two_party_call_becomes_a_conference_takes_a_consultation_call_and_reverts_when_it_is_removed()
    {
        var (a, x) = TwoPartyCall();
        Assert.Equal([Group(a, x)], Groups());

        // 1. lineSetupConference: A and its peer are conferenced, the hub waits, the consultation call has dial tone.
        var setup = _board.SetupConference(a);
        var (hub, y) = (setup.Value!.Hub, setup.Value.ConsultationCall!.Value);
        Assert.Equal((CallState.Conferenced, CallState.Conferenced, CallState.Dialtone, CallHubState.OnHoldPendingConference), (State(a), State(x), State(y), HubState(hub)));
        Assert.Contains(new CallHubStateChanged(hub, null, CallHubState.OnHoldPendingConference, "setup-conference"), setup.Events);
        Assert.Contains(new CallHubMembershipChanged(hub, a, Joined: true), setup.Events);
        Assert.Contains(new CallCreated(y, CallState.Dialtone), setup.Events);
        Assert.IsType<MediaTopologyChanged>(setup.Events[^1]);
        Assert.Empty(Groups()); // X is held; Y has no remote party yet

        // 2. The consultation call is dialled: the initiator talks to it privately.
        Ok(_board.Dial(y));
        Assert.Equal([Group(a, y)], Groups());

        // 3. lineAddToConference: everyone conferenced, the hub connected, mixing starts.
        var added = _board.AddToConference(hub, y);
        Assert.Contains(new CallStateChanged(y, CallState.Connected, CallState.Conferenced, "add-to-conference"), added.Events);
        Assert.Contains(new CallHubStateChanged(hub, CallHubState.OnHoldPendingConference, CallHubState.Connected, "add-to-conference"), added.Events);
        Assert.Equal([Group(a, x, y)], Groups());
        Assert.Equal([a, x, y], _board.Hub(hub)!.Members);

        // 4. lineRemoveFromConference: the third party goes; the remaining two revert to a relayed two-party call.
        var removed = _board.RemoveFromConference(y);
        Assert.Equal((CallState.Idle, CallState.Connected, CallState.Connected, CallHubState.Idle), (State(y), State(a), State(x), HubState(hub)));
        Assert.Contains(new CallHubMembershipChanged(hub, y, Joined: false), removed.Events);
        Assert.Contains(new CallHubStateChanged(hub, CallHubState.Connected, CallHubState.Idle, "remove-from-conference"), removed.Events);
        Assert.Equal(x, _board.Call(a)!.Peer);
        Assert.Equal([Group(a, x)], Groups());
    }

    /// <summary>A conference of A, X and Y, connected.</summary>
    private (Guid Hub, Guid A, Guid X, Guid Y) Conference()
    {
        var (a, x) = TwoPartyCall();
        var setup = Ok(_board.SetupConference(a));
        var y = setup.ConsultationCall!.Value;
        Ok(_board.Dial(y));
        Ok(_board.AddToConference(setup.Hub, y));
        return (setup.Hub, a, x, y);
    }

    [Fact]
    public void Prepare_add_lets_the_others_keep_talking_while_the_initiator_consults_then_a_fourth_party_joins()
    {
        var (hub, a, x, y) = Conference();
        var z = Ok(_board.PrepareAddToConference(hub)).ConsultationCall!.Value;
        Assert.Equal(CallHubState.OnHoldPendingConference, HubState(hub));
        Assert.Equal([Group(x, y)], Groups()); // two left talking: relayed
        Ok(_board.Dial(z));
        Assert.Equal([Group(x, y), Group(a, z)], Groups());
        Ok(_board.AddToConference(hub, z));
        Assert.Equal([Group(a, x, y, z)], Groups());

        // The limit is four parties: a fifth cannot even be prepared (LINEERR_CONFERENCEFULL).
        var full = _board.PrepareAddToConference(hub);
        Assert.False(full.Succeeded);
        Assert.Contains("full", full.Conflict!.Reason, StringComparison.Ordinal);
        Assert.Equal(CallHubState.Connected, HubState(hub));
    }

    [Fact]
    public void Dropping_the_consultation_call_before_it_is_added_reconnects_a_conference_or_releases_a_new_one()
    {
        // A new conference: only two parties remain, so it is released and A and X talk again.
        var (a, x) = TwoPartyCall();
        var setup = Ok(_board.SetupConference(a));
        var dropped = _board.Drop(setup.ConsultationCall!.Value);
        Assert.Contains(new CallHubStateChanged(setup.Hub, CallHubState.Connected, CallHubState.Idle, "drop"), dropped.Events);
        Assert.Equal((CallState.Connected, CallState.Connected, CallHubState.Idle), (State(a), State(x), HubState(setup.Hub)));
        Assert.Equal([Group(a, x)], Groups());

        // A conference of three: it goes back to connected.
        var (hub, a2, x2, y2) = Conference();
        var z = Ok(_board.PrepareAddToConference(hub)).ConsultationCall!.Value;
        Ok(_board.Dial(z));
        Ok(_board.Drop(z));
        Assert.Equal(CallHubState.Connected, HubState(hub));
        Assert.Contains(Group(a2, x2, y2), Groups());
    }

    [Fact]
    public void Unholding_the_initiator_during_setup_cancels_it()
    {
        var (a, x) = TwoPartyCall();
        var setup = Ok(_board.SetupConference(a));
        var y = setup.ConsultationCall!.Value;
        Ok(_board.Dial(y));
        Ok(_board.Unhold(a));
        Assert.Equal((CallState.Connected, CallState.Connected, CallState.Idle, CallHubState.Idle), (State(a), State(x), State(y), HubState(setup.Hub)));
        Assert.Equal([Group(a, x)], Groups());
    }

    [Fact]
    public void A_party_hanging_up_leaves_the_conference_and_two_remaining_parties_revert()
    {
        var (hub, a, x, y) = Conference();
        Ok(_board.Drop(a)); // the initiator itself hangs up
        Assert.Equal((CallState.Connected, CallState.Connected, CallHubState.Idle), (State(x), State(y), HubState(hub)));
        Assert.Equal([Group(x, y)], Groups());

        // In a two-party call, the other party is left connected and alone.
        Ok(_board.Drop(x));
        Assert.Equal((CallState.Connected, (Guid?)null), (State(y), _board.Call(y)!.Peer));
        Assert.Empty(Groups());
    }

    [Fact]
    public void Dropping_the_conference_drops_every_member_and_the_pending_consultation()
    {
        var (hub, a, x, y) = Conference();
        var z = Ok(_board.PrepareAddToConference(hub)).ConsultationCall!.Value;
        Ok(_board.DropConference(hub));
        Assert.All(new[] { a, x, y, z }, c => Assert.Equal(CallState.Idle, State(c)));
        Assert.Equal(CallHubState.Idle, HubState(hub));
        Assert.Empty(_board.Current().Calls);
        Assert.Equal(5, _board.Forget([a, x, y, z, hub]));
        Assert.Null(_board.Call(a));
    }

    [Fact]
    public void A_transfer_completed_as_a_conference_makes_a_connected_hub_of_all_three()
    {
        var (a, x) = TwoPartyCall();
        var y = Ok(_board.SetupTransfer(a));
        Assert.Equal((CallState.OnHoldPendingTransfer, CallState.OnHold, CallState.Dialtone), (State(a), State(x), State(y)));
        Ok(_board.Dial(y));
        Assert.Equal([Group(a, y)], Groups());
        var hub = Ok(_board.CompleteTransfer(a, y, asConference: true));
        Assert.Equal(CallHubState.Connected, HubState(hub));
        Assert.All(new[] { a, x, y }, c => Assert.Equal(CallState.Conferenced, State(c)));
        Assert.Equal([Group(a, x, y)], Groups());
    }

    [Fact]
    public void A_plain_transfer_connects_the_held_party_to_the_consultation_call_and_drops_the_initiator()
    {
        var (a, x) = TwoPartyCall();
        var y = Ok(_board.SetupTransfer(a));
        Ok(_board.Dial(y));
        Ok(_board.CompleteTransfer(a, y, asConference: false));
        Assert.Equal((CallState.Idle, CallState.Connected, CallState.Connected), (State(a), State(x), State(y)));
        Assert.Equal([Group(x, y)], Groups());

        // Dropping a transfer's consultation call instead cancels it.
        var (b, w) = TwoPartyCall();
        var v = Ok(_board.SetupTransfer(b));
        Ok(_board.Drop(v));
        Assert.Equal((CallState.Connected, CallState.Connected), (State(b), State(w)));
        Assert.Contains(Group(b, w), Groups());
    }

    [Fact]
    public void A_no_hold_monitor_joins_a_two_party_call_without_holding_anyone_and_is_listen_only()
    {
        var (a, x) = TwoPartyCall();
        var supervisor = Connected();
        var hub = Ok(_board.NoHoldAdd(a, supervisor));
        Assert.Equal(CallHubState.Connected, HubState(hub));
        Assert.Equal([Group(a, x, supervisor)], Groups());
        Assert.True(_board.Call(supervisor)!.Media.ListenOnly);
        Assert.False(_board.Call(a)!.Media.ListenOnly);

        // The monitor leaving reverts the call to two parties.
        Ok(_board.RemoveFromConference(supervisor));
        Assert.Equal([Group(a, x)], Groups());
    }

    [Fact]
    public void Hold_and_unhold_take_a_call_out_of_its_relay_and_back()
    {
        var (a, x) = TwoPartyCall();
        var held = _board.Hold(x);
        Assert.Equal([new CallStateChanged(x, CallState.Connected, CallState.OnHold, "hold"), new MediaTopologyChanged()], held.Events);
        Assert.Empty(Groups());
        Ok(_board.Unhold(x));
        Assert.Equal([Group(a, x)], Groups());
    }

    [Fact]
    public void Media_flags_are_set_on_live_calls_and_gain_is_bounded()
    {
        var a = Connected();
        Assert.True(_board.SetMedia(a, new CallMedia { Muted = true, Gain = 2 }).Succeeded);
        Assert.True(_board.Call(a)!.Media.Muted);
        Assert.False(_board.SetMedia(a, new CallMedia { Gain = 5 }).Succeeded);
        Assert.False(_board.SetMedia(a, new CallMedia { Gain = double.NaN }).Succeeded);
        Ok(_board.Drop(a));
        Assert.False(_board.SetMedia(a, new CallMedia()).Succeeded);
    }
}
