-- Back to 0001's unpartitioned tables, rows, ids and sequences kept: the same shape of copy,
-- drop and rename as 0010, the other way.

-- Writers wait until the end (a row written after the copy would be dropped with the old
-- table); readers go on until the old tables are dropped.
LOCK TABLE user_resonances, user_amplifications IN EXCLUSIVE MODE;

DROP VIEW counter_drift;
DROP VIEW entry_counts_expected;
DROP MATERIALIZED VIEW trending_entries;

CREATE TABLE user_resonances_unpartitioned (
    id         BIGINT NOT NULL DEFAULT nextval('user_resonances_id_seq'),
    user_id    UUID NOT NULL,
    entry_id   BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO user_resonances_unpartitioned (id, user_id, entry_id, created_at)
SELECT id, user_id, entry_id, created_at FROM user_resonances;
ALTER SEQUENCE user_resonances_id_seq OWNED BY user_resonances_unpartitioned.id;
DROP TABLE user_resonances;
ALTER TABLE user_resonances_unpartitioned RENAME TO user_resonances;

ALTER TABLE user_resonances
    ADD CONSTRAINT user_resonances_pkey PRIMARY KEY (id),
    ADD CONSTRAINT user_resonances_user_id_entry_id_key UNIQUE (user_id, entry_id),
    ADD CONSTRAINT user_resonances_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    ADD CONSTRAINT user_resonances_entry_id_fkey
        FOREIGN KEY (entry_id) REFERENCES stream_entries (id) ON DELETE CASCADE;
CREATE INDEX idx_user_resonances_entry_id ON user_resonances (entry_id, created_at DESC, id DESC);
CREATE INDEX idx_user_resonances_created_at ON user_resonances (created_at);

CREATE TRIGGER resonance_count_trigger
    AFTER INSERT OR DELETE ON user_resonances
    FOR EACH ROW EXECUTE FUNCTION update_resonance_count();

CREATE TABLE user_amplifications_unpartitioned (
    id         BIGINT NOT NULL DEFAULT nextval('user_amplifications_id_seq'),
    user_id    UUID NOT NULL,
    entry_id   BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO user_amplifications_unpartitioned (id, user_id, entry_id, created_at)
SELECT id, user_id, entry_id, created_at FROM user_amplifications;
ALTER SEQUENCE user_amplifications_id_seq OWNED BY user_amplifications_unpartitioned.id;
DROP TABLE user_amplifications;
ALTER TABLE user_amplifications_unpartitioned RENAME TO user_amplifications;

ALTER TABLE user_amplifications
    ADD CONSTRAINT user_amplifications_pkey PRIMARY KEY (id),
    ADD CONSTRAINT user_amplifications_user_id_entry_id_key UNIQUE (user_id, entry_id),
    ADD CONSTRAINT user_amplifications_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    ADD CONSTRAINT user_amplifications_entry_id_fkey
        FOREIGN KEY (entry_id) REFERENCES stream_entries (id) ON DELETE CASCADE;
CREATE INDEX idx_user_amplifications_entry_id ON user_amplifications (entry_id, created_at DESC, id DESC);
CREATE INDEX idx_user_amplifications_user_id_created
    ON user_amplifications (user_id, created_at DESC, id DESC);
CREATE INDEX idx_user_amplifications_created_at ON user_amplifications (created_at);

CREATE TRIGGER trigger_amplification_count_update
    AFTER INSERT OR DELETE ON user_amplifications
    FOR EACH ROW EXECUTE FUNCTION update_amplification_count();

CREATE VIEW entry_counts_expected AS
SELECT e.id AS entry_id,
       COALESCE(r.n, 0)::integer AS resonance_count,
       COALESCE(b.n, 0)::integer AS branch_count,
       COALESCE(a.n, 0)::integer AS amplification_count
FROM stream_entries e
LEFT JOIN (SELECT entry_id, count(*) AS n FROM user_resonances GROUP BY entry_id) r
       ON r.entry_id = e.id
LEFT JOIN (SELECT parent_entry_id, count(*) AS n FROM entry_branches GROUP BY parent_entry_id) b
       ON b.parent_entry_id = e.id
LEFT JOIN (SELECT entry_id, count(*) AS n FROM user_amplifications GROUP BY entry_id) a
       ON a.entry_id = e.id;

CREATE VIEW counter_drift AS
SELECT 'entry'::text AS kind, x.entry_id::text AS id, d.counter, d.stored, d.expected
FROM entry_counts_expected x
LEFT JOIN entry_interaction_counts c ON c.entry_id = x.entry_id
CROSS JOIN LATERAL (VALUES
    ('resonance_count', c.resonance_count, x.resonance_count),
    ('branch_count', c.branch_count, x.branch_count),
    ('amplification_count', c.amplification_count, x.amplification_count),
    ('share_count', c.share_count, COALESCE(c.share_count, 0))
) AS d (counter, stored, expected)
WHERE d.stored IS DISTINCT FROM d.expected
UNION ALL
SELECT 'user'::text, x.user_id::text, d.counter, d.stored, d.expected
FROM user_counts_expected x
JOIN users u ON u.id = x.user_id
CROSS JOIN LATERAL (VALUES
    ('follower_count', u.follower_count, x.follower_count),
    ('following_count', u.following_count, x.following_count)
) AS d (counter, stored, expected)
WHERE d.stored IS DISTINCT FROM d.expected;

CREATE MATERIALIZED VIEW trending_entries AS
WITH events (entry_id, created_at) AS (
    SELECT entry_id, created_at FROM user_resonances WHERE created_at > now() - interval '7 days'
    UNION ALL
    SELECT entry_id, created_at FROM user_amplifications WHERE created_at > now() - interval '7 days'
    UNION ALL
    SELECT parent_entry_id, created_at FROM entry_branches WHERE created_at > now() - interval '7 days'
),
counts AS (
    SELECT ev.entry_id,
           count(*) FILTER (WHERE ev.created_at > now() - interval '1 hour') AS hour,
           count(*) FILTER (WHERE ev.created_at > now() - interval '1 day') AS day,
           count(*) AS week
    FROM events ev
    GROUP BY ev.entry_id
),
public_counts AS MATERIALIZED (
    SELECT c.* FROM counts c JOIN stream_entries e ON e.id = c.entry_id AND e.privacy = 'public'
)
(SELECT 'hour' AS time_window, entry_id, hour::integer AS score FROM public_counts
 WHERE hour > 0 ORDER BY hour DESC, entry_id DESC LIMIT 1000)
UNION ALL
(SELECT 'day', entry_id, day::integer FROM public_counts
 WHERE day > 0 ORDER BY day DESC, entry_id DESC LIMIT 1000)
UNION ALL
(SELECT 'week', entry_id, week::integer FROM public_counts
 ORDER BY week DESC, entry_id DESC LIMIT 1000);

-- REFRESH ... CONCURRENTLY needs a unique index; the second serves the ranking.
CREATE UNIQUE INDEX trending_entries_key ON trending_entries (time_window, entry_id);
CREATE INDEX trending_entries_rank ON trending_entries (time_window, score DESC, entry_id DESC);

ANALYZE user_resonances;
ANALYZE user_amplifications;
