using System.Net;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests.Auth;

/// <summary>
/// HTTP Basic checked by a bind against the fixture's real slapd. Each test has a subtree
/// of its own; both ways of finding the user are exercised: a DN template, and a search
/// with the service's bind followed by a bind as the entry found.
/// </summary>
public sealed class LdapBasicAuthTests(SlapdServer slapd) : IClassFixture<SlapdServer>
{
    private const string AlicePassword = "alice: correct horse battery staple";
    private const string Template = "template";
    private const string Search = "search";

    /// <summary>Settings for Basic against the fixture's directory ("local") over <paramref name="people"/>.</summary>
    private Dictionary<string, string?> Settings(string mode, string people, string? adminGroupDn = null)
    {
        var settings = TestSettings.For(TestSettings.UnreachablePostgres(), slapd);
        settings["Rendezvous:Auth:Ldap:Directory"] = "local";
        if (mode == Template)
        {
            settings["Rendezvous:Auth:Ldap:UserDnTemplate"] = $"uid={{0}},{people}";
        }
        else
        {
            settings["Rendezvous:Auth:Ldap:UserSearchBase"] = people;
        }

        settings["Rendezvous:Auth:Ldap:AdminGroupDn"] = adminGroupDn;
        return settings;
    }

    private async Task<(string People, string AliceDn)> PeopleWithAliceAsync()
    {
        var people = await slapd.CreateSubtreeAsync();
        var alice = await slapd.AddUserAsync(people, "alice", AlicePassword, cn: "Alice Example");
        return (people, alice);
    }

    [Theory]
    [InlineData(Template)]
    [InlineData(Search)]
    public async Task The_right_password_authenticates_as_the_directory_entry(string mode)
    {
        var (people, alice) = await PeopleWithAliceAsync();
        using var host = new AuthTestHost(Settings(mode, people));
        using var client = host.Client();

        using var response = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.JsonAsync();
        Assert.Equal("ldap:" + await slapd.StoredDnAsync(alice), me.GetProperty("subject").GetString());
        Assert.Equal($"ldap:uid=alice,{people}", me.GetProperty("subject").GetString());
        Assert.Equal("Alice Example", me.GetProperty("name").GetString());
        Assert.False(me.GetProperty("isAdmin").GetBoolean());
        Assert.Equal("ldap-bind", me.GetProperty("method").GetString());
    }

