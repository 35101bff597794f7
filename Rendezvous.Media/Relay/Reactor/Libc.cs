using System.Runtime.InteropServices;

namespace Rendezvous.Media.Relay.Reactor;

/// <summary>
/// The few Linux system calls the receive reactor makes (epoll(7), recvfrom(2), eventfd(2)), the RTP
/// sender's (fcntl(2) to duplicate a descriptor, sendto(2)) and the timer thread's setpriority(2), with
/// the constants from the kernel's UAPI headers they need. Every call sets errno, read through
/// <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe partial class Libc
{
    public const int EpollCloexec = 0x80000;     // EPOLL_CLOEXEC == O_CLOEXEC
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const uint EpollIn = 0x001;
    public const uint EpollErr = 0x008;

    public const int MsgTrunc = 0x20;            // return the datagram's real length even when it was cut
    public const int MsgDontWait = 0x40;

    public const int EfdNonBlock = 0x800;        // EFD_NONBLOCK == O_NONBLOCK
    public const int EfdCloexec = 0x80000;

    public const int AfInet = 2;
    public const int AfInet6 = 10;

    public const int ENoEnt = 2;
    public const int EIntr = 4;
    public const int EBadF = 9;
    public const int EAgain = 11;

    /// <summary>
    /// sizeof(struct epoll_event): x86-64 (and 32-bit x86) declare it packed, a 32-bit event mask
    /// and then 64 bits of user data at offset 4; every other architecture aligns the data to 8.
    /// </summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;

    /// <summary>Offset of epoll_event.data within the struct (see <see cref="EpollEventSize"/>).</summary>
    public static readonly int EpollDataOffset = EpollEventSize == 12 ? 4 : 8;

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    public static partial nint RecvFrom(int fd, byte* buffer, nuint length, int flags, byte* address, uint* addressLength);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(int fd, byte* buffer, nuint length, int flags, byte* address, uint addressLength);

    public const int FDupFdCloexec = 1030;       // F_DUPFD_CLOEXEC: dup(2), with the copy closed on exec

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    public const int PrioProcess = 0; // with a thread id, setpriority(2) sets that one thread's nice value on Linux

    [LibraryImport("libc", EntryPoint = "gettid")]
    public static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    public static partial int SetPriority(int which, uint who, int nice);

    /// <summary>Writes one struct epoll_event (mask and user data) at <paramref name="at"/>.</summary>
    public static void WriteEvent(byte* at, uint events, ulong data)
    {
        *(uint*)at = events;
        *(ulong*)(at + EpollDataOffset) = data; // unaligned on x86-64, where that is allowed
    }

    /// <summary>The user data of the epoll_event at index <paramref name="index"/> of an array.</summary>
    public static ulong ReadEventData(byte* events, int index) => *(ulong*)(events + (index * EpollEventSize) + EpollDataOffset);
}
