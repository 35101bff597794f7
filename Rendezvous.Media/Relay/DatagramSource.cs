using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Rendezvous.Media.Relay;

/// <summary>
/// Where a datagram came from: an IPv4 or IPv6 address and a port, read from the socket address the
/// system call filled in, without allocating (an <see cref="IPEndPoint"/> is made only on request).
/// </summary>
/// <param name="Family">InterNetwork or InterNetworkV6.</param>
/// <param name="Address">The address bytes in network order as one big-endian number (IPv4: the low 32 bits).</param>
/// <param name="Port">The UDP port.</param>
/// <param name="ScopeId">The IPv6 scope (interface) id; 0 for IPv4.</param>
public readonly record struct DatagramSource(AddressFamily Family, UInt128 Address, int Port, uint ScopeId = 0)
{
    // struct sockaddr_in:  family (2, host order), port (2, network order), address (4).
    // struct sockaddr_in6: family (2), port (2), flow info (4), address (16), scope id (4, host order).
    private const int PortOffset = 2;
    private const int V4Offset = 4;
    private const int V6Offset = 8;
    private const int ScopeOffset = 24;
    private const int V6Length = 28;

    /// <summary>
    /// Reads a socket address in the sockaddr_in / sockaddr_in6 layout (what .NET's
    /// <see cref="SocketAddress"/> holds, and what Linux's recvfrom fills in) whose family is already
    /// known. False for another family or a buffer too short for it.
    /// </summary>
    public static bool TryRead(AddressFamily family, ReadOnlySpan<byte> sockaddr, out DatagramSource source)
    {
        source = default;
        if (family == AddressFamily.InterNetwork && sockaddr.Length >= V4Offset + 4)
        {
            source = new(family, BinaryPrimitives.ReadUInt32BigEndian(sockaddr[V4Offset..]), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[PortOffset..]));
            return true;
        }

        if (family == AddressFamily.InterNetworkV6 && sockaddr.Length >= V6Length)
        {
            source = new(family, BinaryPrimitives.ReadUInt128BigEndian(sockaddr.Slice(V6Offset, 16)), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[PortOffset..]),
                BitConverter.ToUInt32(sockaddr[ScopeOffset..]));
            return true;
        }

        return false;
    }

    /// <summary>What a receive into <paramref name="address"/> reported.</summary>
    public static DatagramSource From(SocketAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return TryRead(address.Family, address.Buffer.Span[..address.Size], out var source) ? source : default;
    }

    /// <summary>The same address and port as an endpoint (IPv4-mapped IPv6 addresses are not unmapped, as the sockets report them).</summary>
    public static DatagramSource From(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new(endPoint.AddressFamily, Bits(endPoint.Address), endPoint.Port, endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? (uint)endPoint.Address.ScopeId : 0);
    }

    /// <summary>Whether this is <paramref name="address"/> (family, bytes and, for IPv6, scope) and <paramref name="port"/>, as <see cref="IPAddress.Equals(object)"/> compares.</summary>
    public bool Is(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Port == port && IsAddress(address);
    }

    /// <summary>Whether the address is <paramref name="address"/> (family, bytes and, for IPv6, scope).</summary>
    public bool IsAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily == Family && Bits(address) == Address &&
               (Family != AddressFamily.InterNetworkV6 || (uint)address.ScopeId == ScopeId);
    }

    /// <summary>127.0.0.0/8 or ::1, as <see cref="IPAddress.IsLoopback"/>.</summary>
    public bool IsLoopback => Family == AddressFamily.InterNetwork ? (Address >> 24) == 127 : Address == UInt128.One;

    /// <summary>A new endpoint with this address and port.</summary>
    public IPEndPoint ToEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Address);
        var address = Family == AddressFamily.InterNetwork ? new IPAddress(bytes[12..]) : new IPAddress(bytes, ScopeId);
        return new IPEndPoint(address, Port);
    }

    public override string ToString() => ToEndPoint().ToString();

    private static UInt128 Bits(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return 0;
        }

        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
