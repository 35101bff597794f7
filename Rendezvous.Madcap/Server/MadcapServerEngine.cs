using System.Net;
using Rendezvous.Madcap.Leases;
using Rendezvous.Madcap.Protocol;
using WireScope = Rendezvous.Madcap.Protocol.MadcapScope;
using WireScopeName = Rendezvous.Madcap.Protocol.MadcapScopeName;

namespace Rendezvous.Madcap.Server;

/// <summary>Settings of the server's protocol behaviour (RFC 2730's constants, Appendix B).</summary>
public sealed record MadcapServerSettings
{
    /// <summary>The address put in every Server Identifier option.</summary>
    public required IPAddress ServerIdentifier { get; init; }

    /// <summary>[OFFER-HOLD]: how long offered addresses are held for the client's REQUEST.</summary>
    public TimeSpan OfferHold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>[CLOCK-SKEW-ALLOWANCE] (section 2.12): a client clock further off gets error 2.</summary>
    public TimeSpan ClockSkewAllowance { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>[RESPONSE-CACHE-INTERVAL] (section 1.5): a retransmitted request gets the same answer for this long.</summary>
    public TimeSpan ResponseCacheInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Most answers the response cache holds (see <see cref="ResponseCache"/>): the oldest go first when it is full.</summary>
    public int ResponseCacheEntries { get; init; } = ResponseCache.DefaultCapacity;

    /// <summary>Most bytes of answers and Lease Identifiers the response cache holds.</summary>
    public int ResponseCacheBytes { get; init; } = ResponseCache.DefaultArenaBytes;

    /// <summary>Most offers held at once (in memory; see <see cref="OfferBook"/>): beyond it, DISCOVERs are ignored and counted as dropped.</summary>
    public int MaxHeldOffers { get; init; } = 16_384;
}

/// <summary>
/// The MADCAP server's protocol logic, apart from sockets: a datagram in, a datagram (or
/// nothing) out. Garbage is dropped and counted, never answered (section 2.6); a well-framed
/// request that breaks a rule gets NAK error 1 naming the option; leases come from the
/// <see cref="LeaseStore"/>, whose answers are durable before they are returned. OFFERs are
/// held in memory (<see cref="OfferBook"/>), so a four-way exchange writes to the database once.
/// </summary>
public sealed class MadcapServerEngine(LeaseStore store, TimeProvider time, MadcapServerSettings settings, MadcapStats stats)
{
    private readonly ResponseCache _cache = new(settings.ResponseCacheInterval, settings.ResponseCacheEntries, settings.ResponseCacheBytes);
    private readonly OfferBook _offers = new(time, settings.OfferHold, settings.MaxHeldOffers);

    public MadcapStats Stats => stats;

    /// <summary>Offers held now, waiting for their REQUEST.</summary>
    public int HeldOffers => _offers.Count;

    /// <summary>
    /// Answers one datagram from <paramref name="source"/>; <paramref name="receivedOn"/> is the
    /// destination address it arrived on (a MADCAP server group, or a unicast address), when known.
    /// </summary>
    public async Task<byte[]?> HandleAsync(ReadOnlyMemory<byte> datagram, IPEndPoint source, IPAddress? receivedOn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        stats.Received();
        var decoded = MadcapDecoder.Decode(datagram.Span);
        if (decoded.Status == MadcapDecodeStatus.Ignore)
        {
            stats.Invalid();
            return null;
        }

        var type = (MadcapMessageType)decoded.MessageType;
        if (decoded.Status == MadcapDecodeStatus.InvalidRequest)
        {
            stats.Invalid();
            // Never answer what is, or might be, a server's message (no NAK loops), nor a request we cannot echo.
            if (!Enum.IsDefined(type) || !type.IsClientMessage() || decoded.LeaseIdentifier.IsEmpty || !Enum.IsDefined((MadcapAddressFamily)decoded.Family))
            {
                return null;
            }

            return Nak((MadcapAddressFamily)decoded.Family, decoded.Xid, decoded.LeaseIdentifier, MadcapError.InvalidRequest(decoded.OptionCode), features: null);
        }

        var message = decoded.Message!;
        if (!message.IsClientMessage)
        {
            stats.Invalid();
            return null;
        }

        var now = time.GetUtcNow();
        // The Lease Identifier in hex keys both the response cache and the held offers.
        var leaseKey = Convert.ToHexString(message.LeaseIdentifier.AsSpan());
        var key = new ResponseKey(message.Xid, (byte)message.Type, leaseKey, source);
        if (_cache.Find(key, now) is { } cached)
        {
            stats.Retransmission();
            return cached;
        }

        var response = await AnswerAsync(message, leaseKey, source.Address, receivedOn, now, cancellationToken).ConfigureAwait(false);
        if (response is not null)
        {
            _cache.Add(key, now, response);
        }

        return response;
    }

