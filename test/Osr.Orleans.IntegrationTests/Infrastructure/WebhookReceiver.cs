using System.Collections.Concurrent;
using System.Net;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// A real HTTP endpoint on loopback standing in for a push gateway: answers the first
/// <see cref="FailFirst"/> POSTs with 500, then 200, and records every request.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public WebhookReceiver(int failFirst = 0)
    {
        FailFirst = failFirst;
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }
    public int FailFirst { get; }
    public string Url => $"http://127.0.0.1:{Port}/hook";

    /// <summary>Every request: status answered, body, Idempotency-Key header.</summary>
    public ConcurrentQueue<(int Status, string Body, string? IdempotencyKey)> Requests { get; } = new();

    public IReadOnlyList<(int Status, string Body, string? IdempotencyKey)> Delivered => [.. Requests.Where(r => r.Status == 200)];

    private async Task LoopAsync()
    {
        var seen = 0;
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var status = Interlocked.Increment(ref seen) <= FailFirst ? 500 : 200;
            Requests.Enqueue((status, body, context.Request.Headers["Idempotency-Key"]));
            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
