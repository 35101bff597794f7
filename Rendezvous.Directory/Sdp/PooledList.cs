using System.Buffers;

namespace Rendezvous.Directory.Sdp;

/// <summary>
/// A growable scratch list on pooled arrays, for the parser: the only lasting allocation is
/// the exact-size array <see cref="ToValueList"/> makes for the model.
/// </summary>
internal struct PooledList<T>
{
    private T[]? _items;

    public int Count { get; private set; }

    public readonly T this[int index] => _items![index];

    public void Add(T item)
    {
        if (_items is null || Count == _items.Length)
        {
            var larger = ArrayPool<T>.Shared.Rent(Math.Max(4, Count * 2));
            if (_items is { } old)
            {
                old.AsSpan(0, Count).CopyTo(larger);
                old.AsSpan(0, Count).Clear();
                ArrayPool<T>.Shared.Return(old);
            }

            _items = larger;
        }

        _items[Count++] = item;
    }

    public void Clear()
    {
        _items?.AsSpan(0, Count).Clear();
        Count = 0;
    }

    public readonly ValueList<T> ToValueList() => Count == 0 ? default : ValueList.Create<T>(_items.AsSpan(0, Count));

    /// <summary>Gives the buffer back to the pool. The list is empty and usable afterwards.</summary>
    public void Return()
    {
        if (_items is not null)
        {
            _items.AsSpan(0, Count).Clear();
            ArrayPool<T>.Shared.Return(_items);
            _items = null;
        }

        Count = 0;
    }
}
