namespace Rendezvous.Media.Calls;

/// <summary>The conference, transfer, hold and drop operations (TAPI's line* functions of the same names).</summary>
public sealed partial class Switchboard
{
    /// <summary>
    /// lineSetupConference: <paramref name="initiator"/> (connected, and in a two-party call or
    /// alone) becomes the first member of a new conference, which waits on hold pending
    /// conference; its two-party peer joins too and is held. A consultation call is created in
    /// dial tone: once dialled, the initiator talks to it until it is added.
    /// </summary>
    public CallOutcome<ConferenceSetup> SetupConference(Guid initiator) => Run("setup-conference", changes =>
    {
        var a = Require(initiator, "setup-conference", CallState.Connected);
        if (a.Hub is not null || a.ConsultationOf is not null)
        {
            throw Refuse("setup-conference", "the call is already in a conference or a consultation", initiator);
        }

        var peer = a.Peer is { } p ? _calls[p] : null;
        if (peer is not null && peer.State != CallState.Connected)
        {
            throw Refuse("setup-conference", $"its two-party peer is {peer.State}", initiator, peer.Id);
        }

        var hub = NewHub(a, CallHubState.OnHoldPendingConference, changes, peer);
        var consultation = Consult(hub.Id, changes);
        hub.Consultation = consultation.Id;
        return new ConferenceSetup(hub.Id, consultation.Id);
    });

    /// <summary>
    /// lineAddToConference: the conference (on hold pending conference) takes <paramref name="call"/>
    /// (its consultation call, or another connected or held call that is in nothing else) as a
    /// member and is connected: everyone hears the N-1 mix.
    /// </summary>
    public CallOutcome<Guid> AddToConference(Guid hubId, Guid call) => Run("add-to-conference", changes =>
    {
        var hub = FindHub(hubId, "add-to-conference");
        if (hub.State != CallHubState.OnHoldPendingConference)
        {
            throw Refuse("add-to-conference", $"the conference is {hub.State}; adding needs it on hold pending conference (prepare-add first)", hubId, call);
        }

        var b = Require(call, "add-to-conference", CallState.Connected, CallState.OnHold);
        var isConsultation = hub.Consultation == b.Id;
        if (!isConsultation && (b.Peer is not null || b.Hub is not null || b.ConsultationOf is not null))
        {
            throw Refuse("add-to-conference", "the call is in a two-party call, a conference or another consultation", hubId, call);
        }

        if (!isConsultation && hub.Consultation is not null)
        {
            throw Refuse("add-to-conference", $"the conference's consultation call {hub.Consultation} must be added or dropped first", hubId, call);
        }

        EnsureRoom(hub, "add-to-conference");
        DetachConsultation(hub);
        changes.Join(hub, b);
        changes.Set(b, CallState.Conferenced);
        changes.Set(hub, CallHubState.Connected);
        changes.Topology();
        return hub.Id;
    });

    /// <summary>
    /// linePrepareAddToConference: a connected conference goes on hold pending conference and a
    /// new consultation call is created for its initiator; the other members keep hearing each other.
    /// </summary>
    public CallOutcome<ConferenceSetup> PrepareAddToConference(Guid hubId) => Run("prepare-add", changes =>
    {
        var hub = FindHub(hubId, "prepare-add");
        if (hub.Bridge)
        {
            throw Refuse("prepare-add", "a bridge has no initiator to consult for it: calls join it directly", hubId);
        }

        if (hub.State != CallHubState.Connected)
        {
            throw Refuse("prepare-add", $"the conference is {hub.State}; prepare-add needs it connected", hubId);
        }

        EnsureRoom(hub, "prepare-add");
        var consultation = Consult(hub.Id, changes);
        hub.Consultation = consultation.Id;
        changes.Set(hub, CallHubState.OnHoldPendingConference);
        changes.Topology();
        return new ConferenceSetup(hub.Id, consultation.Id);
    });

