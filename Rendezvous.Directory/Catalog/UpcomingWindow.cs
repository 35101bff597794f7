using System.Buffers.Binary;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Rendezvous.Directory.Sdp;

namespace Rendezvous.Directory.Catalog;

/// <summary>
/// An in-memory copy of the catalog's occurrences for the next days (the default "upcoming"
/// window plus a margin), so that the most frequent question is answered without a round trip
/// to PostgreSQL. It is derived state: built from the catalog, thrown away on every change, and
/// used only while it is certainly current.
/// </summary>
/// <remarks>
/// <para>The copy is used for a query only when all of these hold; otherwise the catalog asks
/// PostgreSQL, as it would without the copy:</para>
/// <list type="bullet">
/// <item>this instance is listening for the catalog's change notifications (any instance's
/// commits; see migration 0003), so that a change made elsewhere is seen;</item>
/// <item>no change was announced or made since the copy was read (a change-counter check);</item>
/// <item>the copy is younger than <see cref="CatalogOptions.MemoryWindowRefreshSeconds"/>;</item>
/// <item>the query's window lies inside the copy's, and it has no text filter (PostgreSQL's
/// ILIKE decides text matches; the copy does not imitate it).</item>
/// </list>
/// <para>A miss asks for a rebuild, which the host (UpcomingWindowService) does in the
/// background, one at a time. A rebuild that raced with a change is discarded.</para>
/// </remarks>
public sealed class UpcomingWindow
{
    private readonly TimeProvider _time;
    private readonly CatalogOptions _options;
    private readonly Channel<bool> _buildWanted = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _changes;
    private volatile bool _listening;
    private volatile Snapshot? _snapshot;

    public UpcomingWindow(TimeProvider time, IOptions<CatalogOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _options = options.Value;
    }

    /// <summary>The span of time after its build instant that a copy covers.</summary>
    public TimeSpan Span => UpcomingDefaults.Window + Refresh;

    private TimeSpan Refresh => TimeSpan.FromSeconds(_options.MemoryWindowRefreshSeconds);

    /// <summary>Whether queries may be answered from memory at all (configuration).</summary>
    public bool Enabled => _options.MemoryWindowEnabled;

    /// <summary>How many occurrences the current copy holds, or null when there is none in use.</summary>
    public int? Count => _snapshot is { } s && IsCurrent(s) ? s.Entries.Length : null;

    /// <summary>The change counter; a copy is built against the value read before its query.</summary>
    public long Version => Volatile.Read(ref _changes);

    /// <summary>Something in the catalog changed (here or, through a notification, elsewhere).</summary>
    public void Invalidate() => Interlocked.Increment(ref _changes);

    /// <summary>Called once LISTEN is in place: from now on every change reaches <see cref="Invalidate"/>.</summary>
    public void Listening()
    {
        Invalidate();
        _listening = true;
    }

    /// <summary>Called when the notification connection is lost: changes elsewhere would go unseen.</summary>
    public void NotListening()
    {
        _listening = false;
        Invalidate();
    }

    /// <summary>Waits until a query found no usable copy.</summary>
    public async Task WaitForBuildRequestAsync(CancellationToken cancellationToken) => await _buildWanted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Installs a copy read from the catalog; ignored when a change happened since <paramref name="version"/>.</summary>
    public bool Install(UpcomingWindowContent content, long version)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (version != Version)
        {
            return false;
        }

