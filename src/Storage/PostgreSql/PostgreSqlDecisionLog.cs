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
/// once per decision and action). Decisions logged at the same time share one round trip and one
/// commit (<see cref="PostgreSqlDatabase"/>).
/// </summary>
public sealed class PostgreSqlDecisionLog(PostgreSqlDatabase database) : IDecisionLog
{
    private const string InsertDecision = $"""
        INSERT INTO osr_decisions ({StoredFormats.DecisionColumns})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
        ON CONFLICT (decision_id) DO NOTHING
        """;

    public PostgreSqlDatabase Database { get; } = database;

    public Task AppendDecisionAsync(DecisionRecord decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var d = decision;
        var features = StoredFormats.EncodeFeatures(d.Features);
        return Database.WriteAsync(batch => batch.Add(Command(InsertDecision,
            P(d.DecisionId), P(d.UserId), P(d.ItemId), P(d.Category), P(d.Label), P(features), P(d.DecidedUtcTicks), P(d.StateUtcTicks),
            P(d.Outcome), P(d.Reason), P(d.Affinity), P(d.Propensity), P(d.Raw), P(d.Osr), P(d.Threshold), P(d.SendProbability),
            P(d.PropensityVersion), Text(d.AlsVersion), P(d.Arm), Text(d.Segment))), cancellationToken);
    }

    public Task AppendFeedbackAsync(FeedbackRecord feedback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        return Database.WriteAsync(batch => batch.Add(Command(
            "INSERT INTO osr_feedback (decision_id, user_id, action, ts) VALUES ($1, $2, $3, $4) ON CONFLICT (decision_id, action) DO NOTHING",
            P(feedback.DecisionId), P(feedback.UserId), P((short)feedback.Action), P(feedback.TimestampUtcTicks))), cancellationToken);
    }

    public async Task<DecisionRecord?> ReadDecisionAsync(string decisionId, CancellationToken cancellationToken = default)
    {
        await using var command = Database.DataSource.CreateCommand($"SELECT {StoredFormats.DecisionColumns} FROM osr_decisions WHERE decision_id = $1");
        command.Parameters.Add(P(decisionId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadDecision(reader) : null;
    }

    public async IAsyncEnumerable<DecisionWithFeedback> ReadSentDecisionsAsync(long fromUtcTicks, long toUtcTicks,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
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
                WHERE outcome = $1 AND decided_at >= $2 AND decided_at < $3
                  AND (decided_at, decision_id COLLATE "C") > ($4, $5 COLLATE "C")
                ORDER BY decided_at, decision_id COLLATE "C" LIMIT $6
                """, P(DecisionOutcomes.Sent), P(fromUtcTicks), P(toUtcTicks), P(after.Ticks), P(after.Id), P(page)))
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
}
