using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Rendezvous.Api.OpenApi;

/// <summary>Examples for the calls and call hubs (the basic conference flow), and the media statistics.</summary>
internal static partial class OpenApiSetup
{
    private const string ExampleCallA = "019a9f2e-7c00-7000-8000-0000000000a1";
    private const string ExampleCallX = "019a9f2e-7c00-7000-8000-0000000000b2";
    private const string ExampleCallY = "019a9f2e-7c00-7000-8000-0000000000c3";
    private const string ExampleHub = "019a9f2e-7c00-7000-8000-0000000000d4";

    private const string ExampleCallOffer = "v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";

    private const string ExampleCallAnswer = "v=0\r\no=rendezvous 1 1 IN IP4 127.0.0.1\r\ns=Rendezvous\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

    private const string ExampleMedia = "\"media\":{\"muted\":false,\"deaf\":false,\"listenOnly\":false,\"gain\":1}";

    private const string ExampleCallFields = ExampleMedia +
        """
        ,"localPort":40000,"remote":"192.0.2.20:20000","codec":"PCMU",
        "counters":{"received":1500,"sent":1498,"droppedForeignSource":0,"droppedRateLimited":0,"droppedMalformed":0,"droppedPayloadType":0},
        "statistics":{"expected":1500,"lost":0,"jitterMs":0.4,"partyFractionLost":0,"partyLost":0,"partyJitterMs":0.6,"roundTripMs":0.3}
        """;

    private const string ExampleConnectedCall =
        "{\"id\":\"" + ExampleCallA + "\",\"state\":\"connected\",\"peer\":\"" + ExampleCallX + "\",\"hub\":null,\"consultationOf\":null," + ExampleCallFields + ",\"jitterBuffer\":null,\"sdp\":null}";

    private const string ExampleConferencedCall =
        "{\"id\":\"" + ExampleCallA + "\",\"state\":\"conferenced\",\"peer\":null,\"hub\":\"" + ExampleHub + "\",\"consultationOf\":null," + ExampleCallFields +
        ",\"jitterBuffer\":{\"frames\":3,\"targetFrames\":2,\"averageFrames\":2.6},\"sdp\":null}";

    private const string ExampleNewCall =
        "{\"id\":\"" + ExampleCallA + "\",\"state\":\"connected\",\"peer\":null,\"hub\":null,\"consultationOf\":null," +
        ExampleMedia + ",\"localPort\":40000,\"remote\":\"192.0.2.20:20000\",\"codec\":\"PCMU\"," +
        "\"counters\":{\"received\":0,\"sent\":0,\"droppedForeignSource\":0,\"droppedRateLimited\":0,\"droppedMalformed\":0,\"droppedPayloadType\":0}," +
        "\"statistics\":{\"expected\":null,\"lost\":null,\"jitterMs\":null,\"partyFractionLost\":null,\"partyLost\":null,\"partyJitterMs\":null,\"roundTripMs\":null}," +
        "\"jitterBuffer\":null,\"sdp\":\"v=0\\r\\n...m=audio 40000 RTP/AVP 0\\r\\n...\"}";

    private const string ExampleConnectedHub =
        "{\"id\":\"" + ExampleHub + "\",\"state\":\"connected\",\"initiator\":\"" + ExampleCallA + "\",\"members\":[\"" + ExampleCallA + "\",\"" + ExampleCallX + "\",\"" + ExampleCallY +
        "\"],\"consultation\":null,\"bridge\":false,\"multicast\":null}";

    private const string ExampleBoundHub =
        "{\"id\":\"" + ExampleHub + "\",\"state\":\"connected\",\"initiator\":null,\"members\":[\"" + ExampleCallA + "\"],\"consultation\":null,\"bridge\":true," +
        "\"multicast\":{\"group\":\"239.255.42.42:5004\",\"ttl\":16,\"codec\":\"PCMU\",\"mode\":\"mix\",\"interface\":null," +
        "\"counters\":{\"received\":250,\"sent\":250,\"droppedForeignSource\":0,\"droppedRateLimited\":0,\"droppedMalformed\":0,\"droppedPayloadType\":0},\"senders\":1,\"ignoredSenderPackets\":0}}";

    private const string ExampleCallConflict =
        "{\"type\":\"https://rendezvous.invalid/problems/call-state\",\"title\":\"hold is not possible now.\",\"status\":409," +
        "\"detail\":\"the call is Conferenced; hold needs Connected\",\"operation\":\"hold\",\"currentStates\":{\"" + ExampleCallY + "\":\"Conferenced\"}}";

    private const string ExampleMediaStats =
        """
        {"mixerTicks":{"count":3000,"buckets":[{"upToMs":0.05,"count":0},{"upToMs":0.1,"count":12},{"upToMs":0.25,"count":2410},{"upToMs":0.5,"count":520},{"upToMs":1,"count":50},
         {"upToMs":2.5,"count":6},{"upToMs":5,"count":2},{"upToMs":10,"count":0},{"upToMs":20,"count":0},{"upToMs":50,"count":0},{"upToMs":null,"count":0}]},
         "mixerTickLateness":{"count":3000,"buckets":[{"upToMs":0.05,"count":2100},{"upToMs":0.1,"count":800},{"upToMs":0.25,"count":90},{"upToMs":0.5,"count":8},{"upToMs":1,"count":2},
         {"upToMs":2.5,"count":0},{"upToMs":5,"count":0},{"upToMs":10,"count":0},{"upToMs":20,"count":0},{"upToMs":50,"count":0},{"upToMs":null,"count":0}]},
         "jitterBuffers":{"buffers":3,"meanFrames":2.3,"maxFrames":3}}
        """;

