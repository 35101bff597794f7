using System.Net;
using System.Net.Sockets;

namespace Rendezvous.Directory.Sdp;

/// <summary>What an address in a c= line is, without allocating for the common IPv4 case.</summary>
internal static class SdpAddress
{
    /// <summary>
    /// Classifies an IP address. <paramref name="scopeWidth"/> for multicast: 0 link, 1 local or
    /// site, 2 organization, 3 global. Returns false for host names and anything else.
    /// </summary>
    public static bool TryClassify(string address, out bool ipv4, out bool multicast, out int scopeWidth)
    {
        if (TryParseIPv4(address, out var a, out var b, out var c))
        {
            ipv4 = true;
            multicast = (a & 0xF0) == 0xE0;
            scopeWidth = (a, b, c) switch
            {
                (224, 0, 0) => 0,     // RFC 5771: local network control block
                (239, 255, _) => 1,   // RFC 2365 section 6.1: IPv4 local scope
                (239, _, _) => 2,     // RFC 2365: organization-local (239.192/14) and other administrative scopes
                _ => 3,               // global
            };
            return true;
        }

        ipv4 = false;
        multicast = false;
        scopeWidth = 3;
        if (!address.Contains(':', StringComparison.Ordinal) || !IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        multicast = ip.IsIPv6Multicast;
        // RFC 4291 section 2.7: the low 4 bits of the second byte are the scope.
        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        scopeWidth = (bytes[1] & 0x0F) switch
        {
            1 or 2 => 0,
            3 or 4 or 5 => 1,
            8 => 2,
            _ => 3,
        };
        return true;
    }

    /// <summary>Dotted-quad IPv4 (RFC 8866 section 9: IP4-address), returning the first three octets.</summary>
    private static bool TryParseIPv4(ReadOnlySpan<char> text, out int a, out int b, out int c)
    {
        a = b = c = 0;
        Span<int> octets = stackalloc int[4];
        var count = 0;
        var value = -1;
        foreach (var ch in text)
        {
            if (char.IsAsciiDigit(ch))
            {
                value = value < 0 ? ch - '0' : (value * 10) + (ch - '0');
                if (value > 255)
                {
                    return false;
                }
            }
            else if (ch == '.' && value >= 0 && count < 3)
            {
                octets[count++] = value;
                value = -1;
            }
            else
            {
                return false;
            }
        }

        if (value < 0 || count != 3)
        {
            return false;
        }

        (a, b, c) = (octets[0], octets[1], octets[2]);
        return true;
    }
}
