using System.Runtime.CompilerServices;
using Npgsql;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Events;
using static Osr.Orleans.Storage.PostgreSql.Sql;

namespace Osr.Orleans.Storage.PostgreSql;

/// <summary>
/// <see cref="IDecisionLog"/> on PostgreSQL (tables <c>osr_decisions</c>, <c>osr_feedback</c>).
/// Features are the same little-endian doubles as on SQLite (bytea); scores are float8, which
/// keeps NaN as it is. Inserts are <c>ON CONFLICT DO NOTHING</c> (a decision id once; feedback
/// once per decision and action). Decisions logged at the same time share one statement, one round
/// trip and one commit (<see cref="PostgreSqlDatabase.WriteRowsAsync"/>).
/// </summary>
public sealed class PostgreSqlDecisionLog(PostgreSqlDatabase database) : IDecisionLog
{
    /// <summary>Every decision queued together is one statement over arrays.</summary>
    private static readonly MergedInsert<DecisionRecord> InsertDecisions = new(rows =>
    {
        var n = rows.Count;
        var text = new string?[11][];
        for (var c = 0; c < text.Length; c++) text[c] = new string?[n];
        var features = new byte[n][];
        var ticks = new long[2][] { new long[n], new long[n] };
        var reals = new double[6][];
        for (var c = 0; c < reals.Length; c++) reals[c] = new double[n];
        for (var i = 0; i < n; i++)
        {
            var d = rows[i];
            text[0][i] = d.DecisionId; text[1][i] = d.UserId; text[2][i] = d.ItemId; text[3][i] = d.Category; text[4][i] = d.Label;
            text[5][i] = d.Outcome; text[6][i] = d.Reason; text[7][i] = d.PropensityVersion; text[8][i] = d.AlsVersion;
            text[9][i] = d.Arm; text[10][i] = d.Segment;
            features[i] = StoredFormats.EncodeFeatures(d.Features);
            ticks[0][i] = d.DecidedUtcTicks; ticks[1][i] = d.StateUtcTicks;
            reals[0][i] = d.Affinity; reals[1][i] = d.Propensity; reals[2][i] = d.Raw; reals[3][i] = d.Osr; reals[4][i] = d.Threshold;
            reals[5][i] = d.SendProbability;
        }
        return Command($"""
            INSERT INTO osr_decisions ({StoredFormats.DecisionColumns})
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::bigint[], $8::bigint[],
                $9::text[], $10::text[], $11::float8[], $12::float8[], $13::float8[], $14::float8[], $15::float8[], $16::float8[],
                $17::text[], $18::text[], $19::text[], $20::text[])
            ON CONFLICT (decision_id) DO NOTHING
            """,
            P(text[0]), P(text[1]), P(text[2]), P(text[3]), P(text[4]), P(features), P(ticks[0]), P(ticks[1]),
            P(text[5]), P(text[6]), P(reals[0]), P(reals[1]), P(reals[2]), P(reals[3]), P(reals[4]), P(reals[5]),
            P(text[7]), P(text[8]), P(text[9]), P(text[10]));
    });

    /// <summary>Every feedback row queued together is one statement over arrays.</summary>
    private static readonly MergedInsert<FeedbackRecord> InsertFeedback = new(rows => Command("""
        INSERT INTO osr_feedback (decision_id, user_id, action, ts)
        SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::bigint[])
        ON CONFLICT (decision_id, action) DO NOTHING
        """,
        P(rows.Select(f => f.DecisionId).ToArray()), P(rows.Select(f => f.UserId).ToArray()),
        P(rows.Select(f => (short)f.Action).ToArray()), P(rows.Select(f => f.TimestampUtcTicks).ToArray())));

    public PostgreSqlDatabase Database { get; } = database;

    public Task AppendDecisionAsync(DecisionRecord decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return Database.WriteRowsAsync(InsertDecisions, [decision], cancellationToken);
    }

    public Task AppendFeedbackAsync(FeedbackRecord feedback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        return Database.WriteRowsAsync(InsertFeedback, [feedback], cancellationToken);
    }

