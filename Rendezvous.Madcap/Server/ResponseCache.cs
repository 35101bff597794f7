using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Rendezvous.Madcap.Server;

/// <summary>
/// The server's response cache (RFC 2730 section 1.5, [RESPONSE-CACHE-INTERVAL]): a retransmitted
/// request gets the answer it got before, for one interval.
/// <para>
/// It holds no object per answer, so it costs the garbage collector nothing. A cache of objects
/// (a dictionary of keys and byte arrays) kept every answer of the last minute alive: each young
/// collection copied the answers given since the one before, and at 1,500 exchanges a second
/// its pauses grew to 10 to 40 ms, which set the exchanges' p99. Here, answers sit in two
/// preallocated rings, both first in, first out: one of fixed-size entries (key fields, time, and
/// where the bytes are), chained from a hash table of entry numbers; one of bytes (the Lease
/// Identifier and the answer). Adding takes the oldest entries out when either ring is full or
/// they have aged an interval, so the memory held is fixed: <see cref="Capacity"/> entries and
/// <see cref="ArenaBytes"/> bytes. An answer too big to be an eighth of the byte ring is not kept
/// (a retransmission then gets a recomputed answer, which for a lease already granted is the same
/// lease). A found answer is copied out.
/// </para>
/// </summary>
/// <remarks>Thread-safe: one short lock per operation.</remarks>
public sealed class ResponseCache
{
    /// <summary>Entries held at most, by default: about a minute of answers at 2,000 a second.</summary>
    public const int DefaultCapacity = 131_072;

    /// <summary>Bytes of Lease Identifiers and answers held at most, by default (32 MiB).</summary>
    public const int DefaultArenaBytes = 32 << 20;

    private const int None = -1;

    private readonly TimeSpan _interval;
    private readonly Lock _lock = new();
    private readonly Entry[] _entries;
    private readonly int[] _buckets;
    private readonly byte[] _arena;
    private readonly int _mask;
    private long _head; // the oldest entry's number; entry n is in slot n & _mask
    private long _tail; // the next entry's number
    private long _arenaTail; // where the next bytes go, counted from the start (the slot is this modulo the arena's length)