    [Theory]
    [InlineData(Template)]
    [InlineData(Search)]
    public async Task The_subject_is_the_stored_dn_however_the_name_is_typed(string mode)
    {
        var (people, _) = await PeopleWithAliceAsync();
        using var host = new AuthTestHost(Settings(mode, people));
        using var client = host.Client();

        using var lower = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword));
        using var upper = await client.WhoamiAsync(AuthRequests.Basic("ALICE", AlicePassword));
        Assert.Equal(HttpStatusCode.OK, upper.StatusCode);
        Assert.Equal((await lower.JsonAsync()).GetProperty("subject").GetString(), (await upper.JsonAsync()).GetProperty("subject").GetString());
    }

    [Theory]
    [InlineData(Template)]
    [InlineData(Search)]
    public async Task A_wrong_password_an_unknown_user_and_an_empty_password_get_the_same_answer(string mode)
    {
        var (people, _) = await PeopleWithAliceAsync();
        using var host = new AuthTestHost(Settings(mode, people));
        using var client = host.Client();

        string[] refused =
        [
            AuthRequests.Basic("alice", "wrong password"),
            AuthRequests.Basic("nobody", AlicePassword),
            AuthRequests.Basic("alice", ""),
            AuthRequests.Basic("nobody", ""),
            AuthRequests.Basic("", AlicePassword),
            // A NUL would end the password where libldap reads it: "\0..." would be an
            // unauthenticated bind, and the right password followed by NUL and junk would pass.
            AuthRequests.Basic("alice", "\0"),
            AuthRequests.Basic("alice", AlicePassword + "\0junk"),
        ];
        var shapes = new List<string>();
        foreach (var authorization in refused)
        {
            using var response = await client.WhoamiAsync(authorization);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var challenge = response.Headers.WwwAuthenticate.ToString();
            Assert.Contains("Basic realm=\"rendezvous\", charset=\"UTF-8\"", challenge, StringComparison.Ordinal);
            Assert.Contains("Bearer realm=\"rendezvous\"", challenge, StringComparison.Ordinal);
            Assert.DoesNotContain("invalid_token", challenge, StringComparison.Ordinal);
            shapes.Add(await response.ProblemShapeAsync());
        }

        Assert.Single(shapes.Distinct());
        Assert.Contains("The user name or password is not valid.", shapes[0], StringComparison.Ordinal);
        // The empty password never reached the directory.
        Assert.Contains(host.Factory.Logs.Entries, e => e.EventId == 2010 && e.Text.Contains("empty password", StringComparison.Ordinal));
    }

    /// <summary>Every character with a meaning in a DN (RFC 4514) or a filter (RFC 4515), in real user names.</summary>
    [Theory]
    [InlineData(Template, "a,b")]
    [InlineData(Search, "a,b")]
    [InlineData(Template, "back\\slash")]
    [InlineData(Search, "back\\slash")]
    [InlineData(Template, "#hash")]
    [InlineData(Search, "#hash")]
    [InlineData(Template, "semi;colon+plus")]
    [InlineData(Template, "quote\"d<angle>")]
    [InlineData(Template, "eq=ual")]
    [InlineData(Search, "eq=ual")]
    [InlineData(Template, "star*paren()")]
    [InlineData(Search, "star*paren()")]
    [InlineData(Template, "trailing ")]
    public async Task A_user_whose_name_has_special_characters_can_log_in(string mode, string uid)
    {
        var people = await slapd.CreateSubtreeAsync();
        var dn = await slapd.AddUserAsync(people, uid, "special-password");
        using var host = new AuthTestHost(Settings(mode, people));
        using var client = host.Client();

        using var response = await client.WhoamiAsync(AuthRequests.Basic(uid, "special-password"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ldap:" + await slapd.StoredDnAsync(dn), (await response.JsonAsync()).GetProperty("subject").GetString());
    }

    [Theory]
    [InlineData("*")]
    [InlineData("al*")]
    [InlineData("*)(uid=*")]
    [InlineData("alice)(uid=*")]
    [InlineData("*)(|(uid=*")]
    [InlineData("=")]
    [InlineData("\\")]
    [InlineData("alice\\")]
    [InlineData("alice,")]
    [InlineData("uid=alice")]
    [InlineData("alice+cn=Alice Example")]
    [InlineData("\\61lice")]
    [InlineData("\\2a")]
    public async Task A_user_name_cannot_inject_into_the_dn_or_the_filter(string userName)
    {
        // Alice is the only entry under the search base, so an unescaped "*" or "al*"
        // would find her and bind with her (right) password.
        var (people, _) = await PeopleWithAliceAsync();
        foreach (var mode in new[] { Template, Search })
        {
            using var host = new AuthTestHost(Settings(mode, people));
            using var client = host.Client();

            using var injected = await client.WhoamiAsync(AuthRequests.Basic(userName, AlicePassword));
            Assert.Equal(HttpStatusCode.Unauthorized, injected.StatusCode);
            using var genuine = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword));
            Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        }
    }

    [Fact]
    public async Task A_user_name_cannot_reach_an_entry_outside_the_template_container()
    {
        // Unescaped, "bob,ou=robots" would make the DN uid=bob,ou=robots,<people>.
        var people = await slapd.CreateSubtreeAsync();
        var robots = await slapd.AddOrganizationalUnitAsync(people, "robots");
        await slapd.AddUserAsync(robots, "bob", "bob-password");
        using var host = new AuthTestHost(Settings(Template, people));
        using var client = host.Client();

        using var response = await client.WhoamiAsync(AuthRequests.Basic("bob,ou=robots", "bob-password"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_search_that_matches_two_entries_is_refused()
    {
        var people = await slapd.CreateSubtreeAsync();
        await slapd.AddUserAsync(await slapd.AddOrganizationalUnitAsync(people, "one"), "twin", "twin-password");
        await slapd.AddUserAsync(await slapd.AddOrganizationalUnitAsync(people, "two"), "twin", "twin-password");
        using var host = new AuthTestHost(Settings(Search, people));
        using var client = host.Client();

        using var response = await client.WhoamiAsync(AuthRequests.Basic("twin", "twin-password"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(host.Factory.Logs.Entries, e => e.EventId == 2012);
    }

    [Theory]
    [InlineData(Template, "member")]
    [InlineData(Template, "uniqueMember")]
    [InlineData(Search, "member")]
    [InlineData(Search, "uniqueMember")]
    public async Task Members_of_the_admin_group_are_administrators(string mode, string memberAttribute)
    {
        var (people, alice) = await PeopleWithAliceAsync();
        var carol = await slapd.AddUserAsync(people, "carol", "carol-password");
        var comma = await slapd.AddUserAsync(people, "admin,with comma", "comma-password");
        var admins = await slapd.AddGroupAsync(people, "admins", memberAttribute, carol, comma);
        using var host = new AuthTestHost(Settings(mode, people, admins));
        using var client = host.Client();

        async Task<bool> IsAdmin(string user, string password)
        {
            using var response = await client.WhoamiAsync(AuthRequests.Basic(user, password));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.JsonAsync()).GetProperty("isAdmin").GetBoolean();
        }

        Assert.True(await IsAdmin("carol", "carol-password"));
        Assert.True(await IsAdmin("admin,with comma", "comma-password"));
        Assert.False(await IsAdmin("alice", AlicePassword));
        Assert.NotEqual(alice, carol);
    }

    [Fact]
    public async Task A_missing_admin_group_makes_no_one_an_administrator_and_says_so()
    {
        var (people, _) = await PeopleWithAliceAsync();
        using var host = new AuthTestHost(Settings(Template, people, $"cn=no-such-group,{people}"));
        using var client = host.Client();

        using var response = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await response.JsonAsync()).GetProperty("isAdmin").GetBoolean());
        Assert.Contains(host.Factory.Logs.Entries, e => e.EventId == 2013);
    }

    [Theory]
    [InlineData(Template)]
    [InlineData(Search)]
    public async Task A_directory_that_is_down_gives_503_and_the_service_keeps_working(string mode)
    {
        var (people, _) = await PeopleWithAliceAsync();
        var settings = Settings(mode, people);
        settings["Rendezvous:Directories:0:Url"] = $"ldap://127.0.0.1:{FreePort.NextTcp()}";
        settings["Rendezvous:Directories:0:TimeoutSeconds"] = "2";
        using var host = new AuthTestHost(settings);
        using var client = host.Client();

        using var response = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Contains("directory", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(host.Factory.Logs.Entries, e => e.EventId == 2011);

        // Wrong credentials cannot be told apart from right ones while the directory is down.
        using var wrong = await client.WhoamiAsync(AuthRequests.Basic("alice", "wrong"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, wrong.StatusCode);

        using var bearer = await client.WhoamiAsync(AuthRequests.Bearer(TestSettings.AdminToken));
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.DoesNotContain(AlicePassword, host.Factory.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_successful_bind_is_remembered_for_cache_seconds()
    {
        var (people, alice) = await PeopleWithAliceAsync();
        var settings = Settings(Template, people);
        settings["Rendezvous:Auth:Ldap:CacheSeconds"] = "60";
        using var host = new AuthTestHost(settings);
        using var client = host.Client();

        using (var first = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await slapd.SetPasswordAsync(alice, "changed password");

        host.Clock.Now += TimeSpan.FromSeconds(59);
        using (var cached = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword)))
        {
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        }

        // Only successes are cached: a wrong password is asked of the directory every time.
        using (var wrong = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword + "x")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        host.Clock.Now += TimeSpan.FromSeconds(2);
        using (var expired = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        }

        using var changed = await client.WhoamiAsync(AuthRequests.Basic("alice", "changed password"));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
    }

    [Fact]
    public async Task With_cache_seconds_zero_every_request_binds()
    {
        var (people, alice) = await PeopleWithAliceAsync();
        var settings = Settings(Template, people);
        settings["Rendezvous:Auth:Ldap:CacheSeconds"] = "0";
        using var host = new AuthTestHost(settings);
        using var client = host.Client();

        using (var first = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await slapd.SetPasswordAsync(alice, "changed password");
        using var after = await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Without_credentials_the_challenge_offers_both_schemes()
    {
        var (people, _) = await PeopleWithAliceAsync();
        using var host = new AuthTestHost(Settings(Template, people));
        using var client = host.Client();

        using var response = await client.WhoamiAsync(null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(
            ["Bearer realm=\"rendezvous\"", "Basic realm=\"rendezvous\", charset=\"UTF-8\""],
            response.Headers.GetValues("WWW-Authenticate"));
        Assert.Contains("Authorization: Basic", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A refused bearer token still says so in its own challenge.
        using var badToken = await client.WhoamiAsync(AuthRequests.Bearer("not-a-token-0123456789abcdef0123456789"));
        Assert.Contains("Bearer realm=\"rendezvous\", error=\"invalid_token\"", badToken.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains("Basic realm=\"rendezvous\"", badToken.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Basic")]
    [InlineData("Basic !!!not-base64!!!")]
    [InlineData("Basic bm8tY29sb24=")] // "no-colon"
    [InlineData("Basic YWxpY2X/Og==")] // "alice\xff:" is not UTF-8
    public async Task A_malformed_basic_header_is_refused(string authorization)
    {
        var (people, _) = await PeopleWithAliceAsync();
        using var host = new AuthTestHost(Settings(Template, people));
        using var client = host.Client();

        using var response = await client.WhoamiAsync(authorization);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_scheme_name_is_case_insensitive()
    {
        var (people, _) = await PeopleWithAliceAsync();
        using var host = new AuthTestHost(Settings(Template, people));
        using var client = host.Client();

        using var response = await client.WhoamiAsync("bASIC" + AuthRequests.Basic("alice", AlicePassword)["Basic".Length..]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Passwords_never_reach_the_logs()
    {
        var (people, _) = await PeopleWithAliceAsync();
        using var host = new AuthTestHost(Settings(Search, people));
        using var client = host.Client();

        using (await client.WhoamiAsync(AuthRequests.Basic("alice", AlicePassword)))
        using (await client.WhoamiAsync(AuthRequests.Basic("alice", "wrong-password-must-not-be-logged")))
        using (await client.WhoamiAsync(AuthRequests.Basic("typed-password-as-user-name", "x")))
        {
        }

        var logs = host.Factory.Logs.AllText;
        Assert.Contains(host.Factory.Logs.Entries, e => e.EventId == 2010);
        Assert.DoesNotContain(AlicePassword, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-must-not-be-logged", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("typed-password-as-user-name", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(AuthRequests.Basic("alice", AlicePassword)["Basic ".Length..], logs, StringComparison.Ordinal);
    }
}