    /// <summary>
    /// lineRemoveFromConference (LINEREMOVEFROMCONF_ANY): a member of a connected conference is
    /// removed and dropped. With two parties left, the conference is released: they revert to a
    /// two-party call and the hub goes idle.
    /// </summary>
    public CallOutcome<Guid> RemoveFromConference(Guid call) => Run("remove-from-conference", changes =>
    {
        var x = Require(call, "remove-from-conference", CallState.Conferenced);
        var hub = _hubs[x.Hub!.Value];
        if (hub.State != CallHubState.Connected)
        {
            throw Refuse("remove-from-conference", $"the conference is {hub.State}; finish or cancel adding a party first", call, hub.Id);
        }

        Leave(hub, x, changes);
        changes.Set(x, CallState.Idle);
        Settle(hub, changes);
        return hub.Id;
    });

    /// <summary>
    /// lineDrop: the call goes idle, whatever it was in. A consultation call dropped before it
    /// was added returns its conference to connected, or releases it when only two parties
    /// remain; a transfer's consultation cancels the transfer; a two-party peer is left alone.
    /// </summary>
    public CallOutcome<Guid> Drop(Guid call) => Run("drop", changes =>
    {
        var c = Find(call, "drop");
        if (c.State == CallState.Idle)
        {
            throw Refuse("drop", "the call is already idle", call);
        }

        Hang(c, changes);
        return c.Id;
    });

    /// <summary>lineDrop on the conference handle with LINEADDRCAPFLAGS_CONFDROP: every member, and a pending consultation call, is dropped.</summary>
    public CallOutcome<Guid> DropConference(Guid hubId) => Run("drop-conference", changes =>
    {
        var hub = FindHub(hubId, "drop-conference");
        if (hub.State == CallHubState.Idle)
        {
            throw Refuse("drop-conference", "the conference is already idle", hubId);
        }

        if (DetachConsultation(hub) is { } y)
        {
            changes.Set(y, CallState.Idle);
        }

        foreach (var member in hub.Members.ToList())
        {
            Leave(hub, _calls[member], changes);
            changes.Set(_calls[member], CallState.Idle);
        }

        changes.Set(hub, CallHubState.Idle);
        changes.Topology();
        return hub.Id;
    });

    /// <summary>lineHold: a connected call is held (it hears nothing and no one hears it).</summary>
    public CallOutcome<Guid> Hold(Guid call) => Run("hold", changes =>
    {
        var c = Require(call, "hold", CallState.Connected);
        changes.Set(c, CallState.OnHold);
        changes.Topology();
        return c.Id;
    });

    /// <summary>
    /// lineUnhold: a held call is connected again. Unholding a conference's initiator while a
    /// party is being added cancels the addition (the consultation call is dropped): a new
    /// conference is released back to the two-party call, a larger one reconnected.
    /// </summary>
    public CallOutcome<Guid> Unhold(Guid call) => Run("unhold", changes =>
    {
        var c = Find(call, "unhold");
        if (c.State == CallState.OnHold)
        {
            changes.Set(c, CallState.Connected);
            changes.Topology();
            return c.Id;
        }

        if (c.State == CallState.Conferenced && _hubs[c.Hub!.Value] is { State: CallHubState.OnHoldPendingConference } hub && hub.Initiator == c.Id)
        {
            if (DetachConsultation(hub) is { } y)
            {
                changes.Set(y, CallState.Idle);
            }

            changes.Set(hub, CallHubState.Connected);
            Settle(hub, changes);
            return c.Id;
        }

        throw Refuse("unhold", $"the call is {c.State}; unhold needs it on hold, or the initiator of a conference being set up", call);
    });

    /// <summary>
    /// lineSetupTransfer: the initiator (in a two-party call) goes on hold pending transfer, its
    /// peer is held, and a consultation call is created in dial tone for it to talk to.
    /// </summary>
    public CallOutcome<Guid> SetupTransfer(Guid initiator) => Run("setup-transfer", changes =>
    {
        var a = Require(initiator, "setup-transfer", CallState.Connected);
        if (a.Peer is not { } p || a.Hub is not null || a.ConsultationOf is not null)
        {
            throw Refuse("setup-transfer", "only a call in a two-party call can be transferred", initiator);
        }

        var peer = Require(p, "setup-transfer", CallState.Connected);
        changes.Set(a, CallState.OnHoldPendingTransfer);
        changes.Set(peer, CallState.OnHold);
        var consultation = NewCall(CallState.Dialtone, changes);
        consultation.ConsultationOf = a.Id;
        changes.Topology();
        return consultation.Id;
    });

