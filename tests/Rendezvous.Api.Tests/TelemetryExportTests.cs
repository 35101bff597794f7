using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Rendezvous.Api.Telemetry;
using Rendezvous.Api.Tests.Support;
using Rendezvous.Testing;

namespace Rendezvous.Api.Tests;

/// <summary>Metrics leave the process over OTLP/HTTP when an endpoint is configured, and only then.</summary>
public sealed class TelemetryExportTests
{
    [Fact]
    public async Task Metrics_are_pushed_to_the_configured_otlp_endpoint()
    {
        using var collector = new OtlpCollector();
        var settings = TestSettings.For(TestSettings.UnreachablePostgres());
        settings["Rendezvous:Telemetry:OtlpEndpoint"] = collector.Endpoint;
        settings["Rendezvous:Telemetry:MetricExportIntervalSeconds"] = "1";
        settings["Rendezvous:Telemetry:ServiceName"] = "rendezvous-under-test";
        using var factory = new RendezvousFactory(settings);
        using var client = factory.CreateClient();

        // Make the host's own meter count something.
        using (await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/auth/whoami") { Headers = { { "Authorization", "Bearer not-a-valid-token-0123456789abcdef" } } }))
        {
        }

        var body = await collector.WaitForAsync("/v1/metrics", b => b.Contains("rendezvous.auth.failures", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        Assert.Contains("Rendezvous.Api", body, StringComparison.Ordinal);
        Assert.Contains("rendezvous-under-test", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_is_exported_without_an_endpoint()
    {
        var settings = TestSettings.For(TestSettings.UnreachablePostgres());
        settings["Rendezvous:Telemetry:MetricExportIntervalSeconds"] = "1";
        using var factory = new RendezvousFactory(settings);
        using var client = factory.CreateClient();
        using (await client.GetAsync("/healthz"))
        {
        }

        // No exporter exists at all, so nothing can be sent anywhere (not even to OTLP's default localhost:4318).
        var export = factory.Services.GetServices<IHostedService>().OfType<TelemetryExport>().Single();
        Assert.False(export.IsExporting);
        Assert.DoesNotContain(factory.Logs.Entries, e => e.EventId == 1003);
    }

    /// <summary>A minimal OTLP/HTTP receiver on loopback that keeps what it is sent.</summary>
    private sealed class OtlpCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public OtlpCollector()
        {
            var port = FreePort.NextTcp();
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
            _loop = Task.Run(ReceiveAsync);
        }

        public string Endpoint { get; }

        public ConcurrentQueue<(string Path, string Body)> Received { get; } = new();

        public async Task<string> WaitForAsync(string path, Func<string, bool> match, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                var hit = Received.FirstOrDefault(r => r.Path == path && match(r.Body));
                if (hit.Body is not null)
                {
                    return hit.Body;
                }

                await Task.Delay(100);
            }

            throw new TimeoutException($"No matching OTLP export to {path} within {timeout}; received {Received.Count} requests to {string.Join(", ", Received.Select(r => r.Path).Distinct())}.");
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // The listener was closed under the loop, as intended.
            }
        }

        private async Task ReceiveAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var buffer = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(buffer);
                // Protobuf carries names as plain UTF-8, which is all these tests look for.
                Received.Enqueue((context.Request.Url!.AbsolutePath, Encoding.UTF8.GetString(buffer.ToArray())));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }
    }
}