    private async Task<byte[]?> AnswerAsync(MadcapMessage request, string leaseKey, IPAddress client, IPAddress? receivedOn, DateTimeOffset now, CancellationToken cancellationToken)
    {
        MadcapFeatureList? features = request.Features is null ? null : new MadcapFeatureList();
        if (request.CurrentTime is { } clientTime && (clientTime - now).Duration() > settings.ClockSkewAllowance)
        {
            stats.ClockSkew();
            return Nak(request, MadcapError.ExcessiveClockSkew(now), features);
        }

        if (request.Features is { Required.Count: > 0 } asked)
        {
            // No optional feature is implemented: each required one is refused (section 2.13).
            return Nak(request, MadcapError.RequiredFeatureNotSupported(asked.Required.AsSpan()), features);
        }

        switch (request.Type)
        {
            case MadcapMessageType.GetInfo:
                stats.Inform();
                return await InformAsync(request, receivedOn, now, features, cancellationToken).ConfigureAwait(false);
            case MadcapMessageType.Discover:
                stats.Discover();
                return await OfferAsync(request, leaseKey, client, receivedOn, now, features, cancellationToken).ConfigureAwait(false);
            case MadcapMessageType.Request:
                stats.Request();
                return await RequestAsync(request, leaseKey, client, receivedOn, now, features, cancellationToken).ConfigureAwait(false);
            case MadcapMessageType.Renew:
                stats.Renew();
                var renewed = await store.RenewAsync([.. request.LeaseIdentifier], request.LeaseTime, request.MinLeaseTime, cancellationToken).ConfigureAwait(false);
                return renewed.Lease is { } lease ? LeaseAck(request, lease, now, features) : Refused(request, renewed, features);
            case MadcapMessageType.Release:
                stats.Release();
                if (!await store.ReleaseAsync([.. request.LeaseIdentifier], cancellationToken).ConfigureAwait(false))
                {
                    stats.BadLeaseIdentifier();
                    return Nak(request, MadcapError.LeaseIdentifierNotRecognized(), features);
                }

                stats.Ack();
                return Encode(Reply(request, MadcapMessageType.Ack) with { Features = features });
            default:
                return null;
        }
    }

    private async Task<byte[]?> InformAsync(MadcapMessage request, IPAddress? receivedOn, DateTimeOffset now, MadcapFeatureList? features, CancellationToken cancellationToken)
    {
        var scopes = await store.ScopesAsync(cancellationToken).ConfigureAwait(false);
        // Section 2.11: a multicast GETINFO is answered only on a group this server serves.
        if (receivedOn is not null && Leases.MadcapScope.IsMulticast(receivedOn) && !scopes.Any(s => s.ServerGroup.Equals(receivedOn)))
        {
            stats.Dropped();
            return null;
        }

        var family = request.Family;
        var list = request.OptionRequestList.AsSpan().Contains((ushort)MadcapOptionCode.MulticastScopeList)
            ? MadcapList.From(scopes.Where(s => Family(s.First) == family).Select(s => ToWire(s, request.RequestedLanguage)))
            : (MadcapList<WireScope>?)null;
        stats.Ack();
        return Encode(Reply(request, MadcapMessageType.Ack) with { ScopeList = list, CurrentTime = now, Features = features });
    }

