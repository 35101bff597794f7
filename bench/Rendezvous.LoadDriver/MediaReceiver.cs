using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Rendezvous.LoadDriver;

/// <summary>
/// Receives on every leg's socket from one thread: the sockets are non-blocking and registered
/// with one epoll instance (Linux), each wake-up reads one datagram per readable socket, stamped
/// with the time it was read. One recvfrom per packet plus one epoll_wait per batch: .NET's own
/// asynchronous receives cost a thread-pool hand-off per datagram, which at tens of thousands of
/// packets per second made the driver, not the server, the bottleneck.
/// </summary>
internal sealed partial class MediaReceiver : IDisposable
{
    private const int EpollIn = 0x001;
    private const int EpollCtlAdd = 1;
    private const int EpollCloExec = 0x80000;
    private const int MaxEvents = 512;

    private readonly MediaLeg[] _legs;
    private readonly int _epoll;
    private volatile bool _stop;

    public MediaReceiver(MediaLeg[] legs)
    {
        _legs = legs;
        _epoll = EpollCreate1(EpollCloExec);
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }

        for (var i = 0; i < legs.Length; i++)
        {
            var registration = new EpollEvent { Events = EpollIn, Data = (ulong)i };
            if (EpollCtl(_epoll, EpollCtlAdd, (int)legs[i].Socket.Handle, ref registration) != 0)
            {
                throw new InvalidOperationException($"epoll_ctl failed for leg {i}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    public delegate void Handler(MediaLeg leg, ReadOnlySpan<byte> datagram, long arrival);

    /// <summary>Reads until <see cref="Stop"/>; <paramref name="handle"/> runs on this thread for every datagram.</summary>
    public void Run(Handler handle)
    {
        var events = new EpollEvent[MaxEvents];
        var buffer = new byte[1500];
        while (!_stop)
        {
            var ready = EpollWait(_epoll, events, MaxEvents, 50);
            for (var i = 0; i < ready; i++)
            {
                var leg = _legs[(int)events[i].Data];
                var length = leg.Socket.Receive(buffer, SocketFlags.None, out var error);
                if (error == SocketError.Success)
                {
                    handle(leg, buffer.AsSpan(0, length), Stopwatch.GetTimestamp());
                }
                else if (error != SocketError.WouldBlock)
                {
                    // An ICMP unreachable (ConnectionRefused on Linux: the server's port not open) is counted.
                    leg.Errors++;
                    leg.LastError = error;
                }
            }
        }
    }

    public void Stop() => _stop = true;

    public void Dispose() => _ = Close(_epoll);

    // x86-64 declares struct epoll_event packed: a 32-bit mask, then 64 bits of user data at offset 4.
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct EpollEvent
    {
        public int Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epoll, int operation, int fd, ref EpollEvent registration);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epoll, [Out] EpollEvent[] events, int maxEvents, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