    /// <param name="interval">How long an answer is found.</param>
    /// <param name="capacity">Entries held at most: rounded up to a power of two.</param>
    /// <param name="arenaBytes">Bytes held at most.</param>
    public ResponseCache(TimeSpan interval, int capacity = DefaultCapacity, int arenaBytes = DefaultArenaBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(arenaBytes, 64);
        _interval = interval;
        var size = (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity));
        _entries = new Entry[size];
        _buckets = new int[size];
        Array.Fill(_buckets, None);
        _arena = new byte[arenaBytes];
        _mask = size - 1;
    }

    /// <summary>Entries held at most.</summary>
    public int Capacity => _entries.Length;

    /// <summary>Bytes of Lease Identifiers and answers held at most.</summary>
    public int ArenaBytes => _arena.Length;

    /// <summary>How many answers are held (some may be past their interval until an <see cref="Add"/> takes them out).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                var live = 0;
                for (var n = _head; n < _tail; n++)
                {
                    live += _entries[(int)(n & _mask)].Live ? 1 : 0;
                }

                return live;
            }
        }
    }

    /// <summary>A copy of the answer given to <paramref name="key"/> less than an interval before <paramref name="now"/>, or null.</summary>
    public byte[]? Find(in ResponseKey key, DateTimeOffset now)
    {
        var probe = Probe.Of(key);
        lock (_lock)
        {
            var slot = Lookup(probe, key.LeaseIdentifier, out _);
            if (slot == None)
            {
                return null;
            }

            ref var entry = ref _entries[slot];
            return now.UtcTicks - entry.At < _interval.Ticks
                ? _arena.AsSpan(Physical(entry.Offset) + entry.KeyLength, entry.ResponseLength).ToArray()
                : null;
        }
    }

    /// <summary>Remembers the answer given at <paramref name="now"/>, in place of any earlier answer to the same key.</summary>
    public void Add(in ResponseKey key, DateTimeOffset now, ReadOnlySpan<byte> response)
    {
        var probe = Probe.Of(key);
        var lease = key.LeaseIdentifier;
        var length = (long)lease.Length + response.Length;
        if (length > _arena.Length / 8)
        {
            return;
        }

        lock (_lock)
        {
            var earlier = Lookup(probe, lease, out var previous);
            if (earlier != None)
            {
                Unlink(earlier, previous);
            }

            // Keep a record's bytes in one piece: a record that would run past the ring's end starts at its beginning.
            var start = _arenaTail;
            if (Physical(start) + length > _arena.Length)
            {
                start += _arena.Length - Physical(start);
            }

            while (_head < _tail && (_tail - _head == _entries.Length
                || start + length - _entries[(int)(_head & _mask)].Offset > _arena.Length
                || now.UtcTicks - _entries[(int)(_head & _mask)].At >= _interval.Ticks))
            {
                Evict();
            }

            var bytes = _arena.AsSpan(Physical(start), (int)length);
            for (var i = 0; i < lease.Length; i++)
            {
                bytes[i] = (byte)lease[i]; // hexadecimal digits: ASCII
            }

            response.CopyTo(bytes[lease.Length..]);
            var slot = (int)(_tail & _mask);
            var bucket = probe.Hash & _mask;
            _entries[slot] = new Entry
            {
                Probe = probe,
                At = now.UtcTicks,
                Offset = start,
                KeyLength = lease.Length,
                ResponseLength = response.Length,
                Next = _buckets[bucket],
                Live = true,
            };
            _buckets[bucket] = slot;
            _tail++;
            _arenaTail = start + length;
        }
    }

    private int Physical(long offset) => (int)(offset % _arena.Length);

    /// <summary>The live entry for the key, or <see cref="None"/>; <paramref name="previous"/> is the entry before it in its chain (or <see cref="None"/>).</summary>
    private int Lookup(in Probe probe, string lease, out int previous)
    {
        previous = None;
        for (var slot = _buckets[probe.Hash & _mask]; slot != None; previous = slot, slot = _entries[slot].Next)
        {
            ref var entry = ref _entries[slot];
            if (entry.Probe.Equals(probe) && entry.KeyLength == lease.Length && SameLease(entry.Offset, lease))
            {
                return slot;
            }
        }

        return None;
    }

    private bool SameLease(long offset, string lease)
    {
        var stored = _arena.AsSpan(Physical(offset), lease.Length);
        for (var i = 0; i < stored.Length; i++)
        {
            if (stored[i] != lease[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Takes the oldest entry out of the ring, and out of its chain if it is still there.</summary>
    private void Evict()
    {
        var slot = (int)(_head & _mask);
        if (_entries[slot].Live)
        {
            var previous = None;
            var at = _buckets[_entries[slot].Probe.Hash & _mask];
            while (at != slot && at != None)
            {
                previous = at;
                at = _entries[at].Next;
            }

            // A live entry is always in its chain; were it not, unlinking would cut the chain short.
            if (at == slot)
            {
                Unlink(slot, previous);
            }
        }

        _head++;
    }

    private void Unlink(int slot, int previous)
    {
        ref var entry = ref _entries[slot];
        if (previous == None)
        {
            _buckets[entry.Probe.Hash & _mask] = entry.Next;
        }
        else
        {
            _entries[previous].Next = entry.Next;
        }

        entry.Live = false;
        entry.Next = None;
    }

    /// <summary>The key's fixed-size fields and its hash (over them and the Lease Identifier; seeded per process by <see cref="HashCode"/>).</summary>
    private readonly record struct Probe(uint Xid, byte MessageType, byte Family, ushort Port, UInt128 Address, int Hash)
    {
        public static Probe Of(in ResponseKey key)
        {
            ArgumentNullException.ThrowIfNull(key.LeaseIdentifier);
            ArgumentNullException.ThrowIfNull(key.Source);
            Span<byte> address = stackalloc byte[16];
            address.Clear();
            key.Source.Address.TryWriteBytes(address, out _);
            var family = (byte)(key.Source.AddressFamily == AddressFamily.InterNetworkV6 ? 6 : 4);
            var value = MemoryMarshal.Read<UInt128>(address);
            var hash = new HashCode();
            hash.Add(key.Xid);
            hash.Add(key.MessageType);
            hash.Add(family);
            hash.Add(key.Source.Port);
            hash.Add(value);
            hash.AddBytes(MemoryMarshal.AsBytes(key.LeaseIdentifier.AsSpan()));
            return new Probe(key.Xid, key.MessageType, family, (ushort)key.Source.Port, value, hash.ToHashCode() & int.MaxValue);
        }
    }

    private struct Entry
    {
        public Probe Probe;
        public long At;
        public long Offset;
        public int KeyLength;
        public int ResponseLength;
        public int Next;
        public bool Live;
    }
}

/// <summary>What makes two requests the same for the response cache: xid, message type, Lease Identifier (in hexadecimal) and source.</summary>
public readonly record struct ResponseKey(uint Xid, byte MessageType, string LeaseIdentifier, IPEndPoint Source);
