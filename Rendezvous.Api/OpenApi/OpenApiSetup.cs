using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Rendezvous.Api.OpenApi;

/// <summary>
/// The OpenAPI document at /openapi/v1.json and the interactive page at /docs. Endpoints
/// that read their own bodies and query strings (to enforce limits and report errors by
/// field) are described here, each with an example.
/// </summary>
internal static partial class OpenApiSetup
{
    private const string ExampleSdp =
        "v=0\r\no=alice 3724394400 3724394400 IN IP4 192.0.2.1\r\ns=Town hall\r\ni=Quarterly all-hands\r\n" +
        "c=IN IP4 239.255.10.1/15\r\nt=3973615200 3973618800\r\nm=audio 5004 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    private const string ExampleConferenceJson =
        """
        {"name":"Weekly sync","description":"Planning, every Monday","advertisingScope":"site",
         "start":"2026-11-23T09:00:00Z","stop":"2026-12-21T00:00:00Z",
         "repeats":[{"interval":"7d","duration":"1h","offsets":["0","25h"]}],
         "connection":{"address":"239.255.10.1","ttl":15},
         "media":[{"kind":"audio","port":5004,"codecs":[{"payloadType":0},{"payloadType":96,"name":"opus","clockRate":48000,"channels":2}]}]}
        """;

    private const string ExampleConferenceResponse =
        """
        {"id":"019a9f2e-7c00-7000-8000-000000000001","name":"Town hall","information":"Quarterly all-hands","originator":"alice",
         "advertisingScope":"site","owner":"bootstrap-admin","version":1,
         "bounds":{"start":"2025-12-01T10:00:00Z","stop":"2025-12-01T11:00:00Z","empty":false},
         "nextOccurrence":{"start":"2025-12-01T10:00:00Z","stop":"2025-12-01T11:00:00Z"},
         "join":[{"kind":"audio","proto":"RTP/AVP","port":5004,"portCount":null,"formats":["0"],"groups":[{"address":"239.255.10.1","ttl":15,"count":null}]}],
         "createdAt":"2025-11-21T12:00:00Z","updatedAt":"2025-11-21T12:00:00Z","sdp":"v=0\r\n...","session":{"version":0,"name":"Town hall"},"warnings":[]}
        """;