    /// <summary>
    /// lineCompleteTransfer: as a transfer, the held party and the consultation call become a
    /// two-party call and the initiator is dropped; as a conference (LINETRANSFERMODE_CONFERENCE),
    /// all three become a connected conference.
    /// </summary>
    public CallOutcome<Guid> CompleteTransfer(Guid initiator, Guid consultation, bool asConference) => Run("complete-transfer", changes =>
    {
        var a = Require(initiator, "complete-transfer", CallState.OnHoldPendingTransfer);
        var y = Require(consultation, "complete-transfer", CallState.Connected);
        if (y.ConsultationOf != a.Id)
        {
            throw Refuse("complete-transfer", "the call is not this transfer's consultation call", initiator, consultation);
        }

        var held = _calls[a.Peer!.Value];
        if (asConference && 3 > limits.MaxConferenceParties)
        {
            throw Refuse("complete-transfer", $"a conference holds at most {limits.MaxConferenceParties} parties", initiator);
        }

        y.ConsultationOf = null;
        if (asConference)
        {
            var hub = NewHub(a, CallHubState.Connected, changes, held);
            changes.Join(hub, y);
            changes.Set(y, CallState.Conferenced);
            return hub.Id;
        }

        (a.Peer, held.Peer) = (null, y.Id);
        y.Peer = held.Id;
        changes.Set(held, CallState.Connected);
        changes.Set(a, CallState.Idle);
        changes.Topology();
        return y.Id;
    });

    /// <summary>
    /// No-hold conference (LINECALLPARAMFLAGS_NOHOLDCONFERENCE): <paramref name="call"/> (a
    /// connected call in nothing else, typically a supervisor or a recorder) joins
    /// <paramref name="target"/>, a connected conference or a call in a two-party call (which then
    /// becomes a conference), without holding anyone. It is listen-only unless asked otherwise.
    /// </summary>
    public CallOutcome<Guid> NoHoldAdd(Guid target, Guid call, bool listenOnly = true) => Run("no-hold-add", changes =>
    {
        var b = RequireFree(call, "no-hold-add");
        HubEntry hub;
        if (_hubs.TryGetValue(target, out var existing))
        {
            if (existing.State != CallHubState.Connected)
            {
                throw Refuse("no-hold-add", $"the conference is {existing.State}; no-hold add needs it connected", target);
            }

            EnsureRoom(existing, "no-hold-add");
            hub = existing;
        }
        else
        {
            var a = Require(target, "no-hold-add", CallState.Connected);
            if (a.Peer is not { } p || _calls[p].State != CallState.Connected || b.Id == a.Id)
            {
                throw Refuse("no-hold-add", "the target must be a connected conference or a call in a connected two-party call", target);
            }

            if (3 > limits.MaxConferenceParties)
            {
                throw Refuse("no-hold-add", $"a conference holds at most {limits.MaxConferenceParties} parties", target);
            }

            hub = NewHub(a, CallHubState.Connected, changes, _calls[p]);
        }

        b.Media = b.Media with { ListenOnly = listenOnly };
        changes.Join(hub, b);
        changes.Set(b, CallState.Conferenced);
        changes.Topology();
        return hub.Id;
    });

    /// <summary>Sets a call's mute, deaf, listen-only and gain (any call that is not idle).</summary>
    public CallOutcome<CallMedia> SetMedia(Guid call, CallMedia media) => Run("media", changes =>
    {
        ArgumentNullException.ThrowIfNull(media);
        var c = Find(call, "media");
        if (c.State == CallState.Idle)
        {
            throw Refuse("media", "the call is idle", call);
        }

        if (double.IsNaN(media.Gain) || media.Gain < 0 || media.Gain > 4)
        {
            throw Refuse("media", "gain must be from 0 to 4", call);
        }

        c.Media = media;
        changes.Topology();
        return media;
    });

    private HubEntry NewHub(CallEntry initiator, CallHubState state, Changes changes, CallEntry? peer)
    {
        var hub = new HubEntry(Guid.CreateVersion7(), initiator.Id);
        _hubs.Add(hub.Id, hub);
        changes.Set(hub, state, isNew: true);
        initiator.Peer = null;
        changes.Join(hub, initiator);
        changes.Set(initiator, CallState.Conferenced);
        if (peer is not null)
        {
            peer.Peer = null;
            changes.Join(hub, peer);
            changes.Set(peer, CallState.Conferenced);
        }

        changes.Topology();
        return hub;
    }

