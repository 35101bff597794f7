using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Rendezvous.Media.Codecs;

namespace Rendezvous.Media.Relay;

/// <summary>How a call hub bridges its multicast group.</summary>
public enum MulticastMode
{
    /// <summary>The group's audio (every sender in it) is mixed into what the members hear, and the members' mix is sent to the group.</summary>
    Mix,

    /// <summary>RTP is relayed unchanged between the group and each member (no mixing, no transcoding): a unicast party joins the group as if it had multicast.</summary>
    Forward,
}

/// <summary>
/// A call hub's multicast group: RTP on <paramref name="Group"/> (an even port), RTCP on the next
/// port, sent with <paramref name="Ttl"/> (the hop limit for IPv6) from <paramref name="Interface"/>
/// (the routing table's choice when null).
/// </summary>
public sealed record MulticastBinding(IPEndPoint Group, int Ttl, AudioCodec Codec, MulticastMode Mode, IPAddress? Interface = null)
{
    /// <summary>What is wrong with this binding (the field and why), or null when it can be used.</summary>
    public MulticastBindingProblem? Problem(int maxTtl)
    {
        if (!IsMulticast(Group.Address))
        {
            return new("group", $"{Group.Address} is not a multicast address");
        }

        if (Group.Address.AddressFamily == AddressFamily.InterNetwork && Group.Address.GetAddressBytes() is [224, 0, 0, _])
        {
            return new("group", $"{Group.Address} is in 224.0.0.0/24, reserved for local network control");
        }

        if (Group.Port is < 1024 or > 65534 || Group.Port % 2 != 0)
        {
            return new("group", $"port {Group.Port} must be even, from 1024 to 65534 (RTCP takes the next one)");
        }

        if (Ttl < 1 || Ttl > maxTtl)
        {
            return new("ttl", $"{Ttl} must be from 1 to {maxTtl} (Rendezvous:Media:MaxMulticastTtl)");
        }

        return Interface is { } local && local.AddressFamily != Group.Address.AddressFamily
            ? new("interface", $"{local} (Rendezvous:Media:MulticastInterface) is not of the group's address family")
            : null;
    }

    public static bool IsMulticast(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => (address.GetAddressBytes()[0] & 0xF0) == 0xE0,
        AddressFamily.InterNetworkV6 => address.IsIPv6Multicast,
        _ => false,
    };
}

/// <summary>Why a <see cref="MulticastBinding"/> cannot be used: the field at fault and what is wrong with it.</summary>
public sealed record MulticastBindingProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Opens the sockets of a multicast group's <see cref="RtpPortPair"/>.</summary>
public static class MulticastGroupSockets
{
    /// <summary>
    /// Joins the group on its RTP and RTCP ports (each socket bound to the group address, so it
    /// receives that group's datagrams only, and shares the port with other programs), and opens
    /// two sending sockets with the binding's TTL, looping back to this host so that local
    /// receivers hear it too. Throws <see cref="SocketException"/> when the group cannot be joined.
    /// </summary>
    public static RtpPortPair Open(MulticastBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        var opened = new List<Socket>();
        try
        {
            var rtp = Receiver(binding, binding.Group.Port, opened);
            var rtcp = Receiver(binding, binding.Group.Port + 1, opened);
            var rtpSend = Sender(binding, opened);
            var rtcpSend = Sender(binding, opened);
            return new RtpPortPair(null, rtp, rtcp, (rtpSend, rtcpSend, OwnAddresses()));
        }
        catch
        {
            foreach (var socket in opened)
            {
                socket.Dispose();
            }

            throw;
        }
    }

    private static Socket Receiver(MulticastBinding binding, int port, List<Socket> opened)
    {
        var group = binding.Group.Address;
        var socket = new Socket(group.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        opened.Add(socket);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(group, port));
        if (group.AddressFamily == AddressFamily.InterNetwork)
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, binding.Interface ?? IPAddress.Any));
        }
        else
        {
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group, InterfaceIndex(binding.Interface)));
        }

        return socket;
    }

    private static Socket Sender(MulticastBinding binding, List<Socket> opened)
    {
        var family = binding.Group.Address.AddressFamily;
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        opened.Add(socket);
        if (family == AddressFamily.InterNetwork)
        {
            socket.Bind(new IPEndPoint(binding.Interface ?? IPAddress.Any, 0));
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, binding.Ttl);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, true);
            if (binding.Interface is { } local)
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, local.GetAddressBytes());
            }
        }
        else
        {
            socket.Bind(new IPEndPoint(binding.Interface ?? IPAddress.IPv6Any, 0));
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, binding.Ttl);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, true);
            if (binding.Interface is not null)
            {
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, InterfaceIndex(binding.Interface));
            }
        }

        return socket;
    }

    private static int InterfaceIndex(IPAddress? address) => address is null ? 0 :
        NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(i => i.GetIPProperties().UnicastAddresses.Any(u => u.Address.Equals(address)))
            ?.GetIPProperties().GetIPv6Properties()?.Index ?? 0;

    private static HashSet<IPAddress> OwnAddresses() =>
        [.. NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(u => u.Address)];
}
