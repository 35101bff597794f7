using Rendezvous.Media.Calls;

namespace Rendezvous.Media.Tests.Calls;

/// <summary>
/// Every operation against a call in every state: the legal ones succeed, the illegal ones are
/// refused with the call's current state and change nothing at all.
/// </summary>
public sealed class SwitchboardTransitionTests
{
    /// <summary>The states a call can be put in, each with the call it applies to.</summary>
    public static readonly string[] Fixtures =
        ["dialtone", "connected-alone", "connected-two-party", "on-hold", "pending-transfer", "conferenced", "conferenced-initiator-pending", "consultation-connected", "idle"];

    /// <summary>Which fixtures each call operation accepts.</summary>
    private static readonly Dictionary<string, string[]> Legal = new()
    {
        ["dial"] = ["dialtone"],
        ["connect"] = ["connected-alone"],
        ["hold"] = ["connected-alone", "connected-two-party", "consultation-connected"],
        ["unhold"] = ["on-hold", "conferenced-initiator-pending"],
        ["setup-conference"] = ["connected-alone", "connected-two-party"],
        ["setup-transfer"] = ["connected-two-party"],
        ["remove-from-conference"] = ["conferenced"],
        ["drop"] = ["dialtone", "connected-alone", "connected-two-party", "on-hold", "pending-transfer", "conferenced", "conferenced-initiator-pending", "consultation-connected"],
        ["no-hold-add"] = ["connected-alone"],
        ["complete-transfer"] = ["pending-transfer"],
        ["join"] = ["connected-alone"],
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var operation in Legal.Keys)
        {
            foreach (var fixture in Fixtures)
            {
                data.Add(operation, fixture);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_operation_is_accepted_exactly_in_its_states(string operation, string fixture)
    {
        var board = new Switchboard();
        var subject = Arrange(board, fixture);
        var free = board.Create(dialed: true).Value;
        var (p, q) = (board.Create(dialed: true).Value, board.Create(dialed: true).Value);
        board.Connect(p, q);
        var bridge = board.CreateBridge().Value;
        var stateBefore = board.Call(subject)!.State;
        var before = Snapshot(board);
        var outcome = Act(board, operation, subject, free, p, bridge);
        var legal = Legal[operation].Contains(fixture);
        Assert.True(legal == outcome.Succeeded, $"{operation} on {fixture}: {outcome.Conflict?.Reason ?? "accepted"}");
        if (!legal)
        {
            Assert.Empty(outcome.Events);
            Assert.Equal(operation, outcome.Conflict!.Operation);
            Assert.Equal(stateBefore.ToString(), outcome.Conflict.CurrentStates[subject.ToString()]);
            Assert.Equal(before, Snapshot(board));
        }
        else
        {
            Assert.NotEmpty(outcome.Events);
            Assert.NotEqual(before, Snapshot(board));
        }
    }

    [Theory]
    [InlineData("dialtone", false)]
    [InlineData("connected", true)]
    [InlineData("on-hold", true)]
    [InlineData("idle", false)]
    public void A_consultation_call_is_added_when_connected_or_held(string state, bool legal)
    {
        var board = new Switchboard();
        var a = board.Create(dialed: true).Value;
        var setup = board.SetupConference(a).Value!;
        var y = setup.ConsultationCall!.Value;
        if (state is "connected" or "on-hold")
        {
            board.Dial(y);
        }

        if (state == "on-hold")
        {
            board.Hold(y);
        }

        if (state == "idle")
        {
            board.Drop(y);
        }

        var before = Snapshot(board);
        var outcome = board.AddToConference(setup.Hub, y);
        Assert.Equal(legal, outcome.Succeeded);
        if (!legal)
        {
            Assert.Equal(before, Snapshot(board));
        }
    }

    [Fact]
    public void Hub_operations_need_the_hub_in_their_state_and_unknown_ids_are_refused()
    {
        var board = new Switchboard();
        var (a, x) = (board.Create(true).Value, board.Create(true).Value);
        board.Connect(a, x);
        var setup = board.SetupConference(a).Value!;
        var free = board.Create(true).Value;

        // On hold pending conference: no prepare-add, no no-hold add, no removal; another call cannot jump the consultation.
        Assert.False(board.PrepareAddToConference(setup.Hub).Succeeded);
        Assert.False(board.NoHoldAdd(setup.Hub, free).Succeeded);
        Assert.False(board.RemoveFromConference(x).Succeeded);
        Assert.Contains("consultation", board.AddToConference(setup.Hub, free).Conflict!.Reason, StringComparison.Ordinal);

        // Connected: no add without prepare-add.
        board.Dial(setup.ConsultationCall!.Value);
        Assert.True(board.AddToConference(setup.Hub, setup.ConsultationCall!.Value).Succeeded);
        Assert.Contains("prepare-add", board.AddToConference(setup.Hub, free).Conflict!.Reason, StringComparison.Ordinal);

        // Idle: nothing.
        Assert.True(board.DropConference(setup.Hub).Succeeded);
        Assert.False(board.DropConference(setup.Hub).Succeeded);
        Assert.False(board.PrepareAddToConference(setup.Hub).Succeeded);
        Assert.False(board.AddToConference(setup.Hub, free).Succeeded);

        var nobody = Guid.NewGuid();
        Assert.Contains("no call hub", board.PrepareAddToConference(nobody).Conflict!.Reason, StringComparison.Ordinal);
        Assert.Contains("no call", board.Drop(nobody).Conflict!.Reason, StringComparison.Ordinal);
        Assert.False(board.Connect(free, free).Succeeded);
    }

    [Fact]
    public void Complete_transfer_needs_this_transfers_own_connected_consultation_call()
    {
        var board = new Switchboard();
        var (a, x) = (board.Create(true).Value, board.Create(true).Value);
        board.Connect(a, x);
        var y = board.SetupTransfer(a).Value;
        Assert.False(board.CompleteTransfer(a, y, asConference: true).Succeeded); // still in dial tone
        board.Dial(y);
        var stranger = board.Create(true).Value;
        Assert.False(board.CompleteTransfer(a, stranger, asConference: true).Succeeded);
        Assert.True(board.CompleteTransfer(a, y, asConference: false).Succeeded);
    }

    private static Guid Arrange(Switchboard board, string fixture)
    {
        Guid Live() => board.Create(dialed: true).Value;
        switch (fixture)
        {
            case "dialtone":
                return board.Create(dialed: false).Value;
            case "connected-alone":
                return Live();
            case "idle":
                var gone = Live();
                board.Drop(gone);
                return gone;
        }

        var (a, x) = (Live(), Live());
        board.Connect(a, x);
        switch (fixture)
        {
            case "connected-two-party":
                return a;
            case "on-hold":
                board.Hold(a);
                return a;
            case "pending-transfer":
                var consultation = board.SetupTransfer(a).Value;
                board.Dial(consultation);
                return a;
        }

        var setup = board.SetupConference(a).Value!;
        var y = setup.ConsultationCall!.Value;
        board.Dial(y);
        switch (fixture)
        {
            case "conferenced-initiator-pending":
                return a;
            case "consultation-connected":
                return y;
        }

        board.AddToConference(setup.Hub, y);
        return x; // "conferenced": a member that is not the initiator
    }

    /// <param name="free">A connected call in nothing else.</param>
    /// <param name="twoParty">A call in a connected two-party call.</param>
    /// <param name="bridge">An empty bridge.</param>
    private static CallOutcome<string> Act(Switchboard board, string operation, Guid subject, Guid free, Guid twoParty, Guid bridge)
    {
        static CallOutcome<string> Text<T>(CallOutcome<T> o) => new(o.Value?.ToString(), o.Events, o.Conflict);
        switch (operation)
        {
            case "dial": return Text(board.Dial(subject));
            case "connect": return Text(board.Connect(subject, free));
            case "hold": return Text(board.Hold(subject));
            case "unhold": return Text(board.Unhold(subject));
            case "setup-conference": return Text(board.SetupConference(subject));
            case "setup-transfer": return Text(board.SetupTransfer(subject));
            case "remove-from-conference": return Text(board.RemoveFromConference(subject));
            case "drop": return Text(board.Drop(subject));
            case "complete-transfer":
                var consultation = board.Current().Calls.FirstOrDefault(c => c.ConsultationOf == subject)?.Id ?? Guid.NewGuid();
                return Text(board.CompleteTransfer(subject, consultation, asConference: true));
            case "no-hold-add": return Text(board.NoHoldAdd(twoParty, subject));
            case "join": return Text(board.JoinBridge(bridge, subject));
            default: throw new ArgumentOutOfRangeException(nameof(operation));
        }
    }

    /// <summary>Everything observable about the board, as text.</summary>
    private static string Snapshot(Switchboard board)
    {
        var (calls, hubs) = board.Current();
        return string.Join("\n", calls.OrderBy(c => c.Id).Select(c => c.ToString()))
            + "\n" + string.Join("\n", hubs.OrderBy(h => h.Id).Select(h => $"{h.Id} {h.State} {h.Initiator} [{string.Join(",", h.Members)}] {h.Consultation}"))
            + "\n" + string.Join("\n", board.MediaGroups().Select(g => string.Join(",", g.Calls)));
    }
}
