using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rendezvous.Directory.Sap;

/// <summary>A session to announce: its key (a conference id), its description, its groups, and when it ends (null: open).</summary>
public sealed record SapAnnouncementRequest(Guid Id, string Sdp, IReadOnlyList<SapDestination> Destinations, DateTimeOffset? Stop = null);

/// <summary>One packet to send: an announcement of <see cref="Sdp"/> or, with <see cref="IsDeletion"/>, its deletion.</summary>
public sealed record SapTransmission(Guid Id, SapDestination Destination, string Sdp, bool IsDeletion)
{
    /// <summary>The message identifier hash of the announced description (a deletion carries the announcement's).</summary>
    public ushort MessageIdHash => SapPacket.ComputeMessageIdHash(Sdp);
}

/// <summary>What the schedule was configured with.</summary>
/// <param name="BandwidthLimit">Bits per second SAP may use in one group (RFC 2974 section 3.1).</param>
/// <param name="MinimumInterval">The floor of the interval: 300 s by the RFC.</param>
/// <param name="BurstBytes">How many octets a group may receive at once after a quiet period, e.g. when the announcer starts; beyond it, packets wait for the bandwidth.</param>
public sealed record SapScheduleSettings(double BandwidthLimit, TimeSpan MinimumInterval, int BurstBytes = SapScheduleSettings.DefaultBurstBytes)
{
    public const int DefaultBurstBytes = 8 * 1024;
}

/// <summary>
/// When each announcement and deletion is due (RFC 2974 sections 3.1 to 5), as pure logic: the
/// caller tells it what should be announced and asks what to send at an instant; it reads no clock
/// and does no I/O, so a test drives it with virtual time.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A new session, or one whose description changed, is announced at once; a changed one also
/// gets a deletion of its previous version first (its old hash and o= line), so that listeners that
/// key on the hash drop the old one instead of timing it out.</item>
/// <item>After each announcement the next is due after the section 3.1 interval, max(floor, 8 x ads x
/// size / limit), where ads counts our announcements in that group and those others make there,
/// jittered by a uniform offset in [-interval/3, +interval/3].</item>
/// <item>A session no longer wanted, or whose stop time passed, gets one deletion per group.</item>
/// <item>Each group has a token bucket filled at the bandwidth limit, <see cref="SapScheduleSettings.BurstBytes"/>
/// deep: a start-up or a burst of changes is spread so the group's average never exceeds the limit.
/// Deletions go first.</item>
/// </list>
/// </remarks>
public sealed class SapAnnouncementSchedule
{
    private readonly SapScheduleSettings _settings;
    private readonly Random _random;
    private readonly Dictionary<(Guid Id, IPAddress Group), Entry> _entries = [];
    private readonly List<SapTransmission> _deletions = [];
    private readonly Dictionary<IPAddress, Bucket> _buckets = [];

    public SapAnnouncementSchedule(SapScheduleSettings settings, Random random)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(random);
        if (!(settings.BandwidthLimit > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.BandwidthLimit, "The bandwidth limit is a positive number of bits per second.");
        }

