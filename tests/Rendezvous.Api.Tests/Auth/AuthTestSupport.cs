using System.DirectoryServices.Protocols;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests.Auth;

/// <summary>The service with the given settings and a clock the test sets.</summary>
internal sealed class AuthTestHost : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public AuthTestHost(Dictionary<string, string?> settings)
    {
        Clock = new ManualClock(Start);
        Factory = new RendezvousFactory(settings, services => services.AddSingleton<TimeProvider>(Clock));
    }

    public RendezvousFactory Factory { get; }

    public ManualClock Clock { get; }

    public HttpClient Client() => Factory.CreateClient();

    public void Dispose() => Factory.Dispose();
}

internal static class AuthRequests
{
    public const string WhoamiPath = "/api/auth/whoami";

    private static readonly string[] ProblemMembers = ["type", "title", "status", "detail"];

    public static string Basic(string userName, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userName}:{password}"));

    public static string Bearer(string token) => $"Bearer {token}";

    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string path, string? authorization, object? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (json is not null)
        {
            request.Content = JsonContent.Create(json);
        }

        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> WhoamiAsync(this HttpClient client, string? authorization) =>
        client.SendAsync(HttpMethod.Get, WhoamiPath, authorization);

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>The parts of a problem body that do not vary per request (traceId does).</summary>
    public static async Task<string> ProblemShapeAsync(this HttpResponseMessage response)
    {
        var problem = await response.JsonAsync();
        return string.Join('|', ProblemMembers.Select(p => problem.TryGetProperty(p, out var v) ? v.ToString() : "-"));
    }
}

/// <summary>People and groups in a test's own subtree of the fixture's slapd, written as the directory administrator.</summary>
internal static class LdapEntries
{
    /// <summary>
    /// An RDN value with every character written as \XX hex pairs (RFC 4514 section 2.4
    /// allows it for any character): a spelling independent of the escaping under test.
    /// </summary>
    public static string HexValue(string value) =>
        string.Concat(Encoding.UTF8.GetBytes(value).Select(b => $"\\{b:x2}"));

    public static Task<string> AddUserAsync(this SlapdServer slapd, string parentDn, string uid, string password, string? cn = null) => Task.Run(() =>
    {
        var dn = $"uid={HexValue(uid)},{parentDn}";
        using var connection = slapd.ConnectAsAdmin();
        connection.SendRequest(new AddRequest(dn,
            new DirectoryAttribute("objectClass", "inetOrgPerson"),
            new DirectoryAttribute("uid", uid),
            new DirectoryAttribute("cn", cn ?? uid),
            new DirectoryAttribute("sn", "Test"),
            new DirectoryAttribute("userPassword", password)));
        return dn;
    });

    public static Task<string> AddOrganizationalUnitAsync(this SlapdServer slapd, string parentDn, string ou) => Task.Run(() =>
    {
        var dn = $"ou={ou},{parentDn}";
        using var connection = slapd.ConnectAsAdmin();
        connection.SendRequest(new AddRequest(dn, new DirectoryAttribute("objectClass", "organizationalUnit")));
        return dn;
    });

    /// <summary>A groupOfNames (member) or groupOfUniqueNames (uniqueMember) with these members.</summary>
    public static Task<string> AddGroupAsync(this SlapdServer slapd, string parentDn, string cn, string memberAttribute, params string[] memberDns) => Task.Run(() =>
    {
        var dn = $"cn={cn},{parentDn}";
        var objectClass = memberAttribute == "uniqueMember" ? "groupOfUniqueNames" : "groupOfNames";
        using var connection = slapd.ConnectAsAdmin();
        connection.SendRequest(new AddRequest(dn,
            new DirectoryAttribute("objectClass", objectClass),
            new DirectoryAttribute(memberAttribute, memberDns.Cast<object>().ToArray())));
        return dn;
    });

    public static Task SetPasswordAsync(this SlapdServer slapd, string userDn, string password) => Task.Run(() =>
    {
        using var connection = slapd.ConnectAsAdmin();
        connection.SendRequest(new ModifyRequest(userDn, DirectoryAttributeOperation.Replace, "userPassword", password));
    });

    /// <summary>The entry's DN as the directory stores it.</summary>
    public static Task<string> StoredDnAsync(this SlapdServer slapd, string dn) => Task.Run(() =>
    {
        using var connection = slapd.ConnectAsAdmin();
        var response = (SearchResponse)connection.SendRequest(new SearchRequest(dn, "(objectClass=*)", SearchScope.Base, "1.1"));
        return response.Entries[0].DistinguishedName;
    });
}
