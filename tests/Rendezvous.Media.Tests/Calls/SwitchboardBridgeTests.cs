using Rendezvous.Media.Calls;

namespace Rendezvous.Media.Tests.Calls;

/// <summary>The server-based bridge: calls join it directly, and it stays a bridge whatever its size until it is dropped.</summary>
public sealed class SwitchboardBridgeTests
{
    [Fact]
    public void A_bridge_is_connected_and_empty_and_calls_join_it_directly()
    {
        var board = new Switchboard();
        var created = board.CreateBridge();
        var bridge = created.Value;
        Assert.Contains(created.Events, e => e is CallHubStateChanged { From: null, To: CallHubState.Connected });
        var info = board.Hub(bridge)!;
        Assert.Equal((CallHubState.Connected, (Guid?)null, (Guid?)null, true), (info.State, info.Initiator, info.Consultation, info.Bridge));
        Assert.Empty(info.Members);

        var (a, b) = (board.Create(dialed: true).Value, board.Create(dialed: true).Value);
        var joined = board.JoinBridge(bridge, a);
        Assert.True(joined.Succeeded);
        Assert.Contains(joined.Events, e => e is CallHubMembershipChanged { Joined: true } m && m.Call == a);
        Assert.Contains(joined.Events, e => e is MediaTopologyChanged);
        Assert.Equal(CallState.Conferenced, board.Call(a)!.State);
        Assert.Equal(a, board.Hub(bridge)!.Initiator);

        // One member is a group of its own (heard by no one unless the bridge is bound to a multicast group).
        Assert.Equal([a], Assert.Single(board.MediaGroups(), g => g.Hub == bridge).Calls);
        board.JoinBridge(bridge, b);
        Assert.Equal([a, b], Assert.Single(board.MediaGroups(), g => g.Hub == bridge).Calls);
    }

    [Fact]
    public void A_bridge_never_reverts_to_a_two_party_call_and_goes_idle_only_when_dropped()
    {
        var board = new Switchboard();
        var bridge = board.CreateBridge().Value;
        var calls = Enumerable.Range(0, 3).Select(_ => board.Create(dialed: true).Value).ToList();
        calls.ForEach(c => board.JoinBridge(bridge, c));

        Assert.True(board.RemoveFromConference(calls[0]).Succeeded);
        Assert.Equal(CallHubState.Connected, board.Hub(bridge)!.State);
        Assert.Equal([calls[1], calls[2]], board.Hub(bridge)!.Members);
        Assert.All(calls.Skip(1), c => Assert.Null(board.Call(c)!.Peer)); // not a two-party call
        Assert.Equal(calls[1], board.Hub(bridge)!.Initiator);

        board.Drop(calls[1]);
        board.Drop(calls[2]);
        Assert.Equal(CallHubState.Connected, board.Hub(bridge)!.State);
        Assert.Empty(board.Hub(bridge)!.Members);
        Assert.Null(board.Hub(bridge)!.Initiator);

        var late = board.Create(dialed: true).Value;
        Assert.True(board.JoinBridge(bridge, late).Succeeded);
        Assert.True(board.DropConference(bridge).Succeeded);
        Assert.Equal(CallHubState.Idle, board.Hub(bridge)!.State);
        Assert.Equal(CallState.Idle, board.Call(late)!.State);
        var refused = board.JoinBridge(bridge, board.Create(dialed: true).Value);
        Assert.Equal("join", refused.Conflict!.Operation);
        Assert.Equal("Idle", refused.Conflict.CurrentStates[bridge.ToString()]);
    }

    [Fact]
    public void Join_is_for_bridges_and_staged_operations_are_not_for_bridges()
    {
        var board = new Switchboard();
        var (a, x) = (board.Create(true).Value, board.Create(true).Value);
        board.Connect(a, x);
        var conference = board.SetupConference(a).Value!.Hub;
        var free = board.Create(true).Value;
        Assert.Contains("switch-based conference", board.JoinBridge(conference, free).Conflict!.Reason, StringComparison.Ordinal);

        var bridge = board.CreateBridge().Value;
        board.JoinBridge(bridge, free);
        Assert.Contains("join", board.PrepareAddToConference(bridge).Conflict!.Reason, StringComparison.Ordinal);
        Assert.False(board.AddToConference(bridge, board.Create(true).Value).Succeeded);
        Assert.True(board.JoinBridge(Guid.NewGuid(), free).Conflict!.NotFound);

        // A no-hold monitor may attach to a bridge as to any connected conference.
        var monitor = board.Create(true).Value;
        Assert.True(board.NoHoldAdd(bridge, monitor).Succeeded);
        Assert.True(board.Call(monitor)!.Media.ListenOnly);
    }

    [Fact]
    public void A_full_bridge_refuses_one_more()
    {
        var board = new Switchboard(new SwitchboardLimits { MaxConferenceParties = 3 });
        var bridge = board.CreateBridge().Value;
        for (var i = 0; i < 3; i++)
        {
            Assert.True(board.JoinBridge(bridge, board.Create(true).Value).Succeeded);
        }

        var refused = board.JoinBridge(bridge, board.Create(true).Value);
        Assert.Contains("full", refused.Conflict!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void While_a_party_is_added_the_consultation_pair_is_marked_and_the_others_form_the_hubs_group()
    {
        var board = new Switchboard();
        var (a, x) = (board.Create(true).Value, board.Create(true).Value);
        board.Connect(a, x);
        var setup = board.SetupConference(a).Value!;
        board.Dial(setup.ConsultationCall!.Value);
        var groups = board.MediaGroups().Where(g => g.Hub == setup.Hub).ToList();
        Assert.Equal([x], Assert.Single(groups, g => !g.Consultation).Calls);
        Assert.Equal([a, setup.ConsultationCall!.Value], Assert.Single(groups, g => g.Consultation).Calls);
    }
}