        _settings = settings;
        _random = random;
    }

    /// <summary>How many (session, group) announcements are current.</summary>
    public int Count => _entries.Count;

    /// <summary>How many deletions wait to be sent.</summary>
    public int PendingDeletions => _deletions.Count;

    /// <summary>The current announcements: key, group and description.</summary>
    public IEnumerable<(Guid Id, SapDestination Destination, string Sdp)> Announced => _entries.Values.Select(e => (e.Id, e.Destination, e.Sdp));

    /// <summary>How many of our announcements go to <paramref name="group"/>.</summary>
    public int CountIn(IPAddress group) => _entries.Values.Count(e => e.Destination.Group.Equals(group));

    /// <summary>
    /// Records an announcement made earlier (by this or another instance, as kept in the database), so
    /// that it is announced again at once if it is still wanted after <see cref="Update"/>, replaced
    /// with a deletion first if it changed, or deleted if it is gone.
    /// </summary>
    public void Restore(Guid id, SapDestination destination, string sdp, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        _entries[(id, destination.Group)] = new Entry(id, destination, sdp, Size(sdp, destination.Group), stop: null, now);
    }

    /// <summary>
    /// Makes the wanted set current: new sessions and groups are due now, changed ones get a deletion of
    /// the old version and are due now, and anything not wanted (or ended at <paramref name="now"/>) is deleted.
    /// </summary>
    public void Update(IEnumerable<SapAnnouncementRequest> wanted, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var seen = new HashSet<(Guid, IPAddress)>();
        foreach (var request in wanted)
        {
            if (request.Stop is { } stop && stop <= now)
            {
                continue;
            }

            foreach (var destination in request.Destinations)
            {
                var key = (request.Id, destination.Group);
                if (!seen.Add(key))
                {
                    continue;
                }

                if (!_entries.TryGetValue(key, out var entry))
                {
                    _entries[key] = new Entry(request.Id, destination, request.Sdp, Size(request.Sdp, destination.Group), request.Stop, now);
                    continue;
                }

                entry.Stop = request.Stop;
                if (!string.Equals(entry.Sdp, request.Sdp, StringComparison.Ordinal))
                {
                    _deletions.Add(new SapTransmission(entry.Id, entry.Destination, entry.Sdp, IsDeletion: true));
                    _entries[key] = new Entry(request.Id, destination, request.Sdp, Size(request.Sdp, destination.Group), request.Stop, now);
                }
                else if (entry.Destination.Ttl != destination.Ttl)
                {
                    entry.Destination = destination;
                }
            }
        }

        foreach (var (key, entry) in _entries.Where(e => !seen.Contains(e.Key)).ToList())
        {
            Remove(key, entry);
        }
    }

    /// <summary>
    /// What to send at <paramref name="now"/>, deletions first, within each group's bandwidth; each
    /// announcement taken is rescheduled. <paramref name="othersHeard"/> gives how many announcements
    /// other announcers make in a group (the listener's count), for the interval.
    /// </summary>
    public IReadOnlyList<SapTransmission> TakeDue(DateTimeOffset now, Func<IPAddress, int>? othersHeard = null)
    {
        foreach (var (key, entry) in _entries.Where(e => e.Value.Stop is { } stop && stop <= now).ToList())
        {
            Remove(key, entry);
        }

        var sent = new List<SapTransmission>();
        foreach (var deletion in _deletions.ToList())
        {
            if (Spend(deletion.Destination.Group, Size(DeletionPayload(deletion.Sdp), deletion.Destination.Group), now))
            {
                _deletions.Remove(deletion);
                sent.Add(deletion);
            }
        }

        foreach (var entry in _entries.Values.Where(e => e.NextAt <= now).OrderBy(e => e.NextAt).ThenBy(e => e.Id).ToList())
        {
            if (!Spend(entry.Destination.Group, entry.Size, now))
            {
                continue;
            }

            var group = entry.Destination.Group;
            var ads = CountIn(group) + Math.Max(0, othersHeard?.Invoke(group) ?? 0);
            var interval = SapTiming.AnnouncementInterval(ads, entry.Size, _settings.BandwidthLimit, _settings.MinimumInterval);
            entry.Interval = interval;
            entry.NextAt = now + SapTiming.JitteredInterval(interval, _random);
            sent.Add(new SapTransmission(entry.Id, entry.Destination, entry.Sdp, IsDeletion: false));
        }

        return sent;
    }

    /// <summary>When something is next due (taking each group's bandwidth into account), or null when nothing is scheduled.</summary>
    public DateTimeOffset? NextDue(DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (var deletion in _deletions)
        {
            next = Earliest(next, ReadyAt(deletion.Destination.Group, Size(DeletionPayload(deletion.Sdp), deletion.Destination.Group), now, now));
        }

        foreach (var entry in _entries.Values)
        {
            // An entry that ends before its next announcement is next due as a deletion at its stop.
            next = Earliest(next, entry.Stop is { } stop && stop <= entry.NextAt ? stop : ReadyAt(entry.Destination.Group, entry.Size, entry.NextAt, now));
        }

        return next;
    }

    /// <summary>The interval last used for a session's announcements in a group (null before its first).</summary>
    public TimeSpan? IntervalOf(Guid id, IPAddress group) => _entries.TryGetValue((id, group), out var entry) ? entry.Interval : null;

    /// <summary>The octets an announcement of <paramref name="sdp"/> takes on the wire (no authentication data, with the payload type).</summary>
    public static int Size(string sdp, IPAddress group)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        ArgumentNullException.ThrowIfNull(group);
        return SapWire.HeaderLength
            + (group.AddressFamily == AddressFamily.InterNetworkV6 ? SapWire.IPv6OriginLength : SapWire.IPv4OriginLength)
            + SapPacket.SdpPayloadType.Length + 1
            + Encoding.UTF8.GetByteCount(sdp);
    }

    /// <summary>What a deletion carries: the announcement's o= line (section 6), or the whole description when it has none.</summary>
    internal static string DeletionPayload(string sdp) =>
        sdp.Split('\n').FirstOrDefault(l => l.StartsWith("o=", StringComparison.Ordinal)) is { } line ? line.TrimEnd('\r') + "\r\n" : sdp;

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x <= b ? x : b;

    private void Remove((Guid, IPAddress) key, Entry entry)
    {
        _entries.Remove(key);
        _deletions.Add(new SapTransmission(entry.Id, entry.Destination, entry.Sdp, IsDeletion: true));
    }

    private Bucket BucketOf(IPAddress group, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(group, out var bucket))
        {
            _buckets[group] = bucket = new Bucket(_settings.BurstBytes, now);
        }

        var refill = (now - bucket.At).TotalSeconds * _settings.BandwidthLimit / 8;
        if (refill > 0)
        {
            bucket.Tokens = Math.Min(_settings.BurstBytes, bucket.Tokens + refill);
            bucket.At = now;
        }

        return bucket;
    }

    // A packet larger than the whole bucket may go when the bucket is full (else it never could).
    private double Needed(int size) => Math.Min(size, _settings.BurstBytes);

    private bool Spend(IPAddress group, int size, DateTimeOffset now)
    {
        var bucket = BucketOf(group, now);
        if (bucket.Tokens + 1e-9 < Needed(size))
        {
            return false;
        }

        bucket.Tokens -= size;
        return true;
    }

    /// <summary>The first instant at or after <paramref name="due"/> when the group's bucket holds enough for <paramref name="size"/>.</summary>
    private DateTimeOffset ReadyAt(IPAddress group, int size, DateTimeOffset due, DateTimeOffset now)
    {
        var bucket = BucketOf(group, now);
        var missing = Needed(size) - bucket.Tokens;
        if (missing <= 0)
        {
            return due;
        }

        var ready = now + TimeSpan.FromSeconds(Math.Ceiling(missing * 8 / _settings.BandwidthLimit * 1000) / 1000);
        return ready > due ? ready : due;
    }

    private sealed class Entry(Guid id, SapDestination destination, string sdp, int size, DateTimeOffset? stop, DateTimeOffset nextAt)
    {
        public Guid Id { get; } = id;

        public SapDestination Destination { get; set; } = destination;

        public string Sdp { get; } = sdp;

        public int Size { get; } = size;

        public DateTimeOffset? Stop { get; set; } = stop;

        public DateTimeOffset NextAt { get; set; } = nextAt;

        public TimeSpan? Interval { get; set; }
    }

    private sealed class Bucket(double tokens, DateTimeOffset at)
    {
        public double Tokens { get; set; } = tokens;

        public DateTimeOffset At { get; set; } = at;
    }
}