    private async Task<byte[]?> OfferAsync(MadcapMessage request, string key, IPAddress client, IPAddress? receivedOn, DateTimeOffset now, MadcapFeatureList? features, CancellationToken cancellationToken)
    {
        if (!await ServesAsync(request, receivedOn, cancellationToken).ConfigureAwait(false))
        {
            stats.Dropped();
            return null;
        }

        // A DISCOVER sent again with a new xid (the cache answers the same xid) gets the offer it got.
        if (_offers.Find(key) is not { } offer)
        {
            var asked = LeaseRequestOf(request, client);
            var plan = await store.PlanAsync(asked, cancellationToken).ConfigureAwait(false);
            if (plan.Refusal is { } refusal)
            {
                // Section 2.2: a server that cannot satisfy a DISCOVER ignores it.
                Count(refusal.Failure);
                return null;
            }

            if (_offers.HeldBy(client) + plan.MinCount > store.Limits.MaxAddressesPerClient)
            {
                stats.Denied(); // what this client's offers hold counts against its quota; its leases are checked at REQUEST
                return null;
            }

            if (await FindOfferAsync(asked, plan, now, cancellationToken).ConfigureAwait(false) is not { } found)
            {
                return null;
            }

            if (!_offers.TryHold(key, found))
            {
                stats.Dropped();
                return null;
            }

            offer = found;
        }

        stats.Offer();
        return Encode(LeaseReply(request, MadcapMessageType.Offer, offer, now) with { Features = features });
    }

    /// <summary>
    /// Addresses to offer: from the scope's candidates when the lease starts now, else (or when
    /// those run short) a read-only search for each start the plan allows, passing over the
    /// addresses held for other offers. Null when the scope has too few free.
    /// </summary>
    private async Task<Lease?> FindOfferAsync(LeaseRequest asked, LeasePlan plan, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var scope = plan.Scope!;
        if (plan.AsSoonAsPossible && await CandidatesAsync(plan, now, cancellationToken).ConfigureAwait(false) is { } candidates && candidates.Count >= plan.MinCount)
        {
            return Offer(asked, plan, now, candidates);
        }

        foreach (var start in plan.Starts)
        {
            var found = await store.FreeAsync(scope, start, start + plan.Length, plan.Count, _offers.HeldIn(scope.First), cancellationToken).ConfigureAwait(false);
            if (found.Count >= plan.MinCount)
            {
                return Offer(asked, plan, start, found);
            }
        }

        return null;
    }

    private static Lease Offer(LeaseRequest asked, LeasePlan plan, DateTimeOffset start, IReadOnlyList<IPAddress> addresses) =>
        new(Guid.Empty, asked.LeaseIdentifier, plan.Scope!.First, Offered: true, start, start + plan.Length, addresses, asked.Client);

    /// <summary>Candidates for a lease starting now, from the scope's pool: free for any lease up to the scope's maximum.</summary>
    private Task<IReadOnlyList<IPAddress>> CandidatesAsync(LeasePlan plan, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var scope = plan.Scope!;
        return _offers.CandidatesAsync(scope, plan.Count, (limit, ct) => store.FreeAsync(scope, now, now + scope.MaxLease, limit, skip: null, ct), cancellationToken);
    }

