using System.Net;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Sap;

/// <summary>A session a SAP listener heard: who announced it, its hash and description, and when it was heard.</summary>
public sealed record SapSession
{
    /// <summary>"&lt;origin&gt;-&lt;hash, 4 hex digits&gt;": the (originating source, message id hash) pair that identifies an announcement (RFC 2974 section 3).</summary>
    public required string Id { get; init; }

    public required IPAddress Origin { get; init; }

    public required ushort MessageIdHash { get; init; }

    /// <summary>Where the last packet came from (address and port), which need not be the origin (a relay, another interface).</summary>
    public required IPEndPoint Source { get; init; }

    /// <summary>The SAP group it was last heard on; null when the socket could not tell.</summary>
    public IPAddress? Group { get; init; }

    /// <summary>The description as received (UTF-8; invalid sequences replaced).</summary>
    public required string Sdp { get; init; }

    /// <summary>The description, parsed in lenient mode.</summary>
    public required SessionDescription Description { get; init; }

    /// <summary>What the lenient parser had to forgive.</summary>
    public IReadOnlyList<SdpDiagnostic> Warnings { get; init; } = [];

    public required DateTimeOffset FirstHeard { get; init; }

    public required DateTimeOffset LastHeard { get; init; }

    /// <summary>How many announcements of this version were heard.</summary>
    public long Announcements { get; init; } = 1;

    /// <summary>The time between its last two announcements: its announcement period as heard; null after the first.</summary>
    public TimeSpan? Period { get; init; }

    /// <summary>When the session's last occurrence ends (its t= lines); null when open or permanent.</summary>
    public DateTimeOffset? Stop { get; init; }

    /// <summary>
    /// When the listener forgets it unless heard again (section 4): max(10 periods, 1 hour) after it was last
    /// heard (one hour while the period is unknown), or its stop time if that is earlier.
    /// </summary>
    public DateTimeOffset ExpiresAt
    {
        get
        {
            var implicitTimeout = LastHeard + SapTiming.SessionTimeout(Period ?? TimeSpan.Zero);
            return Stop is { } stop && stop < implicitTimeout ? stop : implicitTimeout;
        }
    }

    /// <summary>The session's identity from its o= line (user, session id, network and address type, address), as <see cref="SapSessionIdentity.Of(SdpOrigin)"/>.</summary>
    public string Identity => field ??= SapSessionIdentity.Of(Description.Origin);

    public static string IdOf(IPAddress origin, ushort hash)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return $"{origin}-{hash:x4}";
    }
}

/// <summary>The identity of a session (RFC 8866 section 5.2): o= without the version, in one canonical string.</summary>
public static class SapSessionIdentity
{
    public static string Of(SdpOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return $"{origin.Username} {origin.SessionId} {origin.NetworkType.ToUpperInvariant()} {origin.AddressType.ToUpperInvariant()} {origin.UnicastAddress.ToLowerInvariant()}";
    }

    /// <summary>The identity in an o= line (a deletion's payload), or null when the text has no well-formed one.</summary>
    public static string? OfOriginLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (!line.StartsWith("o=", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length == 6 ? Of(new SdpOrigin(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])) : null;
        }

        return null;
    }
}

/// <summary>What <see cref="SapSessionCache.Receive"/> did with a datagram.</summary>
public enum SapReceiveOutcome
{
    /// <summary>A session (or a new version of one) was added.</summary>
    Added,

    /// <summary>A known announcement was heard again.</summary>
    Refreshed,

    /// <summary>A deletion removed a session.</summary>
    Deleted,

    /// <summary>The datagram was counted and dropped (see <see cref="SapStats"/>).</summary>
    Dropped,
}

