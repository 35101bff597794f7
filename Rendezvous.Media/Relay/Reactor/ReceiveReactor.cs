using System.Net.Sockets;

namespace Rendezvous.Media.Relay.Reactor;

/// <summary>
/// Receives the datagrams of many UDP sockets on a few threads (Linux only): each thread owns an
/// epoll set (level-triggered), reads each ready socket with one non-blocking recvfrom into a buffer
/// of its own, parses the source without allocating and calls the socket's <see cref="IDatagramSink"/>
/// on the spot. That replaces an asynchronous receive per socket, whose every datagram costs a
/// hand-off to the thread pool (and its workers' spinning) and a new <see cref="System.Net.IPEndPoint"/>.
/// </summary>
/// <remarks>
/// <para>The sockets of one <see cref="Register"/> call share a thread, so their sink is never called
/// for two of them at once; different registrations may run concurrently on different threads.</para>
/// <para>Unregister before closing a socket: after <see cref="Unregister"/> returns, the sink is not
/// being called and never will be again (unless unregistering from the sink itself, on the reactor
/// thread, which is allowed: no later datagram of that registration is delivered). A registration
/// holds the socket's handle only while it reads (a reference count, so a socket closed meanwhile
/// keeps its descriptor until the read ends and a new socket cannot be given the same number under
/// it); a descriptor that is closed or unknown to epoll (EBADF, ENOENT) is tolerated.</para>
/// </remarks>
public sealed class ReceiveReactor : IDisposable
{
    private readonly ReactorThread[] _threads;
    private int _next;
    private int _disposed;

    /// <summary>
    /// Starts <paramref name="threads"/> receive threads. Throws <see cref="PlatformNotSupportedException"/>
    /// off Linux (check <see cref="IsSupported"/>), <see cref="ArgumentOutOfRangeException"/> for fewer
    /// than one thread, and <see cref="SocketException"/> when epoll cannot be set up.
    /// </summary>
    public ReceiveReactor(int threads)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("the receive reactor uses epoll (Linux only)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _threads = new ReactorThread[threads];
        try
        {
            for (var i = 0; i < threads; i++)
            {
                _threads[i] = new ReactorThread(i);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>True on Linux, where epoll exists.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>How many receive threads there are.</summary>
    public int Threads => _threads.Length;

    /// <summary>Sockets registered now, across all threads.</summary>
    public int Registered => _threads.Sum(t => t?.Registered ?? 0);

    /// <summary>Datagrams handed to sinks.</summary>
    public long Delivered => _threads.Sum(t => t?.Delivered ?? 0);

    /// <summary>Reads that returned an error (an ICMP error queued on the socket, a spurious wake-up, a datagram too long for the buffer).</summary>
    public long ReceiveErrors => _threads.Sum(t => t?.ReceiveErrors ?? 0);

    /// <summary>Exceptions thrown by sinks: caught so that one socket's bug cannot stop the others'.</summary>
    public long Faults => _threads.Sum(t => t?.Faults ?? 0);

    /// <summary>
    /// Delivers every datagram of <paramref name="sockets"/> (UDP, IPv4 or IPv6) to <paramref name="sink"/>,
    /// with the socket's index as the channel, from now until <see cref="Unregister"/>. All of them go
    /// to one thread, chosen in turn. Throws <see cref="ObjectDisposedException"/> for a closed socket
    /// or reactor, <see cref="SocketException"/> when epoll refuses one (none stays registered then).
    /// </summary>
    public ReactorRegistration Register(IDatagramSink sink, params ReadOnlySpan<Socket> sockets)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var thread = _threads[(int)((uint)Interlocked.Increment(ref _next) % (uint)_threads.Length)];
        return thread.Register(sink, sockets);
    }

    /// <summary>
    /// Stops delivering the registration's datagrams; when this returns (off the reactor thread), no
    /// sink call for it is running. Idempotent. Call it before closing the sockets.
    /// </summary>
    public static void Unregister(ReactorRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        registration.Thread.Unregister(registration);
    }

    /// <summary>Stops the threads (after their current batch) and closes the epoll sets; registrations end with them.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var thread in _threads)
        {
            thread?.Dispose();
        }
    }
}

/// <summary>One <see cref="ReceiveReactor.Register"/> call's sockets, for <see cref="ReceiveReactor.Unregister"/>.</summary>
public sealed class ReactorRegistration
{
    internal ReactorRegistration(ReactorThread thread, ReactorEntry[] entries) => (Thread, Entries) = (thread, entries);

    internal ReactorThread Thread { get; }

    internal ReactorEntry[] Entries { get; }

    /// <summary>Which reactor thread serves it (0-based).</summary>
    public int ThreadIndex => Thread.Index;
}
