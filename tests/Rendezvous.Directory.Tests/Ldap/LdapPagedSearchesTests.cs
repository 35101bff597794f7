using System.DirectoryServices.Protocols;
using Rendezvous.Directory.Ldap;
using Rendezvous.Testing;
using static Rendezvous.Directory.Tests.Ldap.LdapTestDirectories;

namespace Rendezvous.Directory.Tests.Ldap;

/// <summary>Listings that continue across requests, each on a connection of its own.</summary>
public sealed class LdapPagedSearchesTests(SlapdServer slapd) : IClassFixture<SlapdServer>
{
    private async Task<LdapDirectoryOptions> DirectoryWithConferencesAsync(int count, string prefix = "conf-")
    {
        var directory = await CreateAsync(slapd, DirectoryFlavour.Ils);
        using var admin = slapd.ConnectAsAdmin();
        for (var i = 0; i < count; i++)
        {
            var name = $"{prefix}{i:D3}";
            admin.SendRequest(new AddRequest($"uid={name},{directory.ObjectContainerDn}",
                new DirectoryAttribute("objectClass", "rtConference"),
                new DirectoryAttribute("uid", name), new DirectoryAttribute("cn", name),
                new DirectoryAttribute("conferenceBlob", SdpOf("paging", $"{i + 1}", name))));
        }

        return directory;
    }

    [Fact]
    public async Task Two_interleaved_listings_each_walk_every_page_once()
    {
        var directory = await DirectoryWithConferencesAsync(23);
        using var searches = new LdapPagedSearches(directory);

        var first = searches.Start(DirectoryObjectKind.Conference, "conf-", 5);
        var second = searches.Start(DirectoryObjectKind.Conference, null, 7);
        var seenFirst = first.Objects.Select(o => o.Name).ToList();
        var seenSecond = second.Objects.Select(o => o.Name).ToList();
        var pages = (First: 1, Second: 1);
        // Alternate: a shared connection would fail here with "paged results cookie is invalid".
        while (first.ContinuationToken is not null || second.ContinuationToken is not null)
        {
            if (first.ContinuationToken is { } a)
            {
                first = searches.Continue(a);
                seenFirst.AddRange(first.Objects.Select(o => o.Name));
                pages.First++;
            }

            if (second.ContinuationToken is { } b)
            {
                second = searches.Continue(b);
                seenSecond.AddRange(second.Objects.Select(o => o.Name));
                pages.Second++;
            }
        }

        var all = Enumerable.Range(0, 23).Select(i => $"conf-{i:D3}").ToList();
        Assert.Equal(all, seenFirst.Order(StringComparer.Ordinal));
        Assert.Equal(all, seenSecond.Order(StringComparer.Ordinal));
        Assert.Equal(5, pages.First);
        Assert.Equal(4, pages.Second);
        Assert.Equal(0, searches.OpenCount);
    }

    [Fact]
    public async Task Listings_proceed_in_parallel_threads()
    {
        var directory = await DirectoryWithConferencesAsync(30);
        using var searches = new LdapPagedSearches(directory);
        var walks = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var names = new List<string>();
            var page = searches.Start(DirectoryObjectKind.Conference, null, 4);
            names.AddRange(page.Objects.Select(o => o.Name));
            while (page.ContinuationToken is { } token)
            {
                page = searches.Continue(token);
                names.AddRange(page.Objects.Select(o => o.Name));
            }

            return names;
        })).ToList();

        foreach (var names in await Task.WhenAll(walks))
        {
            Assert.Equal(30, names.Distinct().Count());
        }
    }

    [Fact]
    public async Task A_token_is_single_use()
    {
        var directory = await DirectoryWithConferencesAsync(6);
        using var searches = new LdapPagedSearches(directory);
        var page = searches.Start(DirectoryObjectKind.Conference, null, 2);
        var token = page.ContinuationToken!;
        Assert.Equal(2, searches.Continue(token).Objects.Count);
        Assert.Throws<PagedSearchExpiredException>(() => searches.Continue(token));
        Assert.Throws<PagedSearchExpiredException>(() => searches.Continue("never-issued"));
    }

    [Fact]
    public async Task An_idle_listing_expires_after_the_timeout_and_closes_its_connection()
    {
        var directory = await DirectoryWithConferencesAsync(6);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var searches = new LdapPagedSearches(directory, maxSessions: 4, idleTimeout: TimeSpan.FromSeconds(60), time: clock);
        var kept = searches.Start(DirectoryObjectKind.Conference, null, 2).ContinuationToken!;
        var abandoned = searches.Start(DirectoryObjectKind.Conference, null, 2).ContinuationToken!;

        clock.Advance(TimeSpan.FromSeconds(59));
        kept = searches.Continue(kept).ContinuationToken!;
        Assert.Equal(2, searches.OpenCount);

        clock.Advance(TimeSpan.FromSeconds(2));
        var error = Assert.Throws<PagedSearchExpiredException>(() => searches.Continue(abandoned));
        Assert.Contains("expired", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, searches.OpenCount);
        Assert.Equal(2, searches.Continue(kept).Objects.Count);
    }

    [Fact]
    public async Task When_full_the_listing_idle_the_longest_makes_room()
    {
        var directory = await DirectoryWithConferencesAsync(6);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var searches = new LdapPagedSearches(directory, maxSessions: 2, time: clock);
        var oldest = searches.Start(DirectoryObjectKind.Conference, null, 2).ContinuationToken!;
        clock.Advance(TimeSpan.FromSeconds(1));
        var newer = searches.Start(DirectoryObjectKind.Conference, null, 2).ContinuationToken!;
        clock.Advance(TimeSpan.FromSeconds(1));

        var third = searches.Start(DirectoryObjectKind.Conference, null, 2).ContinuationToken!;

        Assert.Equal(2, searches.OpenCount);
        Assert.Throws<PagedSearchExpiredException>(() => searches.Continue(oldest));
        Assert.NotEmpty(searches.Continue(newer).Objects);
        Assert.NotEmpty(searches.Continue(third).Objects);
    }

    [Fact]
    public async Task Dispose_closes_every_listing()
    {
        var directory = await DirectoryWithConferencesAsync(4);
        var searches = new LdapPagedSearches(directory);
        var token = searches.Start(DirectoryObjectKind.Conference, null, 1).ContinuationToken!;
        Assert.Equal(1, searches.OpenCount);
        searches.Dispose();
        Assert.Equal(0, searches.OpenCount);
        Assert.Throws<ObjectDisposedException>(() => searches.Continue(token));
    }
}
