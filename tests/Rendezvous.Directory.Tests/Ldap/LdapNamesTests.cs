using System.Net;
using Rendezvous.Directory.Ldap;

namespace Rendezvous.Directory.Tests.Ldap;

public sealed class LdapNamesTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b+c", "a\\,b\\+c")]
    [InlineData("#lead", "\\#lead")]
    [InlineData("mid#dle", "mid#dle")]
    [InlineData(" both ", "\\ both\\ ")]
    [InlineData("q\"<>;=\\", "q\\\"\\<\\>\\;\\=\\\\")]
    [InlineData("nul\0", "nul\\00")]
    [InlineData("Zürich", "Zürich")]
    public void Dn_values_are_escaped_per_rfc_4514(string value, string expected) => Assert.Equal(expected, LdapNames.EscapeDnValue(value));

    [Theory]
    [InlineData(null, "(uid=*)")]
    [InlineData("*", "(uid=*)")]
    [InlineData("town", "(uid=town*)")]
    [InlineData("town*", "(uid=town*)")]
    [InlineData("a*b", "(uid=a\\2ab*)")]
    [InlineData("(x)\\", "(uid=\\28x\\29\\5c*)")]
    public void Prefix_filters_escape_per_rfc_4515_except_a_trailing_star(string? prefix, string expected) => Assert.Equal(expected, LdapNames.PrefixFilter("uid", prefix));

    [Theory]
    [InlineData("192.0.2.1", "16908480")]
    [InlineData("10.0.0.1", "16777226")]
    [InlineData("255.255.255.255", "4294967295")]
    [InlineData("0.0.0.0", "0")]
    public void Ils_addresses_are_in_addr_dwords_with_the_first_octet_low(string address, string dword)
    {
        Assert.Equal(dword, IlsIpAddress.Encode(IPAddress.Parse(address)));
        Assert.Equal(address, IlsIpAddress.Decode(dword)!.ToString());
    }

    [Fact]
    public void Ils_dwords_written_signed_decode_and_other_text_does_not()
    {
        Assert.Equal("255.255.255.255", IlsIpAddress.Decode("-1")!.ToString());
        Assert.Null(IlsIpAddress.Decode("192.0.2.1"));
        Assert.Null(IlsIpAddress.Decode("4294967296"));
        Assert.Throws<ArgumentException>(() => IlsIpAddress.Encode(IPAddress.IPv6Loopback));
    }
}
