using System.Net;
using Rendezvous.Directory.Sap;

namespace Rendezvous.Directory.Tests.Sap;

/// <summary>
/// The announcer's timing (RFC 2974 sections 3.1 to 5) on virtual time: the schedule is pure logic, so
/// each test moves an instant forward and asks what is due, with a seeded random for the jitter.
/// </summary>
public sealed class SapAnnouncementScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Local = IPAddress.Parse("239.255.255.255");
    private static readonly IPAddress OrgLocal = IPAddress.Parse("239.195.255.255");
    private static readonly SapDestination LocalGroup = new(Local, 16);

    [Fact]
    public void A_new_session_is_announced_at_once_then_every_jittered_interval()
    {
        var schedule = Schedule();
        var id = Id(1);
        schedule.Update([Request(id, Sdp(1))], T0);
        var first = Assert.Single(schedule.TakeDue(T0));
        Assert.False(first.IsDeletion);
        Assert.Equal(LocalGroup, first.Destination);
        Assert.Equal(TimeSpan.FromSeconds(300), schedule.IntervalOf(id, Local));

        // Over a day: every gap in [200 s, 400 s) (300 s +/- a third), about 300 s on average.
        var sent = Run(schedule, T0, TimeSpan.FromDays(1));
        var gaps = sent.Select(s => s.At).Prepend(T0).Zip(sent.Select(s => s.At), (a, b) => (b - a).TotalSeconds).ToList();
        Assert.All(gaps, g => Assert.InRange(g, 200, 400));
        Assert.InRange(gaps.Average(), 285, 315);
        Assert.All(sent, s => Assert.False(s.Transmission.IsDeletion));
    }

    [Fact]
    public void The_interval_is_the_groups_bandwidth_share_of_all_announcements_heard()
    {
        // 8 x ads x size / 4000 bit/s: 1000 of our announcements of ~500 octets want ~1000 s each.
        var schedule = Schedule();
        var sdp = Sdp(0, padding: 420);
        var size = SapAnnouncementSchedule.Size(sdp, Local);
        schedule.Update(Enumerable.Range(0, 1000).Select(n => Request(Id(n), Sdp(n, padding: 420))), T0);
        var end = T0 + TimeSpan.FromHours(2);
        var sent = Run(schedule, T0, end - T0);
        var expected = 8.0 * 1000 * size / 4000;
        Assert.InRange(schedule.IntervalOf(Id(7), Local)!.Value.TotalSeconds, expected * 0.97, expected * 1.03);

        // And the group never carries more than the limit (plus the start-up burst).
        var bytes = sent.Sum(s => SapAnnouncementSchedule.Size(s.Transmission.Sdp, Local));
        Assert.True(bytes <= SapScheduleSettings.DefaultBurstBytes + ((end - T0).TotalSeconds * 4000 / 8), $"{bytes} octets in two hours");

        // Announcements others make in the group lengthen ours as well.
        var shared = Schedule();
        shared.Update([Request(Id(1), Sdp(1, padding: 420))], T0);
        shared.TakeDue(T0, othersHeard: g => g.Equals(Local) ? 999 : 0);
        Assert.InRange(shared.IntervalOf(Id(1), Local)!.Value.TotalSeconds, expected * 0.97, expected * 1.03);
    }

    [Fact]
    public void A_burst_of_new_sessions_is_spread_within_the_groups_bandwidth()
    {
        var schedule = Schedule();
        schedule.Update(Enumerable.Range(0, 100).Select(n => Request(Id(n), Sdp(n, padding: 300))), T0);
        var first = schedule.TakeDue(T0);
        var burst = first.Sum(t => SapAnnouncementSchedule.Size(t.Sdp, Local));
        Assert.InRange(burst, 1, SapScheduleSettings.DefaultBurstBytes);
        Assert.InRange(first.Count, 10, 99);

        // The rest follow as the bucket refills: by 4000 bit/s, not all at once.
        var next = schedule.NextDue(T0)!.Value;
        Assert.True(next > T0);
        var sent = Run(schedule, T0, TimeSpan.FromMinutes(2));
        var firstRound = first.Count + sent.Count(s => s.At < T0 + TimeSpan.FromSeconds(200));
        Assert.Equal(100, firstRound);
        var last = sent.Where(s => s.At < T0 + TimeSpan.FromSeconds(200)).Max(s => s.At);
        var total = 100 * SapAnnouncementSchedule.Size(Sdp(0, padding: 300), Local);
        Assert.InRange((last - T0).TotalSeconds, (total - SapScheduleSettings.DefaultBurstBytes) * 8.0 / 4000 * 0.9, ((total - SapScheduleSettings.DefaultBurstBytes) * 8.0 / 4000) + 5);
    }

    [Fact]
    public void A_changed_description_deletes_the_old_version_and_announces_the_new_one_at_once()
    {
        var schedule = Schedule();
        var id = Id(1);
        schedule.Update([Request(id, Sdp(1))], T0);
        schedule.TakeDue(T0);
        var later = T0 + TimeSpan.FromSeconds(30);
        var changed = Sdp(1, version: 2);
        schedule.Update([Request(id, changed)], later);
        var due = schedule.TakeDue(later);
        Assert.Equal(2, due.Count);
        Assert.True(due[0].IsDeletion);
        Assert.Equal(SapPacket.ComputeMessageIdHash(Sdp(1)), due[0].MessageIdHash);
        Assert.False(due[1].IsDeletion);
        Assert.Equal(SapPacket.ComputeMessageIdHash(changed), due[1].MessageIdHash);
        Assert.NotEqual(due[0].MessageIdHash, due[1].MessageIdHash);

        // The same description again changes nothing.
        schedule.Update([Request(id, changed)], later + TimeSpan.FromSeconds(1));
        Assert.Empty(schedule.TakeDue(later + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_session_no_longer_wanted_gets_one_deletion_per_group_and_nothing_after()
    {
        var schedule = Schedule();
        var id = Id(1);
        schedule.Update([Request(id, Sdp(1), LocalGroup, new SapDestination(OrgLocal, 32))], T0);
        Assert.Equal(2, schedule.TakeDue(T0).Count);
        var later = T0 + TimeSpan.FromSeconds(10);
        schedule.Update([], later);
        var deletions = schedule.TakeDue(later);
        Assert.Equal(2, deletions.Count);
        Assert.All(deletions, d => Assert.True(d.IsDeletion));
        Assert.Equal([OrgLocal, Local], deletions.Select(d => d.Destination.Group).Order(AddressOrder.Instance));
        Assert.Null(schedule.NextDue(later));
        Assert.Empty(Run(schedule, later, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void An_ended_session_is_deleted_at_its_stop_time()
    {
        var schedule = Schedule();
        var stop = T0 + TimeSpan.FromMinutes(12);
        schedule.Update([Request(Id(1), Sdp(1)) with { Stop = stop }], T0);
        var sent = Run(schedule, T0, TimeSpan.FromHours(1));
        var deletion = Assert.Single(sent, s => s.Transmission.IsDeletion);
        Assert.Equal(stop, deletion.At);
        Assert.All(sent.Where(s => !s.Transmission.IsDeletion), s => Assert.True(s.At < stop));

        // One that has ended already is not announced at all.
        var ended = Schedule();
        ended.Update([Request(Id(2), Sdp(2)) with { Stop = T0 }], T0);
        Assert.Empty(ended.TakeDue(T0));
    }

    [Fact]
    public void Restored_announcements_are_renewed_replaced_or_deleted()
    {
        var schedule = Schedule();
        schedule.Restore(Id(1), LocalGroup, Sdp(1), T0); // still wanted, same text
        schedule.Restore(Id(2), LocalGroup, Sdp(2), T0); // changed meanwhile
        schedule.Restore(Id(3), LocalGroup, Sdp(3), T0); // deleted meanwhile
        schedule.Update([Request(Id(1), Sdp(1)), Request(Id(2), Sdp(2, version: 5))], T0);
        var due = schedule.TakeDue(T0);
        Assert.Equal(
            [(Id(2), true, Sdp(2)), (Id(3), true, Sdp(3)), (Id(1), false, Sdp(1)), (Id(2), false, Sdp(2, version: 5))],
            due.Select(t => (t.Id, t.IsDeletion, t.Sdp)).OrderBy(t => t.IsDeletion ? 0 : 1).ThenBy(t => t.Id));
    }

    [Fact]
    public void A_new_ttl_is_used_from_the_next_announcement_without_a_deletion()
    {
        var schedule = Schedule();
        schedule.Update([Request(Id(1), Sdp(1))], T0);
        schedule.TakeDue(T0);
        schedule.Update([Request(Id(1), Sdp(1), new SapDestination(Local, 8))], T0 + TimeSpan.FromSeconds(1));
        var next = Run(schedule, T0, TimeSpan.FromMinutes(10));
        Assert.All(next, s => Assert.False(s.Transmission.IsDeletion));
        Assert.All(next, s => Assert.Equal(8, s.Transmission.Destination.Ttl));
    }

    [Fact]
    public void The_floor_can_be_lowered_for_tests()
    {
        var schedule = new SapAnnouncementSchedule(new SapScheduleSettings(4000, TimeSpan.FromSeconds(1)), new Random(2974));
        schedule.Update([Request(Id(1), Sdp(1))], T0);
        var sent = Run(schedule, T0, TimeSpan.FromSeconds(60));
        Assert.InRange(sent.Count, 45, 90);
    }

    /// <summary>Advances from <paramref name="from"/> by each NextDue and collects what is sent, until <paramref name="span"/> has passed.</summary>
    private static List<(DateTimeOffset At, SapTransmission Transmission)> Run(SapAnnouncementSchedule schedule, DateTimeOffset from, TimeSpan span)
    {
        var sent = new List<(DateTimeOffset, SapTransmission)>();
        var end = from + span;
        var now = from;
        for (var rounds = 0; schedule.NextDue(now) is { } next && next <= end; rounds++)
        {
            Assert.True(rounds < 100_000, "the schedule does not move on");
            now = next > now ? next : now;
            sent.AddRange(schedule.TakeDue(now).Select(t => (now, t)));
        }

        return sent;
    }

    private static SapAnnouncementSchedule Schedule() => new(new SapScheduleSettings(4000, TimeSpan.FromSeconds(300)), new Random(2974));

    private static SapAnnouncementRequest Request(Guid id, string sdp, params SapDestination[] destinations) =>
        new(id, sdp, destinations.Length == 0 ? [LocalGroup] : destinations);

    private static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");

    private static string Sdp(int n, int version = 1, int padding = 0) =>
        $"v=0\r\no=alice {3900000000 + n} {version} IN IP4 192.0.2.1\r\ns=Session {n}\r\n" + (padding > 0 ? $"i={new string('x', padding)}\r\n" : "") +
        $"c=IN IP4 239.255.{n / 250}.{n % 250}/16\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";

    private sealed class AddressOrder : IComparer<IPAddress>
    {
        public static AddressOrder Instance { get; } = new();

        public int Compare(IPAddress? x, IPAddress? y) => x!.GetAddressBytes().AsSpan().SequenceCompareTo(y!.GetAddressBytes());
    }
}
