using Rendezvous.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddRendezvous();

var app = builder.Build();
app.UseRendezvous();

return await RendezvousHost.RunAsync(app);

/// <summary>The entry point; public so that tests can host the service in-process.</summary>
public partial class Program;
