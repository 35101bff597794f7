using Rendezvous.Api;
using Rendezvous.Api.Cli;

// `rendezvous sdp ...` is a command-line tool; anything else runs the service.
if (args is ["sdp", .. var sdpArgs])
{
    return await SdpCommand.RunAsync(sdpArgs, Console.In, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddRendezvous();

var app = builder.Build();
app.UseRendezvous();

return await RendezvousHost.RunAsync(app);

/// <summary>The entry point; public so that tests can host the service in-process.</summary>
public partial class Program;
