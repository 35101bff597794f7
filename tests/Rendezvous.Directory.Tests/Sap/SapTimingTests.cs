using System.Net;
using Rendezvous.Directory.Sap;

namespace Rendezvous.Directory.Tests.Sap;

public sealed class SapTimingTests
{
    [Theory]
    [InlineData(1, 500, 4000, 300)]         // 8 x 500 / 4000 = 1 s: the 300 s floor
    [InlineData(150, 1000, 4000, 300)]      // exactly 300 s
    [InlineData(200, 1000, 4000, 400)]      // 8 x 200 x 1000 / 4000
    [InlineData(200, 1000, 8000, 300)]      // twice the bandwidth: 200 s, floored
    [InlineData(1000, 1024, 2000, 4096)]
    [InlineData(0, 0, 4000, 300)]
    public void The_interval_is_the_bandwidth_share_but_at_least_300_seconds(int ads, int size, double bandwidth, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SapTiming.AnnouncementInterval(ads, size, bandwidth));

    [Fact]
    public void The_default_bandwidth_is_4000_bits_per_second()
    {
        Assert.Equal(TimeSpan.FromSeconds(400), SapTiming.AnnouncementInterval(200, 1000));
        Assert.Equal(4000, SapTiming.DefaultBandwidthLimit);
    }

    [Fact]
    public void Nonsense_interval_inputs_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SapTiming.AnnouncementInterval(-1, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => SapTiming.AnnouncementInterval(1, -100));
        Assert.Throws<ArgumentOutOfRangeException>(() => SapTiming.AnnouncementInterval(1, 100, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SapTiming.AnnouncementInterval(1, 100, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => SapTiming.AnnouncementInterval(1, 100, double.PositiveInfinity));
    }

    [Theory]
    [InlineData(0.0, 200)]
    [InlineData(0.25, 250)]
    [InlineData(0.5, 300)]
    [InlineData(0.75, 350)]
    public void The_jitter_spreads_the_interval_by_a_third_either_way(double unit, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SapTiming.JitteredInterval(TimeSpan.FromSeconds(300), unit));

    [Fact]
    public void The_jitter_stays_below_four_thirds()
    {
        Assert.Equal(TimeSpan.FromSeconds(399.8), SapTiming.JitteredInterval(TimeSpan.FromSeconds(300), 0.999));
        Assert.True(SapTiming.JitteredInterval(TimeSpan.FromSeconds(300), Math.BitDecrement(1.0)) <= TimeSpan.FromSeconds(400)); // to the nearest tick
        Assert.Throws<ArgumentOutOfRangeException>(() => SapTiming.JitteredInterval(TimeSpan.FromSeconds(300), 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SapTiming.JitteredInterval(TimeSpan.FromSeconds(300), -0.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => SapTiming.JitteredInterval(TimeSpan.FromSeconds(300), double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => SapTiming.JitteredInterval(TimeSpan.FromSeconds(-1), 0.5));
    }

    [Fact]
    public void A_seeded_random_jitter_covers_the_range_uniformly()
    {
        var random = new Random(2974);
        var seconds = Enumerable.Range(0, 30_000).Select(_ => SapTiming.JitteredInterval(TimeSpan.FromSeconds(600), random).TotalSeconds).ToList();
        Assert.All(seconds, s => Assert.InRange(s, 400, 799.999));
        Assert.InRange(seconds.Average(), 597, 603);
        Assert.InRange(seconds.Count(s => s < 500), 7000, 8000); // a quarter of the range
        Assert.InRange(seconds.Count(s => s >= 700), 7000, 8000);
    }

    [Theory]
    [InlineData(300, 3600)]
    [InlineData(360, 3600)]
    [InlineData(400, 4000)]
    [InlineData(4096, 40960)]
    public void Sessions_time_out_after_ten_intervals_but_at_least_an_hour(double interval, double timeout) =>
        Assert.Equal(TimeSpan.FromSeconds(timeout), SapTiming.SessionTimeout(TimeSpan.FromSeconds(interval)));

    [Fact]
    public void The_global_IPv4_group_and_the_port()
    {
        Assert.Equal(IPAddress.Parse("224.2.127.254"), SapGroups.GlobalIPv4);
        Assert.Equal(9875, SapGroups.Port);
    }

    [Theory]
    [InlineData("239.255.0.0", 16, "239.255.255.255")] // IPv4 local scope
    [InlineData("239.192.0.0", 14, "239.195.255.255")] // organization-local scope
    [InlineData("239.192.1.2", 14, "239.195.255.255")] // host bits ignored
    [InlineData("239.0.0.0", 8, "239.255.255.255")]
    [InlineData("239.1.2.3", 32, "239.1.2.3")]
    public void An_IPv4_administrative_scope_uses_its_highest_address(string zone, int prefix, string group) =>
        Assert.Equal(IPAddress.Parse(group), SapGroups.ForIPv4Scope(IPAddress.Parse(zone), prefix));

    [Fact]
    public void Only_administrative_IPv4_zones_have_a_scope_group()
    {
        Assert.Throws<ArgumentException>(() => SapGroups.ForIPv4Scope(IPAddress.Parse("224.2.0.0"), 16));
        Assert.Throws<ArgumentException>(() => SapGroups.ForIPv4Scope(IPAddress.Parse("ff05::"), 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => SapGroups.ForIPv4Scope(IPAddress.Parse("239.0.0.0"), 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => SapGroups.ForIPv4Scope(IPAddress.Parse("239.0.0.0"), 33));
    }

    [Theory]
    [InlineData(1, "ff01::2:7ffe")]
    [InlineData(2, "ff02::2:7ffe")]
    [InlineData(5, "ff05::2:7ffe")]
    [InlineData(8, "ff08::2:7ffe")]
    [InlineData(14, "ff0e::2:7ffe")]
    public void An_IPv6_scope_uses_FF0X_2_7FFE(int scope, string group) =>
        Assert.Equal(IPAddress.Parse(group), SapGroups.ForIPv6Scope(scope));

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(-1)]
    public void Reserved_IPv6_scopes_have_no_group(int scope) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SapGroups.ForIPv6Scope(scope));
}