        _snapshot = new Snapshot(content.From, content.Until, version, [.. content.Items.Select(Entry.From)]);
        return true;
    }

    /// <summary>The window a rebuild must read, starting now.</summary>
    public (DateTimeOffset From, DateTimeOffset Until) NextWindow()
    {
        var now = _time.GetUtcNow();
        return (now, now + Span);
    }

    /// <summary>Answers the query from memory when the copy is certainly current and covers it.</summary>
    public bool TryAnswer(UpcomingQuery query, out UpcomingPage? page)
    {
        ArgumentNullException.ThrowIfNull(query);
        page = null;
        if (!Enabled || !_listening || !string.IsNullOrWhiteSpace(query.Text))
        {
            return false;
        }

        if (_snapshot is not { } snapshot || !IsCurrent(snapshot))
        {
            _buildWanted.Writer.TryWrite(true);
            return false;
        }

        if (query.From < snapshot.From || query.To > snapshot.Until)
        {
            return false;
        }

        page = snapshot.Page(query);
        return true;
    }

    private bool IsCurrent(Snapshot snapshot)
    {
        var age = _time.GetUtcNow() - snapshot.From;
        return snapshot.Version == Version && age >= TimeSpan.Zero && age < Refresh;
    }

    private sealed record Snapshot(DateTimeOffset From, DateTimeOffset Until, long Version, Entry[] Entries)
    {
        public UpcomingPage Page(UpcomingQuery query)
        {
            var from = query.From.UtcTicks;
            var to = query.To.UtcTicks;
            var first = query.After is { } after ? FirstAfter(Key.Of(after)) : 0;
            var items = new List<UpcomingItem>(Math.Min(query.Limit, 64));
            var last = default(Entry);
            for (var i = first; i < Entries.Length; i++)
            {
                var entry = Entries[i];
                if (entry.Key.StartTicks >= to)
                {
                    break;
                }

                if (entry.StopTicks <= from || (query.Scope is { } scope && entry.Item.AdvertisingScope != scope))
                {
                    continue;
                }

                if (items.Count == query.Limit)
                {
                    return new UpcomingPage(items, last.Cursor, FromMemory: true);
                }

                items.Add(entry.Item);
                last = entry;
            }

            return new UpcomingPage(items, null, FromMemory: true);
        }

        /// <summary>The index of the first entry whose key is greater than <paramref name="key"/>.</summary>
        private int FirstAfter(Key key)
        {
            int low = 0, high = Entries.Length;
            while (low < high)
            {
                var middle = low + ((high - low) / 2);
                if (Entries[middle].Key.CompareTo(key) <= 0)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }
    }

    private readonly record struct Entry(Key Key, long StopTicks, UpcomingCursor Cursor, UpcomingItem Item)
    {
        public static Entry From(UpcomingWindowItem item)
        {
            var cursor = new UpcomingCursor(item.StartKey, item.Item.ConferenceId, item.Seq);
            return new Entry(Key.Of(cursor), item.StopKey.Ticks, cursor, item.Item);
        }
    }

    /// <summary>
    /// The catalog's sort key (starts_at, conference_id, seq) with PostgreSQL's uuid order,
    /// which compares the 16 bytes in their big-endian (text) order.
    /// </summary>
    private readonly record struct Key(long StartTicks, ulong IdHigh, ulong IdLow, int Seq) : IComparable<Key>
    {
        public static Key Of(UpcomingCursor cursor)
        {
            Span<byte> id = stackalloc byte[16];
            cursor.ConferenceId.TryWriteBytes(id, bigEndian: true, out _);
            return new Key(cursor.Start.Ticks, BinaryPrimitives.ReadUInt64BigEndian(id), BinaryPrimitives.ReadUInt64BigEndian(id[8..]), cursor.Seq);
        }

        public int CompareTo(Key other)
        {
            var c = StartTicks.CompareTo(other.StartTicks);
            if (c == 0)
            {
                c = IdHigh.CompareTo(other.IdHigh);
            }

            if (c == 0)
            {
                c = IdLow.CompareTo(other.IdLow);
            }

            return c != 0 ? c : Seq.CompareTo(other.Seq);
        }
    }
}

/// <summary>One occurrence as the catalog stores it: its sort key (start as stored; permanent sessions have <see cref="DateTime.MinValue"/>) and its listing item.</summary>
public sealed record UpcomingWindowItem(DateTime StartKey, DateTime StopKey, int Seq, UpcomingItem Item);

/// <summary>Every occurrence overlapping [From, Until), in the catalog's order.</summary>
public sealed record UpcomingWindowContent(DateTimeOffset From, DateTimeOffset Until, IReadOnlyList<UpcomingWindowItem> Items);

/// <summary>The "upcoming" defaults that the window must agree with.</summary>
public static class UpcomingDefaults
{
    /// <summary>The window asked for when a request gives no <c>to</c>: seven days from <c>from</c>.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(7);
}
