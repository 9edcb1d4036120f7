-- Back to 0004's view: every public entry with an interaction in the week, per window.

DROP MATERIALIZED VIEW trending_entries;

CREATE MATERIALIZED VIEW trending_entries AS
WITH windows (time_window, span) AS (
    VALUES ('hour', interval '1 hour'), ('day', interval '1 day'), ('week', interval '7 days')
),
events (entry_id, created_at) AS (
    SELECT entry_id, created_at FROM user_resonances WHERE created_at > now() - interval '7 days'
    UNION ALL
    SELECT entry_id, created_at FROM user_amplifications WHERE created_at > now() - interval '7 days'
    UNION ALL
    SELECT parent_entry_id, created_at FROM entry_branches WHERE created_at > now() - interval '7 days'
)
SELECT w.time_window, ev.entry_id, count(*)::integer AS score
FROM events ev
JOIN windows w ON ev.created_at > now() - w.span
JOIN stream_entries e ON e.id = ev.entry_id AND e.privacy = 'public'
GROUP BY w.time_window, ev.entry_id;

-- REFRESH ... CONCURRENTLY needs a unique index; the second serves the ranking.
CREATE UNIQUE INDEX trending_entries_key ON trending_entries (time_window, entry_id);
CREATE INDEX trending_entries_rank ON trending_entries (time_window, score DESC, entry_id DESC);
