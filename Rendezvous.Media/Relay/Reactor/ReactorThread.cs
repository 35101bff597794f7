using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Rendezvous.Media.Relay.Reactor;

/// <summary>One registered socket: its handle (reference-counted while read), descriptor, sink and channel, and its slot in the thread's table.</summary>
internal sealed class ReactorEntry(SafeHandle handle, int fd, IDatagramSink sink, int channel, int slot, uint generation)
{
    public SafeHandle Handle { get; } = handle;

    public int Fd { get; } = fd;

    public IDatagramSink Sink { get; } = sink;

    public int Channel { get; } = channel;

    public int Slot { get; } = slot;

    /// <summary>Distinguishes this entry from earlier and later ones in the same slot (epoll's user data carries both).</summary>
    public uint Generation { get; } = generation;

    /// <summary>Set (under the thread's lock) when unregistered; the thread checks it before each read.</summary>
    public volatile bool Removed;
}

/// <summary>
/// One thread of a <see cref="ReceiveReactor"/>: an epoll set, an eventfd that wakes it to stop, a
/// table of registered sockets (slot and generation in each epoll event's user data, so an event
/// from a socket since unregistered can never reach the socket that took its slot or descriptor),
/// and a batch counter that is odd while events are handled (what <see cref="Unregister"/> waits on).
/// </summary>
internal sealed unsafe class ReactorThread : IDisposable
{
    private const int MaxEvents = 256;

    /// <summary>The largest datagram taken (an Ethernet MTU); longer ones are dropped, as the asynchronous receive path drops them.</summary>
    public const int MaxDatagram = 1500;

    private const int AddressCapacity = 128; // sizeof(struct sockaddr_storage)
    private const ulong WakeData = ulong.MaxValue;

    private readonly Lock _lock = new();
    private readonly Stack<int> _free = new();
    private readonly Thread _thread;
    private readonly int _epoll;
    private readonly int _wake;
    private ReactorEntry?[] _slots = new ReactorEntry?[64];
    private int _used;
    private uint _generation;
    private long _batch;
    private int _registered;
    private int _managedThreadId;
    private volatile bool _stopping;
    private volatile bool _exited;
    private long _delivered;
    private long _receiveErrors;
    private long _faults;

    /// <summary>Throws <see cref="IOException"/> when epoll or the eventfd cannot be created.</summary>
    public ReactorThread(int index)
    {
        Index = index;
        _epoll = Libc.EpollCreate1(Libc.EpollCloexec);
        if (_epoll < 0)
        {
            throw new IOException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }

        _wake = Libc.EventFd(0, Libc.EfdNonBlock | Libc.EfdCloexec);
        var ev = stackalloc byte[16];
        Libc.WriteEvent(ev, Libc.EpollIn, WakeData);
        if (_wake < 0 || Libc.EpollCtl(_epoll, Libc.EpollCtlAdd, _wake, ev) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _ = _wake >= 0 ? Libc.Close(_wake) : 0;
            _ = Libc.Close(_epoll);
            throw new IOException($"eventfd for the receive reactor failed: errno {errno}");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = $"rtp-receive-{index}" };
        _thread.Start();
    }

    public int Index { get; }

    public int Registered => Volatile.Read(ref _registered);

    public long Delivered => Volatile.Read(ref _delivered);

    public long ReceiveErrors => Volatile.Read(ref _receiveErrors);

    public long Faults => Volatile.Read(ref _faults);