    public static IServiceCollection AddRendezvousOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Rendezvous",
                    Version = "v1",
                    Description = "Multicast conference directory: conferences as SDP, what is on and when, and how to join. " +
                        "Reads are anonymous by default; writes need Authorization: Bearer <token>. Errors are RFC 7807 problem details.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The bootstrap admin token, or a token issued by an administrator.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                Describe(operation, context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName);
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapRendezvousOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "docs";
            ui.DocumentTitle = "Rendezvous API";
            ui.SwaggerEndpoint("/openapi/v1.json", "Rendezvous v1");
        });
        return app;
    }

    private static void Describe(OpenApiOperation operation, string? name)
    {
        switch (name)
        {
            case "ListUpcoming":
                operation.Parameters ??= [];
                Query(operation, "from", "Window start, ISO 8601 UTC; default now. At most the catalog's retention in the past.", "2026-11-23T00:00:00Z");
                Query(operation, "to", "Window end, ISO 8601 UTC; default from + 7 days. At most the horizon ahead.", "2026-11-30T00:00:00Z");
                Query(operation, "limit", "Page size, 1 to the configured maximum (200); default 50.", "50");
                Query(operation, "cursor", "The \"next\" value of the previous page.", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
                Query(operation, "q", "Text to find in the name or description.", "town");
                Query(operation, "scope", "Advertising scope: local, site, region or world.", "site");
                Query(operation, "source", "catalog (default), sap (sessions heard over SAP, not ours) or all (both, merged in order).", "all");
                Example(operation, "200", "application/json",
                    """{"items":[{"conferenceId":"019a9f2e-7c00-7000-8000-000000000001","name":"Town hall","information":"Quarterly all-hands","advertisingScope":"site","start":"2026-11-24T10:00:00Z","stop":"2026-11-24T11:00:00Z","permanent":false,"join":[{"kind":"audio","proto":"RTP/AVP","port":5004,"portCount":null,"formats":["0"],"groups":[{"address":"239.255.10.1","ttl":15,"count":null}]}],"sdp":"/api/conferences/019a9f2e-7c00-7000-8000-000000000001.sdp"}],"next":null}""");
                Text(operation, "200", "text/calendar",
                    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rendezvous//Conference directory//EN\r\nBEGIN:VEVENT\r\nUID:019a9f2e-7c00-7000-8000-000000000001@rendezvous\r\n" +
                    "DTSTART:20261123T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;INTERVAL=1;UNTIL=20261214T090000Z\r\nSUMMARY:Weekly sync\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
                Example(operation, "400", "application/problem+json", """{"title":"The query parameter 'limit' is not valid.","status":400,"errors":{"limit":["must be a whole number from 1 to 200"]}}""");
                break;
            case "GetConference":
                Example(operation, "200", "application/json", ExampleConferenceResponse);
                Text(operation, "200", "application/sdp", ExampleSdp);
                Example(operation, "404", "application/problem+json", """{"title":"No such conference.","status":404}""");
                break;
            case "GetConferenceSdp":
                Text(operation, "200", "application/sdp", ExampleSdp);
                break;
            case "CreateConference":
                Body(operation);
                Example(operation, "201", "application/json", ExampleConferenceResponse);
                Example(operation, "400", "application/problem+json",
                    """{"title":"The session description is not valid.","status":400,"errors":[{"severity":"error","line":4,"byte":null,"field":"c= ttl","message":"'999' is not a TTL","expected":"0-255"}],"warnings":[]}""");
                break;
            case "ReplaceConference":
                Header(operation, "If-Match", "The conference's current ETag, e.g. \"3\". Required (428 without it, 412 when stale).", "\"1\"", required: true);
                Body(operation);
                Example(operation, "200", "application/json", ExampleConferenceResponse);
                Example(operation, "412", "application/problem+json", """{"title":"The conference has changed.","status":412}""");
                break;
            case "DeleteConference":
                Header(operation, "If-Match", "Optional: delete only if the ETag still matches.", "\"1\"", required: false);
                Example(operation, "403", "application/problem+json", """{"title":"Forbidden.","status":403,"detail":"Only the owner of conference ... or an administrator may change or delete it."}""");
                break;
            case "ListDirectories":
                Example(operation, "200", "application/json",
                    """[{"name":"local","url":"ldap://127.0.0.1:3389","flavour":"ils","baseDn":"o=Intranet","container":"ou=Dynamic,o=Intranet","tls":"none","scopes":[],"defaultTtlSeconds":3600,"reachable":true,"detail":null,"publisher":{"connected":true,"lastSuccessAt":"2026-11-23T09:00:01Z","lastFailureAt":null,"lastError":null,"pending":0,"published":42,"conflicts":0}}]""");
                break;
            case "ListDirectoryObjects":
                operation.Parameters ??= [];
                Query(operation, "type", "conference (default) or user.", "conference");
                Query(operation, "name", "Name prefix; only a trailing '*' is a wildcard.", "Town*");
                Query(operation, "limit", "Page size, 1-500; default 50.", "50");
                Query(operation, "cursor", "The \"next\" value of the previous page (single use, valid for 60 s).", "d2f0c1...");
                Example(operation, "200", "application/json",
                    """{"items":[{"type":"conference","dn":"uid=Town hall,ou=Dynamic,o=Intranet","name":"Town hall","ttlSeconds":3600,"protocol":"IP Conference","originator":"alice","description":"Quarterly all-hands","start":"2026-11-24T10:00:00Z","stop":"2026-11-24T11:00:00Z","advertisingScope":"site","url":null,"sdp":"v=0\r\n...","session":{"name":"Town hall"},"errors":[],"ipAddresses":[]}],"next":null}""");
                Example(operation, "404", "application/problem+json", """{"title":"No such directory.","status":404}""");
                break;
            case "RegisterUser":
                JsonBody(operation, "The user's name (the entry's cn), the IP phone to call (an IP address or host name), and how long the registration lasts (60-604800 s; default 3600).", """{"name":"Alice Liddell","ipPhone":"192.0.2.10","registrationSeconds":3600}""");
                Example(operation, "201", "application/json", ExampleUser);
                Example(operation, "400", "application/problem+json", """{"title":"The user is not valid.","status":400,"errors":{"ipPhone":["is required: an IP address or a DNS host name (TAPI's IPPhonePrimary)"]}}""");
                break;
            case "ListUsers":
                Example(operation, "200", "application/json", "[" + ExampleUser + "]");
                break;
            case "UnregisterUser":
                Example(operation, "403", "application/problem+json", """{"title":"Forbidden.","status":403,"detail":"Only the owner of 'Alice Liddell' or an administrator may end its registration."}""");
                break;
            case "MadcapStats":
                Example(operation, "200", "application/json",
                    """
                    {"received":12,"discovers":2,"offers":2,"requests":3,"renews":1,"releases":1,"informs":2,"acks":7,"naks":1,"invalid":1,"dropped":0,"denied":0,"clockSkews":0,"badLeaseIdentifiers":1,"retransmissions":0,
                     "exchangeDuration":{"count":10,"p50Ms":0.639,"p90Ms":2.303,"p99Ms":4.095,"p999Ms":4.095,"maxMs":3.912,"buckets":[{"upToMs":0.639,"count":6},{"upToMs":2.303,"count":3},{"upToMs":4.095,"count":1}]},
                     "groupCommit":{"batches":2,"leases":3,"wait":{"count":3,"p50Ms":0.143,"p90Ms":0.191,"p99Ms":0.191,"p999Ms":0.191,"maxMs":0.18,"buckets":[{"upToMs":0.143,"count":2},{"upToMs":0.191,"count":1}]},
                     "write":{"count":2,"p50Ms":0.831,"p90Ms":1.151,"p99Ms":1.151,"p999Ms":1.151,"maxMs":1.1,"buckets":[{"upToMs":0.831,"count":1},{"upToMs":1.151,"count":1}]}}}
                    """);
                break;
            case "ListMadcapScopes":
                Example(operation, "200", "application/json", "[" + ExampleScope + "]");
                break;
            case "CreateMadcapScope":
                JsonBody(operation, "A multicast range (first is the Scope ID), the TTL clients must not exceed, language-tagged names, lease default and maximum, and exclusions.", """{"first":"239.1.0.0","last":"239.1.3.255","ttl":8,"names":[{"language":"en","name":"Lab","isDefault":true}],"defaultLeaseSeconds":3600,"maxLeaseSeconds":86400,"exclusions":[{"first":"239.1.0.0","last":"239.1.0.9"}]}""");
                Example(operation, "201", "application/json", ExampleScope);
                Example(operation, "409", "application/problem+json", """{"title":"The scope overlaps another.","status":409}""");
                break;
            case "ReplaceMadcapScope":
                Header(operation, "If-Match", "The scope's current version, e.g. \"1\".", "\"1\"", required: true);
                Example(operation, "200", "application/json", ExampleScope);
                Example(operation, "412", "application/problem+json", """{"title":"The conference has changed.","status":412}""");
                break;
            case "DeleteMadcapScope":
                Example(operation, "409", "application/problem+json", """{"title":"The scope holds leases.","status":409}""");
                break;
            case "SapStatus":
                Example(operation, "200", "application/json", ExampleSapStatus);
                break;
            case "ListSapSessions":
                operation.Parameters ??= [];
                Query(operation, "includeOwn", "true also lists our own announcements (the catalog's conferences), marked \"own\".", "false");
                Example(operation, "200", "application/json", $$"""{"enabled":true,"listening":true,"items":[{{ExampleSapSession}}]}""");
                break;
            case "GetSapSession":
                Example(operation, "200", "application/json", ExampleSapSession);
                Text(operation, "200", "application/sdp", ExampleSapSdp);
                Example(operation, "404", "application/problem+json", """{"title":"No such SAP session.","status":404,"field":"id"}""");
                break;
            case "GetSapSessionSdp":
                Text(operation, "200", "application/sdp", ExampleSapSdp);
                Example(operation, "404", "application/problem+json", """{"title":"No such SAP session.","status":404,"field":"id"}""");
                break;
            case "WhoAmI":
                Example(operation, "200", "application/json", """{"subject":"bootstrap-admin","name":"Bootstrap administrator","isAdmin":true,"method":"bootstrap-token"}""");
                break;
            case "Liveness":
                Example(operation, "200", "application/json", """{"status":"healthy","checks":[]}""");
                break;
            case "Readiness":
                Example(operation, "200", "application/json", """{"status":"healthy","checks":[{"name":"postgresql","kind":"postgresql","status":"healthy","durationMs":0.7},{"name":"local","kind":"ldap","status":"healthy","durationMs":1.6}]}""");
                Example(operation, "503", "application/json", """{"status":"unhealthy","checks":[{"name":"local","kind":"ldap","status":"unhealthy","durationMs":1.2,"error":"ldap://127.0.0.1:3389: The LDAP server is unavailable. (LDAP error 81)"}]}""");
                break;
            default:
                DescribeCalls(operation, name);
                break;
        }
    }

    private const string ExampleSapSdp = "v=0\r\no=- 0 0 IN IP4 192.0.2.7\r\ns=Campus radio\r\nc=IN IP4 239.255.42.42/16\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n";

    private const string ExampleSapSession =
        """
        {"id":"192.0.2.7-5a1c","origin":"192.0.2.7","messageIdHash":"5a1c","source":"192.0.2.7:40123","group":"239.255.255.255","own":false,"name":"Campus radio","information":null,
         "firstHeard":"2026-11-23T09:00:00Z","lastHeard":"2026-11-23T09:05:00Z","announcements":2,"periodSeconds":300,"expiresAt":"2026-11-23T10:05:00Z",
         "join":[{"kind":"audio","proto":"RTP/AVP","port":5004,"portCount":null,"formats":["0"],"groups":[{"address":"239.255.42.42","ttl":16,"count":null}]}],
         "sdpUrl":"/api/sap/sessions/192.0.2.7-5a1c.sdp","sdp":"v=0\r\n...","session":{"version":0,"name":"Campus radio"},"warnings":[]}
        """;

    private const string ExampleSapStatus =
        """
        {"announcer":{"enabled":true,"leader":true,"leaderSince":"2026-11-23T08:00:00Z","announced":12,"skipped":{"not_strict":1},"origins":["192.0.2.1"],"lastFailureAt":null,"lastError":null},
         "listener":{"enabled":true,"listening":true,"groups":["224.2.127.254","239.255.255.255","239.195.255.255"],"problems":[],"sessions":3,"maxSessions":1000},
         "counters":{"received":40,"announcements":37,"deletions":1,"droppedTotal":2,"dropped":{"unsupported_version":1,"too_short":1},"evicted":0,"timedOut":0,"sentAnnouncements":12,"sentDeletions":0,"sendFailures":0}}
        """;

    private const string ExampleScope = """{"first":"239.255.0.0","last":"239.255.255.255","ttl":16,"names":[{"language":"en","name":"Local scope","isDefault":true}],"defaultLeaseSeconds":3600,"maxLeaseSeconds":2592000,"exclusions":[],"serverGroup":"239.255.255.254","relativeAssignmentBlock":{"first":"239.255.255.0","last":"239.255.255.255"},"version":1}""";

    private const string ExampleUser = """{"name":"Alice Liddell","ipPhone":"192.0.2.10","owner":"alice","registeredUntil":"2026-11-23T10:00:00Z","createdAt":"2026-11-23T09:00:00Z"}""";

    private static void Body(OpenApiOperation operation) => operation.RequestBody = new OpenApiRequestBody
    {
        Required = true,
        Description = "The conference as SDP (application/sdp; ?scope= sets the advertising scope, ?mode=lenient accepts what real programs emit) or as JSON (the server writes the SDP; a connection address of \"auto\" asks for a leased group).",
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/sdp"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String }, Example = JsonValue.Create(ExampleSdp) },
            ["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object }, Example = JsonNode.Parse(ExampleConferenceJson) },
        },
    };

    /// <summary>A required JSON request body with its description and example.</summary>
    private static void JsonBody(OpenApiOperation operation, string description, string example) => operation.RequestBody = new OpenApiRequestBody
    {
        Required = true,
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object }, Example = JsonNode.Parse(example) },
        },
    };

    private static void Query(OpenApiOperation operation, string name, string description, string example) =>
        operation.Parameters!.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Query,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            Example = JsonValue.Create(example),
        });

    private static void Header(OpenApiOperation operation, string name, string description, string example, bool required)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = name,
            In = ParameterLocation.Header,
            Required = required,
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            Example = JsonValue.Create(example),
        });
    }

    private static void Example(OpenApiOperation operation, string status, string contentType, string json) =>
        Content(operation, status, contentType).Example = JsonNode.Parse(json);

    private static void Text(OpenApiOperation operation, string status, string contentType, string text)
    {
        var content = Content(operation, status, contentType);
        content.Schema ??= new OpenApiSchema { Type = JsonSchemaType.String };
        content.Example = JsonValue.Create(text);
    }

    private static OpenApiMediaType Content(OpenApiOperation operation, string status, string contentType)
    {
        operation.Responses ??= [];
        if (!operation.Responses.TryGetValue(status, out var response) || response is not OpenApiResponse concrete)
        {
            concrete = new OpenApiResponse { Description = status };
            operation.Responses[status] = concrete;
        }

        concrete.Content ??= new Dictionary<string, OpenApiMediaType>();
        if (!concrete.Content.TryGetValue(contentType, out var media))
        {
            media = new OpenApiMediaType();
            concrete.Content[contentType] = media;
        }

        return media;
    }
}