    private CallEntry Consult(Guid hubId, Changes changes)
    {
        var consultation = NewCall(CallState.Dialtone, changes);
        consultation.ConsultationOf = hubId;
        return consultation;
    }

    /// <summary>Unlinks a hub's pending consultation call from it (both ways) and returns that call; null when there is none.</summary>
    private CallEntry? DetachConsultation(HubEntry hub)
    {
        if (hub.Consultation is not { } id)
        {
            return null;
        }

        hub.Consultation = null;
        var consultation = _calls[id];
        consultation.ConsultationOf = null;
        return consultation;
    }

    /// <summary>The consultation call (or added call) counts: LINEERR_CONFERENCEFULL when there is no room for it.</summary>
    private void EnsureRoom(HubEntry hub, string operation)
    {
        if (hub.Members.Count + 1 > limits.MaxConferenceParties)
        {
            throw Refuse(operation, $"the conference is full: at most {limits.MaxConferenceParties} parties", hub.Id);
        }
    }

    private static void Leave(HubEntry hub, CallEntry call, Changes changes)
    {
        changes.Leave(hub, call);
        if (hub.Initiator == call.Id && (hub.Members.Count > 0 || hub.Bridge))
        {
            hub.Initiator = hub.Members.Count > 0 ? hub.Members[0] : null; // an empty bridge has none until a call joins
        }
    }

    /// <summary>Drops a call and repairs whatever it was part of.</summary>
    private void Hang(CallEntry c, Changes changes)
    {
        changes.Topology();
        if (c.ConsultationOf is { } of)
        {
            c.ConsultationOf = null;
            if (_hubs.TryGetValue(of, out var pending))
            {
                // Dropped before it was added: the conference goes back to connected, or is released.
                DetachConsultation(pending);
                changes.Set(c, CallState.Idle);
                changes.Set(pending, CallHubState.Connected);
                Settle(pending, changes);
                return;
            }

            // A transfer's consultation call: the transfer is cancelled.
            var initiator = _calls[of];
            changes.Set(c, CallState.Idle);
            changes.Set(initiator, CallState.Connected);
            changes.Set(_calls[initiator.Peer!.Value], CallState.Connected);
            return;
        }

        if (c.State == CallState.OnHoldPendingTransfer)
        {
            // The initiator hung up during the transfer: its consultation call stays, alone; the held party stays held.
            foreach (var y in _calls.Values.Where(y => y.ConsultationOf == c.Id))
            {
                y.ConsultationOf = null;
            }
        }

        if (c.Peer is { } p)
        {
            c.Peer = null;
            _calls[p].Peer = null;
        }

        changes.Set(c, CallState.Idle);
        if (c.Hub is { } h)
        {
            var hub = _hubs[h];
            var wasInitiator = hub.Initiator == c.Id;
            Leave(hub, c, changes);
            if (wasInitiator && hub.State == CallHubState.OnHoldPendingConference && DetachConsultation(hub) is { } y)
            {
                // Whoever was being consulted is left talking to no one: alone if connected, dropped if still in dial tone.
                if (y.State == CallState.Dialtone)
                {
                    changes.Set(y, CallState.Idle);
                }

                changes.Set(hub, CallHubState.Connected);
            }

            Settle(hub, changes);
        }
    }

    /// <summary>
    /// After a member left or an addition ended (a bridge stays as it is): a connected conference with two parties left
    /// reverts to a two-party call, with one left it is released to a lone call, with none it is
    /// released. While a party is being added, the initiator alone with its consultation call
    /// keeps waiting.
    /// </summary>
    private void Settle(HubEntry hub, Changes changes)
    {
        changes.Topology();
        if (hub.Bridge || hub.State != CallHubState.Connected || hub.Members.Count > 2)
        {
            return;
        }

        var left = hub.Members.Select(m => _calls[m]).ToList();
        foreach (var member in left)
        {
            Leave(hub, member, changes);
            changes.Set(member, CallState.Connected);
        }

        if (left.Count == 2)
        {
            (left[0].Peer, left[1].Peer) = (left[1].Id, left[0].Id);
        }

        changes.Set(hub, CallHubState.Idle);
    }
}
