using System.Collections;
using System.Runtime.CompilerServices;

namespace Rendezvous.Madcap.Protocol;

/// <summary>
/// An immutable list that compares by its items, so the message records compare by value and
/// <c>Decode(Encode(m)) == m</c> is a plain equality test. <c>default</c> is the empty list.
/// </summary>
[CollectionBuilder(typeof(MadcapList), nameof(MadcapList.Create))]
public readonly struct MadcapList<T> : IReadOnlyList<T>, IEquatable<MadcapList<T>>
{
    private readonly T[]? _items;

    internal MadcapList(T[] items) => _items = items.Length == 0 ? null : items;

    public int Count => _items?.Length ?? 0;

    public bool IsEmpty => Count == 0;

    public T this[int index] => (_items ?? [])[index];

    public ReadOnlySpan<T> AsSpan() => _items;

    public bool Equals(MadcapList<T> other) => AsSpan().SequenceEqual(other.AsSpan(), EqualityComparer<T>.Default);

    public override bool Equals(object? obj) => obj is MadcapList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in AsSpan())
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    public static bool operator ==(MadcapList<T> left, MadcapList<T> right) => left.Equals(right);

    public static bool operator !=(MadcapList<T> left, MadcapList<T> right) => !left.Equals(right);

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() =>
        typeof(T) == typeof(byte) ? Convert.ToHexString((byte[])(object)(_items ?? [])) : $"[{string.Join(", ", AsSpan().ToArray())}]";
}

public static class MadcapList
{
    public static MadcapList<T> Create<T>(ReadOnlySpan<T> items) => new(items.ToArray());

    public static MadcapList<T> From<T>(IEnumerable<T> items) => new([.. items]);
}