    /// <summary>Examples for the call and call hub operations (by endpoint name); nothing for other names.</summary>
    private static void DescribeCalls(OpenApiOperation operation, string? name)
    {
        switch (name)
        {
            case "ListCalls":
                Example(operation, "200", "application/json", "[" + ExampleConnectedCall + "]");
                break;
            case "GetCall":
                Example(operation, "200", "application/json", ExampleConferencedCall);
                Text(operation, "200", "application/sdp", ExampleCallAnswer);
                Example(operation, "404", "application/problem+json", """{"type":"https://rendezvous.invalid/problems/not-found","title":"Not found.","status":404,"detail":"There is no call 019a9f2e-7c00-7000-8000-0000000000ff."}""");
                break;
            case "CreateCall":
            case "DialCall":
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Description = "The party: an SDP offer (answered with our SDP: our port and the first codec we share), or JSON with its RTP address and codec (PCMU or PCMA), an optional telephone-event payload type, and the address it sends from when that differs.",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/sdp"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String }, Example = JsonValue.Create(ExampleCallOffer) },
                        ["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object }, Example = JsonNode.Parse("""{"remote":"192.0.2.20:20000","codec":"PCMU","telephoneEvent":101}""") },
                    },
                };
                Example(operation, name == "CreateCall" ? "201" : "200", "application/json", ExampleNewCall);
                Text(operation, name == "CreateCall" ? "201" : "200", "application/sdp", ExampleCallAnswer);
                Example(operation, "400", "application/problem+json", """{"type":"https://rendezvous.invalid/problems/invalid-call","title":"The call is not valid.","status":400,"errors":{"codec":["must be PCMU or PCMA"]}}""");
                break;
            case "ConnectCalls":
                Example(operation, "200", "application/json", ExampleConnectedCall);
                Example(operation, "409", "application/problem+json", ExampleCallConflict);
                break;
            case "SetupConference":
                Example(operation, "201", "application/json",
                    "{\"hub\":{\"id\":\"" + ExampleHub + "\",\"state\":\"onHoldPendingConference\",\"initiator\":\"" + ExampleCallA + "\",\"members\":[\"" + ExampleCallA + "\",\"" + ExampleCallX +
                    "\"],\"consultation\":\"" + ExampleCallY + "\",\"bridge\":false},\"consultationCall\":{\"id\":\"" + ExampleCallY + "\",\"state\":\"dialtone\",\"peer\":null,\"hub\":null,\"consultationOf\":\"" +
                    ExampleHub + "\"," + ExampleMedia + ",\"localPort\":null,\"remote\":null,\"codec\":null,\"counters\":null,\"statistics\":null,\"jitterBuffer\":null,\"sdp\":null}}");
                Example(operation, "409", "application/problem+json", ExampleCallConflict);
                break;
            case "AddToConference":
            case "NoHoldAdd":
            case "JoinBridge":
            case "GetCallHub":
            case "CompleteTransfer":
                Example(operation, "200", "application/json", ExampleConnectedHub);
                Example(operation, name == "GetCallHub" ? "404" : "409", "application/problem+json", name == "GetCallHub"
                    ? """{"type":"https://rendezvous.invalid/problems/not-found","title":"Not found.","status":404,"detail":"There is no call hub 019a9f2e-7c00-7000-8000-0000000000ff."}"""
                    : ExampleCallConflict);
                break;
            case "ListCallHubs":
                Example(operation, "200", "application/json", "[" + ExampleConnectedHub + "]");
                break;
            case "CreateBridge":
                Example(operation, "201", "application/json", "{\"id\":\"" + ExampleHub + "\",\"state\":\"connected\",\"initiator\":null,\"members\":[],\"consultation\":null,\"bridge\":true,\"multicast\":null}");
                break;
            case "BindCallHubToGroup":
                JsonBody(operation, "A group and how to use it (ttl 16, codec PCMU and mode mix by default), or a directory conference whose first multicast audio section gives them; explicit fields override the conference.",
                    """{"group":"239.255.42.42:5004","ttl":16,"codec":"PCMU","mode":"mix"}""");
                Example(operation, "200", "application/json", ExampleBoundHub);
                Example(operation, "400", "application/problem+json", """{"type":"https://rendezvous.invalid/problems/invalid-multicast-binding","title":"The multicast binding is not valid.","status":400,"errors":{"group":["must be a multicast address (not 224.0.0.0/24) and an even port"]}}""");
                break;
            case "PrepareAddToConference":
            case "SetupTransfer":
            case "RemoveFromConference":
            case "HoldCall":
            case "UnholdCall":
            case "SetCallMedia":
                Example(operation, "409", "application/problem+json", ExampleCallConflict);
                break;
            case "MediaStats":
                Example(operation, "200", "application/json", ExampleMediaStats);
                break;
        }
    }
}