    public async Task<DecisionRecord?> ReadDecisionAsync(string decisionId, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand($"SELECT {StoredFormats.DecisionColumns} FROM osr_decisions WHERE decision_id = $1");
        command.Parameters.Add(P(decisionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadDecision(reader) : null;
    }

    public IAsyncEnumerable<DecisionWithFeedback> ReadSentDecisionsAsync(long fromUtcTicks, long toUtcTicks, CancellationToken cancellationToken = default) =>
        ReadPagesAsync(fromUtcTicks, toUtcTicks, sentOnly: true, cancellationToken);

    public IAsyncEnumerable<DecisionWithFeedback> ReadDecisionsAsync(long fromUtcTicks, long toUtcTicks, CancellationToken cancellationToken = default) =>
        ReadPagesAsync(fromUtcTicks, toUtcTicks, sentOnly: false, cancellationToken);

    private async IAsyncEnumerable<DecisionWithFeedback> ReadPagesAsync(long fromUtcTicks, long toUtcTicks, bool sentOnly,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Keyset pagination in time order: (decided_at, decision_id) strictly after the last row seen.
        const int page = 10_000;
        var after = (Ticks: long.MinValue, Id: "");
        while (true)
        {
            var count = 0;
            await using (var connection = await Database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            await using (var command = Command(connection, $"""
                SELECT {StoredFormats.DecisionColumns},
                       (SELECT array_agg(f.action ORDER BY f.action) FROM osr_feedback f WHERE f.decision_id = d.decision_id)
                FROM osr_decisions d
                WHERE ($7 OR outcome = $1) AND decided_at >= $2 AND decided_at < $3
                  AND (decided_at, decision_id COLLATE "C") > ($4, $5 COLLATE "C")
                ORDER BY decided_at, decision_id COLLATE "C" LIMIT $6
                """, P(DecisionOutcomes.Sent), P(fromUtcTicks), P(toUtcTicks), P(after.Ticks), P(after.Id), P(page), P(!sentOnly)))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    count++;
                    var decision = ReadDecision(reader);
                    var feedback = reader.IsDBNull(20)
                        ? []
                        : reader.GetFieldValue<short[]>(20).Select(a => (FeedbackAction)a).ToArray();
                    after = (decision.DecidedUtcTicks, decision.DecisionId);
                    yield return new DecisionWithFeedback(decision, feedback);
                }
            }
            if (count < page) yield break;
        }
    }

    private static DecisionRecord ReadDecision(NpgsqlDataReader reader) =>
        new(DecisionId: reader.GetString(0),
            UserId: reader.GetString(1),
            ItemId: reader.GetString(2),
            Category: reader.GetString(3),
            Label: reader.GetString(4),
            Features: StoredFormats.DecodeFeatures(reader.GetFieldValue<byte[]>(5)),
            DecidedUtcTicks: reader.GetInt64(6),
            StateUtcTicks: reader.GetInt64(7),
            Outcome: reader.GetString(8),
            Reason: reader.GetString(9),
            Affinity: reader.GetDouble(10),
            Propensity: reader.GetDouble(11),
            Raw: reader.GetDouble(12),
            Osr: reader.GetDouble(13),
            Threshold: reader.GetDouble(14),
            SendProbability: reader.GetDouble(15),
            PropensityVersion: reader.GetString(16),
            AlsVersion: reader.IsDBNull(17) ? null : reader.GetString(17),
            Arm: reader.GetString(18),
            Segment: reader.IsDBNull(19) ? null : reader.GetString(19));

    public async Task<IReadOnlyList<string>> ReadUserDecisionIdsAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand("SELECT decision_id FROM osr_decisions WHERE user_id = $1");
        command.Parameters.Add(P(userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) ids.Add(reader.GetString(0));
        return ids;
    }

    public async Task<UserRowsDeleted> ForgetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var affected = await Database.WriteAsync(batch =>
        {
            batch.Add(Command("DELETE FROM osr_feedback WHERE user_id = $1 OR decision_id IN (SELECT decision_id FROM osr_decisions WHERE user_id = $1)", P(userId)));
            batch.Add(Command("DELETE FROM osr_decisions WHERE user_id = $1", P(userId)));
        }, cancellationToken).ConfigureAwait(false);
        return new UserRowsDeleted(affected[1], affected[0]);
    }

    /// <summary>On its own connection and transaction (not the group commit): a large delete must not hold up the writes queued behind it.</summary>
    public async Task<UserRowsDeleted> PruneAsync(long decisionsCutoffUtcTicks, long feedbackCutoffUtcTicks, CancellationToken cancellationToken = default)
    {
        var changed = await Database.ExecuteOwnAsync([
            Command("DELETE FROM osr_feedback WHERE ts < $2 OR decision_id IN (SELECT decision_id FROM osr_decisions WHERE decided_at < $1)",
                P(decisionsCutoffUtcTicks), P(feedbackCutoffUtcTicks)),
            Command("DELETE FROM osr_decisions WHERE decided_at < $1", P(decisionsCutoffUtcTicks)),
        ], cancellationToken).ConfigureAwait(false);
        return new UserRowsDeleted(changed[1], changed[0]);
    }
}