    private async Task<byte[]?> RequestAsync(MadcapMessage request, string key, IPAddress client, IPAddress? receivedOn, DateTimeOffset now, MadcapFeatureList? features, CancellationToken cancellationToken)
    {
        var asked = LeaseRequestOf(request, client);
        if (request.ServerIdentifier is { } chosen)
        {
            if (!chosen.Equals(settings.ServerIdentifier))
            {
                // The client took another server's offer: drop our hold (section 2.2).
                _offers.Take(key);
                stats.Dropped();
                return null;
            }

            // The REQUEST that follows our OFFER names us (section 2.2): lease what was offered.
            if (_offers.Take(key) is { } offered)
            {
                var leased = await store.AllocateAsync(asked with { Addresses = offered.Addresses }, cancellationToken).ConfigureAwait(false);
                if (leased.Lease is { } lease)
                {
                    return LeaseAck(request, lease, now, features);
                }

                if (leased.Failure != LeaseFailure.Exhausted)
                {
                    return await RefusedOrStandingAsync(request, leased, now, features, cancellationToken).ConfigureAwait(false);
                }

                // Another server leased one of them meanwhile: serve the REQUEST afresh.
            }
        }

        if (!await ServesAsync(request, receivedOn, cancellationToken).ConfigureAwait(false))
        {
            stats.Dropped();
            return null;
        }

        var outcome = await AllocateAsync(asked, now, cancellationToken).ConfigureAwait(false);
        return outcome.Lease is { } granted
            ? LeaseAck(request, granted, now, features)
            : await RefusedOrStandingAsync(request, outcome, now, features, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A lease from the scope's candidates when it starts now; else, or when they were taken meanwhile, from a search that passes over held offers.</summary>
    private async Task<LeaseOutcome> AllocateAsync(LeaseRequest asked, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var plan = await store.PlanAsync(asked, cancellationToken).ConfigureAwait(false);
        if (plan.Refusal is { } refusal)
        {
            return refusal;
        }

        if (plan.AsSoonAsPossible && await CandidatesAsync(plan, now, cancellationToken).ConfigureAwait(false) is { } candidates && candidates.Count >= plan.MinCount)
        {
            var outcome = await store.AllocateAsync(asked with { Addresses = candidates }, plan, cancellationToken).ConfigureAwait(false);
            if (outcome.Failure != LeaseFailure.Exhausted)
            {
                return outcome;
            }
        }

        return await store.AllocateAsync(asked with { Skip = _offers.HeldIn(plan.Scope!.First) }, plan, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The NAK for a refusal; but a REQUEST repeated after its cached answer expired (its Lease Identifier in use, or the client's quota or the scope now full) names a lease that already stands, and gets it.</summary>
    private async Task<byte[]> RefusedOrStandingAsync(MadcapMessage request, LeaseOutcome outcome, DateTimeOffset now, MadcapFeatureList? features, CancellationToken cancellationToken)
    {
        if (await store.GetAsync([.. request.LeaseIdentifier], cancellationToken).ConfigureAwait(false) is { Offered: false } existing)
        {
            return LeaseAck(request, existing, now, features);
        }

        return Refused(request, outcome, features);
    }

    /// <summary>
    /// Section 2.11: a DISCOVER or REQUEST that arrived on a MADCAP server group is served only
    /// when its scope is the one that group belongs to; a unicast one, whenever the scope is served.
    /// </summary>
    private async Task<bool> ServesAsync(MadcapMessage request, IPAddress? receivedOn, CancellationToken cancellationToken)
    {
        if (receivedOn is null || !Leases.MadcapScope.IsMulticast(receivedOn) || request.Scope is null)
        {
            return true;
        }

        return await store.ScopeAsync(request.Scope, cancellationToken).ConfigureAwait(false) is { } scope && scope.ServerGroup.Equals(receivedOn);
    }

    /// <summary>The lease the request asks for; the datagram's source address is the per-client quota's key.</summary>
    private static LeaseRequest LeaseRequestOf(MadcapMessage request, IPAddress client) => new(
        [.. request.LeaseIdentifier],
        request.Scope!,
        Client: client,
        Start: request.StartTime,
        MaxStart: request.MaxStartTime,
        LeaseTime: request.LeaseTime,
        MinLeaseTime: request.MinLeaseTime,
        MinCount: request.AddressesRequested?.Minimum ?? 1,
        DesiredCount: request.AddressesRequested?.Desired ?? 1);

    private byte[] LeaseAck(MadcapMessage request, Lease lease, DateTimeOffset now, MadcapFeatureList? features)
    {
        stats.Ack();
        return Encode(LeaseReply(request, MadcapMessageType.Ack, lease, now) with { Features = features });
    }

    private MadcapMessage LeaseReply(MadcapMessage request, MadcapMessageType type, Lease lease, DateTimeOffset now)
    {
        var future = lease.Start > now.AddSeconds(1);
        return Reply(request, type) with
        {
            LeaseTime = lease.End - lease.Start,
            Scope = lease.Scope,
            AddressRanges = MadcapList.From(Ranges(lease.Addresses)),
            StartTime = future ? lease.Start : null,
            CurrentTime = now,
        };
    }

    private byte[] Refused(MadcapMessage request, LeaseOutcome outcome, MadcapFeatureList? features)
    {
        Count(outcome.Failure);
        var error = outcome.Failure switch
        {
            LeaseFailure.UnknownLease => MadcapError.LeaseIdentifierNotRecognized(),
            LeaseFailure.NoSuchScope => MadcapError.ValidRequestCouldNotBeCompleted((ushort)MadcapOptionCode.MulticastScope),
            LeaseFailure.LeaseTooShort => MadcapError.ValidRequestCouldNotBeCompleted((ushort)MadcapOptionCode.MinimumLeaseTime),
            LeaseFailure.TooManyAddresses => MadcapError.ValidRequestCouldNotBeCompleted((ushort)MadcapOptionCode.NumberOfAddressesRequested),
            LeaseFailure.LeaseIdentifierInUse => MadcapError.InvalidRequest((ushort)MadcapOptionCode.LeaseIdentifier),
            _ => MadcapError.ValidRequestCouldNotBeCompleted(),
        };
        return Nak(request, error, features);
    }

    private void Count(LeaseFailure? failure)
    {
        switch (failure)
        {
            case LeaseFailure.QuotaExceeded:
                stats.Denied();
                break;
            case LeaseFailure.UnknownLease:
                stats.BadLeaseIdentifier();
                break;
            default:
                break;
        }
    }

    private byte[] Nak(MadcapMessage request, MadcapError error, MadcapFeatureList? features) =>
        Nak(request.Family, request.Xid, request.LeaseIdentifier, error, features);

    private byte[] Nak(MadcapAddressFamily family, uint xid, MadcapList<byte> leaseIdentifier, MadcapError error, MadcapFeatureList? features)
    {
        stats.Nak();
        return Encode(new MadcapMessage(MadcapMessageType.Nak, family, xid)
        {
            LeaseIdentifier = leaseIdentifier,
            ServerIdentifier = settings.ServerIdentifier,
            Error = error,
            Features = features,
        });
    }

    /// <summary>Every server message echoes the xid and the Lease Identifier and names the server (section 2.2).</summary>
    private MadcapMessage Reply(MadcapMessage request, MadcapMessageType type) => new(type, request.Family, request.Xid)
    {
        LeaseIdentifier = request.LeaseIdentifier,
        ServerIdentifier = settings.ServerIdentifier,
    };

    private static byte[] Encode(MadcapMessage message) => MadcapEncoder.Encode(message);

    /// <summary>Consecutive addresses as (start, block size) ranges (section 3.11).</summary>
    public static IEnumerable<MadcapAddressRange> Ranges(IReadOnlyList<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var sorted = addresses.Order(Comparer<IPAddress>.Create(Leases.MadcapScope.Compare)).ToList();
        for (var i = 0; i < sorted.Count;)
        {
            var size = 1;
            while (i + size < sorted.Count && size < ushort.MaxValue && sorted[i + size].Equals(Leases.MadcapScope.Offset(sorted[i], size)))
            {
                size++;
            }

            yield return new MadcapAddressRange(sorted[i], (ushort)size);
            i += size;
        }
    }

    /// <summary>A stored scope as a Multicast Scope List entry; with a language, its one matching name or else the default (section 3.10).</summary>
    private static WireScope ToWire(Leases.MadcapScope scope, string? language)
    {
        IEnumerable<Leases.MadcapScopeName> names = scope.Names;
        if (!string.IsNullOrEmpty(language))
        {
            var match = scope.Names.FirstOrDefault(n => string.Equals(n.Language, language, StringComparison.OrdinalIgnoreCase))
                ?? scope.Names.FirstOrDefault(n => n.IsDefault) ?? scope.Names[0];
            names = [match];
        }

        return new WireScope(scope.First, scope.Last, scope.Ttl, MadcapList.From(names.Select(n => new WireScopeName(n.Language, n.Name, n.IsDefault))));
    }

    private static MadcapAddressFamily Family(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? MadcapAddressFamily.IPv6 : MadcapAddressFamily.IPv4;
}