    public ReactorRegistration Register(IDatagramSink sink, ReadOnlySpan<Socket> sockets)
    {
        var entries = new ReactorEntry[sockets.Length];
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, typeof(ReceiveReactor));
            var added = 0;
            try
            {
                for (; added < sockets.Length; added++)
                {
                    entries[added] = Add(sink, sockets[added], added);
                }
            }
            catch
            {
                for (var i = 0; i < added; i++)
                {
                    RemoveLocked(entries[i]);
                }

                throw;
            }
        }

        return new ReactorRegistration(this, entries);
    }

    /// <summary>Under the lock: a slot, then the descriptor into the epoll set (while a reference on the handle keeps it this socket's).</summary>
    private ReactorEntry Add(IDatagramSink sink, Socket socket, int channel)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var handle = socket.SafeHandle;
        var referenced = false;
        try
        {
            handle.DangerousAddRef(ref referenced); // throws ObjectDisposedException for a closed socket
            var fd = (int)handle.DangerousGetHandle();
            var slot = _free.Count > 0 ? _free.Pop() : _used++;
            if (slot >= _slots.Length)
            {
                var grown = new ReactorEntry?[_slots.Length * 2];
                _slots.CopyTo(grown, 0);
                Volatile.Write(ref _slots, grown);
            }

            var entry = new ReactorEntry(handle, fd, sink, channel, slot, ++_generation);
            var ev = stackalloc byte[16];
            Libc.WriteEvent(ev, Libc.EpollIn, ((ulong)entry.Generation << 32) | (uint)slot);
            if (Libc.EpollCtl(_epoll, Libc.EpollCtlAdd, fd, ev) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                _free.Push(slot);
                throw new IOException($"epoll_ctl(ADD) of descriptor {fd} failed: errno {errno}");
            }

            Volatile.Write(ref _slots[slot], entry);
            _registered++;
            return entry;
        }
        finally
        {
            if (referenced)
            {
                handle.DangerousRelease();
            }
        }
    }

    public void Unregister(ReactorRegistration registration)
    {
        lock (_lock)
        {
            foreach (var entry in registration.Entries)
            {
                RemoveLocked(entry);
            }
        }

        if (Environment.CurrentManagedThreadId != Volatile.Read(ref _managedThreadId))
        {
            WaitForBatch();
        }
    }

    private void RemoveLocked(ReactorEntry entry)
    {
        if (entry.Removed)
        {
            return;
        }

        entry.Removed = true;
        if (!_stopping)
        {
            // Removed from the set while a reference on the handle guarantees the descriptor is
            // still this socket's. A socket closed before it was unregistered leaves the epoll set only
            // when every descriptor of it is closed: an RTP leg's sender holds a duplicate, which is why a
            // leg unregisters first, then closes its sender, then its sockets.
            var referenced = false;
            try
            {
                entry.Handle.DangerousAddRef(ref referenced);
                _ = Libc.EpollCtl(_epoll, Libc.EpollCtlDel, entry.Fd, null); // ENOENT, EBADF: already gone
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                if (referenced)
                {
                    entry.Handle.DangerousRelease();
                }
            }
        }

        Volatile.Write(ref _slots[entry.Slot], null);
        _free.Push(entry.Slot);
        _registered--;
    }

    /// <summary>Waits until the batch of events being handled now (if any) is over: whatever it held of an unregistered entry is dropped.</summary>
    private void WaitForBatch()
    {
        var batch = Volatile.Read(ref _batch);
        if ((batch & 1) == 0)
        {
            return;
        }

        var spin = new SpinWait();
        while (Volatile.Read(ref _batch) == batch && !_exited)
        {
            spin.SpinOnce();
        }
    }

    private void Run()
    {
        Volatile.Write(ref _managedThreadId, Environment.CurrentManagedThreadId);
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Libc.EpollEventSize));
        var buffer = (byte*)NativeMemory.Alloc(MaxDatagram);
        var address = (byte*)NativeMemory.Alloc(AddressCapacity);
        try
        {
            while (true)
            {
                var ready = Libc.EpollWait(_epoll, events, MaxEvents, -1);
                if (ready < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Libc.EIntr)
                    {
                        continue;
                    }

                    return;
                }

                Interlocked.Increment(ref _batch);
                try
                {
                    var slots = Volatile.Read(ref _slots);
                    for (var i = 0; i < ready; i++)
                    {
                        var data = Libc.ReadEventData(events, i);
                        if (data == WakeData)
                        {
                            if (_stopping)
                            {
                                return;
                            }

                            continue;
                        }

                        var slot = (int)(uint)data;
                        if ((uint)slot < (uint)slots.Length && Volatile.Read(ref slots[slot]) is { } entry && entry.Generation == (uint)(data >> 32) && !entry.Removed)
                        {
                            Receive(entry, buffer, address);
                        }
                    }
                }
                finally
                {
                    Interlocked.Increment(ref _batch);
                }
            }
        }
        finally
        {
            _exited = true;
            NativeMemory.Free(events);
            NativeMemory.Free(buffer);
            NativeMemory.Free(address);
            _ = Libc.Close(_wake);
            _ = Libc.Close(_epoll);
        }
    }

    /// <summary>
    /// One datagram from a ready socket (level-triggered: if more are queued, the next epoll_wait
    /// reports the socket again, so one busy socket cannot starve the others).
    /// </summary>
    private void Receive(ReactorEntry entry, byte* buffer, byte* address)
    {
        nint length;
        var errno = 0;
        var addressLength = (uint)AddressCapacity;
        var referenced = false;
        try
        {
            entry.Handle.DangerousAddRef(ref referenced);
            length = Libc.RecvFrom(entry.Fd, buffer, MaxDatagram, Libc.MsgDontWait | Libc.MsgTrunc, address, &addressLength);
            if (length < 0)
            {
                errno = Marshal.GetLastPInvokeError();
            }
        }
        catch (ObjectDisposedException)
        {
            return; // closed under us, before unregistering: nothing more to read
        }
        finally
        {
            if (referenced)
            {
                entry.Handle.DangerousRelease();
            }
        }

        if (length < 0)
        {
            // EAGAIN: nothing queued after all. Anything else (ECONNREFUSED from an ICMP error
            // queued on the socket, say) is skipped, as the asynchronous path skips it.
            if (errno != Libc.EAgain)
            {
                _receiveErrors++;
            }

            return;
        }

        var family = *(ushort*)address switch
        {
            Libc.AfInet => AddressFamily.InterNetwork,
            Libc.AfInet6 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        if (length > MaxDatagram || !DatagramSource.TryRead(family, new ReadOnlySpan<byte>(address, (int)Math.Min(addressLength, AddressCapacity)), out var source))
        {
            _receiveErrors++;
            return;
        }

        try
        {
            entry.Sink.OnDatagram(entry.Channel, new ReadOnlySpan<byte>(buffer, (int)length), source);
            _delivered++;
        }
#pragma warning disable CA1031 // A sink's bug must not stop the thread that serves every other socket: counted in Faults.
        catch (Exception)
#pragma warning restore CA1031
        {
            _faults++;
        }
    }

    /// <summary>Stops the thread after its current batch (it closes its descriptors on the way out) and waits for it, unless called from it.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
        }

        // The thread leaves only on this wake-up, so the eventfd is still open here.
        ulong one = 1;
        _ = Libc.Write(_wake, (byte*)&one, sizeof(ulong));
        if (Environment.CurrentManagedThreadId != Volatile.Read(ref _managedThreadId))
        {
            _thread.Join();
        }
    }
}
