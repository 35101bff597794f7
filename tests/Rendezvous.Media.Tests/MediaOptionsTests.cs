using Rendezvous.Testing;

namespace Rendezvous.Media.Tests;

public sealed class MediaOptionsTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(Annotations.Validate(new MediaOptions()));

    [Fact]
    public void The_rtp_range_starts_on_an_even_port()
    {
        // RFC 3550 section 11: RTP on an even port, RTCP on the next odd one.
        var result = Assert.Single(Annotations.Validate(new MediaOptions { RtpPortMin = 40001 }));
        Assert.Equal([nameof(MediaOptions.RtpPortMin)], result.MemberNames);
    }

    [Fact]
    public void The_rtp_range_is_not_empty()
    {
        var result = Assert.Single(Annotations.Validate(new MediaOptions { RtpPortMin = 50000, RtpPortMax = 50000 }));
        Assert.Equal([nameof(MediaOptions.RtpPortMax)], result.MemberNames);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("")]
    public void The_bind_address_is_an_ip_address(string address)
    {
        Assert.Contains(Annotations.Validate(new MediaOptions { BindAddress = address }), r => r.MemberNames.Contains(nameof(MediaOptions.BindAddress)));
    }

    [Fact]
    public void Receive_threads_default_to_two_at_most_and_range_from_0_to_64()
    {
        Assert.Equal(Math.Min(2, Environment.ProcessorCount), new MediaOptions().ReceiveThreads);
        Assert.Empty(Annotations.Validate(new MediaOptions { ReceiveThreads = 0 })); // the thread pool's asynchronous receives
        Assert.Empty(Annotations.Validate(new MediaOptions { ReceiveThreads = 64 }));
        Assert.Contains(Annotations.Validate(new MediaOptions { ReceiveThreads = -1 }), r => r.MemberNames.Contains(nameof(MediaOptions.ReceiveThreads)));
        Assert.Contains(Annotations.Validate(new MediaOptions { ReceiveThreads = 65 }), r => r.MemberNames.Contains(nameof(MediaOptions.ReceiveThreads)));
    }
}
