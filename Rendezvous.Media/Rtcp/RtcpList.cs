using System.Collections;
using System.Runtime.CompilerServices;

namespace Rendezvous.Media.Rtcp;

/// <summary>
/// An immutable list with value equality, so decoded RTCP packets (records) compare by content and
/// a round trip is a plain <c>==</c>. <c>default</c> is the empty list; the items are copied in.
/// </summary>
[CollectionBuilder(typeof(RtcpList), nameof(RtcpList.Create))]
public readonly struct RtcpList<T> : IReadOnlyList<T>, IEquatable<RtcpList<T>>
{
    private readonly T[]? _items;

    internal RtcpList(T[] items) => _items = items.Length == 0 ? null : items;

    public int Count => _items is null ? 0 : _items.Length;

    public bool IsEmpty => _items is null;

    /// <summary>Throws <see cref="IndexOutOfRangeException"/> outside 0..Count-1.</summary>
    public T this[int index] => AsSpan()[index];

    public ReadOnlySpan<T> AsSpan() => new(_items);

    public bool Equals(RtcpList<T> other) =>
        ReferenceEquals(_items, other._items) || MemoryExtensions.SequenceEqual(AsSpan(), other.AsSpan(), EqualityComparer<T>.Default);

    public override bool Equals(object? obj) => obj is RtcpList<T> list && Equals(list);

    public override int GetHashCode()
    {
        // Count and the first few items are enough to spread; equal lists still hash equally.
        var hash = new HashCode();
        hash.Add(Count);
        var span = AsSpan();
        for (var i = 0; i < Math.Min(span.Length, 8); i++)
        {
            hash.Add(span[i]);
        }

        return hash.ToHashCode();
    }

    public static bool operator ==(RtcpList<T> left, RtcpList<T> right) => left.Equals(right);

    public static bool operator !=(RtcpList<T> left, RtcpList<T> right) => !left.Equals(right);

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"[{string.Join(", ", _items ?? [])}]";
}

/// <summary>Builds <see cref="RtcpList{T}"/> values (also the target of collection expressions).</summary>
public static class RtcpList
{
    public static RtcpList<T> Create<T>(ReadOnlySpan<T> items) => new(items.ToArray());

    public static RtcpList<T> From<T>(IEnumerable<T> items) => new([.. items]);
}
