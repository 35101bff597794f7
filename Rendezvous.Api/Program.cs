using Rendezvous.Api;
using Rendezvous.Api.Cli;

// `rendezvous sdp|conferences|madcap ...` are command-line tools; anything else runs the service.
if (args is ["sdp", .. var sdpArgs])
{
    return await SdpCommand.RunAsync(sdpArgs, Console.In, Console.Out, Console.Error);
}

if (args is ["conferences", .. var conferenceArgs])
{
    return await ConferencesCommand.RunAsync(conferenceArgs, Environment.GetEnvironmentVariable, Console.In, Console.Out, Console.Error);
}

if (args is ["madcap", .. var madcapArgs])
{
    return await MadcapCommand.RunAsync(madcapArgs, Environment.GetEnvironmentVariable, Console.Out, Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddRendezvous();

var app = builder.Build();
app.UseRendezvous();

return await RendezvousHost.RunAsync(app);

/// <summary>The entry point; public so that tests can host the service in-process.</summary>
public partial class Program;