/// <summary>
/// The sessions a SAP listener heard (RFC 2974): keyed by (originating source, message id hash),
/// with their lenient-parsed description and when they were last heard. Thread-safe.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Malformed, encrypted or oversized datagrams, and announcements whose payload is not SDP even to
/// the lenient parser, are counted and dropped: nothing of them is kept.</item>
/// <item>A new hash from the same origin for a session already held (same o= identity) is a modification
/// (section 5): it replaces the old version.</item>
/// <item>A deletion (T = 1) removes the announcement with its (origin, hash), or, failing that, the session of
/// that origin whose identity its o= line names.</item>
/// <item>Sessions time out at <see cref="SapSession.ExpiresAt"/> (section 4), checked at most once a second and on every read.</item>
/// <item>At most <c>maxSessions</c> are kept: a new one beyond that pushes out the one heard least recently,
/// so a flood of made-up sessions costs a bounded amount of memory.</item>
/// </list>
/// </remarks>
public sealed class SapSessionCache
{
    /// <summary>The largest announcement kept (RFC 2974 recommends under 1 KB; anything far beyond is not a session description).</summary>
    public const int MaxPayloadBytes = 16 * 1024;

    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);
    private static readonly SdpParseOptions Lenient = SdpParseOptions.Lenient with { MaxLength = MaxPayloadBytes, Validate = false };

    private readonly TimeProvider _time;
    private readonly Lazy<int> _maxSessions;
    private readonly SapStats _stats;
    private readonly Dictionary<(IPAddress Origin, ushort Hash), LinkedListNode<SapSession>> _sessions = [];

    // At most one version of a session per origin is held (Add replaces older ones), so its o= identity
    // finds it directly: modifications and deletions by o= line cost no scan, however many are held.
    private readonly Dictionary<(IPAddress Origin, string Identity), LinkedListNode<SapSession>> _byIdentity = [];
    private readonly LinkedList<SapSession> _byLastHeard = new();
    private readonly Lock _gate = new();
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    public SapSessionCache(TimeProvider time, int maxSessions, SapStats stats)
        : this(time, new Lazy<int>(maxSessions), stats)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSessions, 1);
    }

    /// <summary>A cache whose limit is <see cref="SapOptions.MaxSessions"/>, read when first needed (after the host validated the options).</summary>
    public SapSessionCache(TimeProvider time, Microsoft.Extensions.Options.IOptions<SapOptions> options, SapStats stats)
        : this(time, new Lazy<int>(() => options.Value.MaxSessions), stats)
    {
        ArgumentNullException.ThrowIfNull(options);
    }

    private SapSessionCache(TimeProvider time, Lazy<int> maxSessions, SapStats stats)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(stats);
        _time = time;
        _maxSessions = maxSessions;
        _stats = stats;
    }

    public int MaxSessions => _maxSessions.Value;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Takes one datagram that arrived from <paramref name="source"/> on <paramref name="group"/> (null when unknown). Never throws for its content.</summary>
    public SapReceiveOutcome Receive(ReadOnlySpan<byte> datagram, IPEndPoint source, IPAddress? group)
    {
        ArgumentNullException.ThrowIfNull(source);
        _stats.Received();
        var decoded = SapDecoder.Decode(datagram, MaxPayloadBytes);
        if (decoded.Status == SapDecodeStatus.Invalid)
        {
            _stats.Dropped(decoded.Error);
            return SapReceiveOutcome.Dropped;
        }

        if (decoded.Status == SapDecodeStatus.Encrypted)
        {
            return Drop(SapDropReason.Encrypted);
        }

        var packet = decoded.Packet!;
        if (packet.Payload.Length > MaxPayloadBytes)
        {
            return Drop(SapDropReason.TooLarge);
        }

        var now = _time.GetUtcNow();
        var text = packet.Sdp!;
        lock (_gate)
        {
            SweepIfDue(now);
            if (packet.IsDeletion)
            {
                return Delete(packet.Origin, packet.MessageIdHash, text);
            }

            var key = (packet.Origin, packet.MessageIdHash);
            if (_sessions.TryGetValue(key, out var node) && string.Equals(node.Value.Sdp, text, StringComparison.Ordinal))
            {
                var known = node.Value;
                Touch(node, known with { LastHeard = now, Source = source, Group = group ?? known.Group, Announcements = known.Announcements + 1, Period = now - known.LastHeard });
                _stats.Announcement();
                return SapReceiveOutcome.Refreshed;
            }
        }

        // Parsing is the costly part: outside the lock.
        var parsed = SdpParser.Parse(text, Lenient);
        if (parsed.Description is not { } description)
        {
            return Drop(SapDropReason.NotSdp);
        }

        var bounds = SdpSchedule.Bounds(description);
        var session = new SapSession
        {
            Id = SapSession.IdOf(packet.Origin, packet.MessageIdHash),
            Origin = packet.Origin,
            MessageIdHash = packet.MessageIdHash,
            Source = source,
            Group = group,
            Sdp = text,
            Description = description,
            Warnings = parsed.Diagnostics,
            FirstHeard = now,
            LastHeard = now,
            Stop = bounds.IsEmpty ? null : bounds.Stop,
        };
        lock (_gate)
        {
            Add(session);
            _stats.Announcement();
            return SapReceiveOutcome.Added;
        }
    }

    /// <summary>Every session held, after dropping those that timed out; most recently heard first.</summary>
    public IReadOnlyList<SapSession> Sessions()
    {
        lock (_gate)
        {
            Sweep(_time.GetUtcNow());
            return [.. _byLastHeard.Reverse()];
        }
    }

    /// <summary>The session with this <see cref="SapSession.Id"/>, or null when none is held (or it timed out).</summary>
    public SapSession? Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var dash = id.LastIndexOf('-');
        if (dash <= 0 || !IPAddress.TryParse(id.AsSpan(0, dash), out var origin)
            || !ushort.TryParse(id.AsSpan(dash + 1), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var hash))
        {
            return null;
        }

        lock (_gate)
        {
            Sweep(_time.GetUtcNow());
            return _sessions.TryGetValue((origin, hash), out var node) ? node.Value : null;
        }
    }

    /// <summary>How many sessions were heard on <paramref name="group"/>, leaving out those <paramref name="except"/> picks (our own).</summary>
    public int CountIn(IPAddress group, Func<SapSession, bool>? except = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            return _byLastHeard.Count(s => group.Equals(s.Group) && except?.Invoke(s) != true);
        }
    }

    private SapReceiveOutcome Drop(SapDropReason reason)
    {
        _stats.Dropped(reason);
        return SapReceiveOutcome.Dropped;
    }

    private SapReceiveOutcome Delete(IPAddress origin, ushort hash, string payload)
    {
        if (_sessions.TryGetValue((origin, hash), out var node))
        {
            Remove(node);
            _stats.Deletion();
            return SapReceiveOutcome.Deleted;
        }

        if (SapSessionIdentity.OfOriginLine(payload) is { } identity && _byIdentity.TryGetValue((origin, identity), out var version))
        {
            Remove(version);
            _stats.Deletion();
            return SapReceiveOutcome.Deleted;
        }

        return Drop(SapDropReason.UnknownDeletion);
    }

    private void Add(SapSession session)
    {
        // Section 5: a new hash for the same session from the same origin is its new version.
        if (_byIdentity.TryGetValue((session.Origin, session.Identity), out var older))
        {
            Remove(older);
        }

        if (_sessions.TryGetValue((session.Origin, session.MessageIdHash), out var same))
        {
            Remove(same); // the same hash with another text: the newer text wins
        }

        while (_sessions.Count >= MaxSessions && _byLastHeard.First is { } oldest)
        {
            Remove(oldest);
            _stats.Evicted();
        }

        var node = _byLastHeard.AddLast(session);
        _sessions[(session.Origin, session.MessageIdHash)] = node;
        _byIdentity[(session.Origin, session.Identity)] = node;
    }

    private void Touch(LinkedListNode<SapSession> node, SapSession updated)
    {
        _byLastHeard.Remove(node);
        node.Value = updated;
        _byLastHeard.AddLast(node);
    }

    private void Remove(LinkedListNode<SapSession> node)
    {
        _sessions.Remove((node.Value.Origin, node.Value.MessageIdHash));
        _byIdentity.Remove((node.Value.Origin, node.Value.Identity));
        _byLastHeard.Remove(node);
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        if (now - _lastSweep >= SweepEvery || now < _lastSweep)
        {
            Sweep(now);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        _lastSweep = now;
        var expired = 0;
        for (var node = _byLastHeard.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.ExpiresAt <= now)
            {
                Remove(node);
                expired++;
            }

            node = next;
        }

        if (expired > 0)
        {
            _stats.TimedOut(expired);
        }
    }
}
