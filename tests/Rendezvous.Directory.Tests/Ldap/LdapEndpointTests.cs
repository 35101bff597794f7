using Rendezvous.Directory.Ldap;

namespace Rendezvous.Directory.Tests.Ldap;

public sealed class LdapEndpointTests
{
    [Theory]
    [InlineData("ldap://127.0.0.1:3389", "127.0.0.1", 3389, false)]
    [InlineData("ldap://directory.example", "directory.example", 389, false)]
    [InlineData("ldaps://directory.example", "directory.example", 636, true)]
    [InlineData("ldaps://directory.example:1636/", "directory.example", 1636, true)]
    [InlineData("ldap://[::1]:1002", "[::1]", 1002, false)]
    public void Valid_urls_give_host_port_and_tls(string url, string host, int port, bool ssl)
    {
        Assert.True(LdapEndpoint.TryParse(url, out var endpoint, out var error), error);
        Assert.Equal(new LdapEndpoint(host, port, ssl), endpoint);
    }

    [Theory]
    [InlineData("127.0.0.1:389", "is not an absolute URL")]
    [InlineData("http://directory.example", "scheme 'http' is not supported")]
    [InlineData("ldap://directory.example/o=Intranet", "must not carry a path")]
    [InlineData("ldap://directory.example?x", "must not carry a path or query")]
    public void Invalid_urls_say_what_is_wrong(string url, string expected)
    {
        Assert.False(LdapEndpoint.TryParse(url, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}

public sealed class LdapEndpointListTests
{
    [Fact]
    public void Space_separated_urls_are_kept_in_order()
    {
        Assert.True(LdapEndpoint.TryParseList("ldaps://a.example  ldaps://b.example:1636 ", out var endpoints, out var error), error);
        Assert.Equal([new LdapEndpoint("a.example", 636, true), new LdapEndpoint("b.example", 1636, true)], endpoints);
        Assert.Equal("b.example:1636", endpoints[1].HostAndPort);
    }

    [Theory]
    [InlineData("ldap://a.example ldaps://b.example", "same scheme")]
    [InlineData("ldap://a.example http://b.example", "'http://b.example': scheme 'http' is not supported")]
    [InlineData("   ", "no URL given")]
    public void Mixed_schemes_and_bad_members_are_refused(string urls, string expected)
    {
        Assert.False(LdapEndpoint.TryParseList(urls, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
