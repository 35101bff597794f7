using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using Npgsql;

namespace Rendezvous.Madcap.Leases;

/// <summary>
/// Group commit for allocations of given addresses: the allocations waiting at one moment go to
/// PostgreSQL as one batch (one round trip; one implicit transaction, so one commit and one WAL
/// flush), and each caller gets its row only after that commit, so an ACK still follows a durable
/// lease. A batch forms only from what is already waiting (no waiting for more), so a lone request
/// goes out at once. <see cref="Writers"/> batches may be in flight at once; each is ordered by
/// client address, so that two batches take the clients' usage rows in one order and cannot
/// deadlock on them.
/// <para>
/// When a statement of a batch fails (another server leased one of its addresses, a Lease
/// Identifier in use), PostgreSQL rolls the whole batch back; each of its allocations is then run
/// on its own, so that each caller sees its own outcome, as without batching.
/// </para>
/// </summary>
internal sealed class GroupCommit
{
    /// <summary>Batches in flight at once.</summary>
    public const int Writers = 2;

    /// <summary>Most allocations in one batch.</summary>
    public const int MaxBatch = 64;

    private readonly NpgsqlDataSource _dataSource;
    private readonly LeaseStore _store;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public GroupCommit(NpgsqlDataSource dataSource, LeaseStore store)
    {
        _dataSource = dataSource;
        _store = store;
        for (var i = 0; i < Writers; i++)
        {
            _ = Task.Run(WriteLoopAsync);
        }
    }

    private sealed record Pending(LeaseStore.LeaseInsert Allocation, TaskCompletionSource<(int Held, IPAddress[] Granted)> Done);

    public async Task<(int Held, IPAddress[] Granted)> WriteAsync(LeaseStore.LeaseInsert allocation, CancellationToken cancellationToken)
    {
        var pending = new Pending(allocation, new TaskCompletionSource<(int, IPAddress[])>(TaskCreationOptions.RunContinuationsAsynchronously));
        var queued = _queue.Writer.TryWrite(pending);
        Debug.Assert(queued, "the queue is unbounded and never completed");

        // A caller that stops waiting does not undo the write: its lease commits (or not) with the batch.
        return await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            if (batch.Count == 1)
            {
                await AloneAsync(batch[0]).ConfigureAwait(false);
            }
            else if (batch.Count > 1)
            {
                await TogetherAsync(batch).ConfigureAwait(false);
            }
        }
    }

    private async Task AloneAsync(Pending pending)
    {
        try
        {
            pending.Done.TrySetResult(await _store.InsertAloneAsync(pending.Allocation, CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            pending.Done.TrySetException(e);
        }
    }

    private async Task TogetherAsync(List<Pending> batch)
    {
        batch.Sort(static (a, b) => CompareClients(a.Allocation.Request.Client, b.Allocation.Request.Client));
        var results = new (int Held, IPAddress[] Granted)[batch.Count];
        try
        {
            await using (var command = _dataSource.CreateBatch())
            {
                foreach (var pending in batch)
                {
                    var statement = new NpgsqlBatchCommand(pending.Allocation.Statement);
                    pending.Allocation.AddParameters(statement.Parameters);
                    command.BatchCommands.Add(statement);
                }

                // Every row is read, and the reader closed (which waits for the commit), before anyone is answered.
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    await reader.ReadAsync().ConfigureAwait(false);
                    results[i] = (reader.GetInt32(0), reader.GetFieldValue<IPAddress[]>(1));
                    await reader.NextResultAsync().ConfigureAwait(false);
                }
            }
        }
        catch (PostgresException)
        {
            // The batch was rolled back whole: each allocation on its own, for its own outcome.
            foreach (var pending in batch)
            {
                await AloneAsync(pending).ConfigureAwait(false);
            }

            return;
        }
        catch (Exception e)
        {
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(e);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(results[i]);
        }
    }

    private static int CompareClients(IPAddress? a, IPAddress? b)
    {
        if (a is null || b is null)
        {
            return (a is null).CompareTo(b is null);
        }

        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        a.TryWriteBytes(x, out var xl);
        b.TryWriteBytes(y, out var yl);
        return x[..xl].SequenceCompareTo(y[..yl]);
    }
}
