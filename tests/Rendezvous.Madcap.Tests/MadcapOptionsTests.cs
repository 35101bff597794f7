using Rendezvous.Testing;

namespace Rendezvous.Madcap.Tests;

public sealed class MadcapOptionsTests
{
    [Fact]
    public void Defaults_listen_on_the_well_known_port_on_loopback_only()
    {
        var options = new MadcapOptions();
        Assert.Empty(Annotations.Validate(options));
        Assert.Equal(2535, options.Port);
        Assert.Equal(["127.0.0.1"], options.EffectiveListenAddresses);
    }

    [Fact]
    public void Configured_addresses_replace_the_default()
    {
        var options = new MadcapOptions { ListenAddresses = { "::1", "127.0.0.1" } };
        Assert.Empty(Annotations.Validate(options));
        Assert.Equal(["::1", "127.0.0.1"], options.EffectiveListenAddresses);
    }

    [Fact]
    public void A_listen_address_that_is_not_an_ip_address_is_named_by_index()
    {
        var options = new MadcapOptions { ListenAddresses = { "127.0.0.1", "eth0" } };
        var result = Assert.Single(Annotations.Validate(options));
        Assert.Equal(["ListenAddresses:1"], result.MemberNames);
        Assert.Contains("'eth0'", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void The_port_is_a_udp_port_or_0_for_any_free_one(int port)
    {
        var options = new MadcapOptions { Port = port };
        Assert.Equal([nameof(MadcapOptions.Port)], Assert.Single(Annotations.Validate(options)).MemberNames);
    }
}
