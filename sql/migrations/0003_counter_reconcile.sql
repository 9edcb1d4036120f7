-- The operator's safety net: every counter recomputed from the rows.
--
-- counter_expected holds what each counter must be; counter_drift lists where the stored value
-- differs (a missing counts row shows as stored NULL). fix_counter_drift() repairs them all in
-- one transaction and returns what it repaired. share_count has no rows to count (every share
-- is a call, not a row): it is its own source of truth and only checked for being non-negative
-- by its CHECK constraint.
--
-- depends: 0002_counter_triggers

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

CREATE VIEW user_counts_expected AS
SELECT u.id AS user_id,
       COALESCE(fr.n, 0)::integer AS follower_count,
       COALESCE(fg.n, 0)::integer AS following_count
FROM users u
LEFT JOIN (SELECT followed_id, count(*) AS n FROM user_follows GROUP BY followed_id) fr
       ON fr.followed_id = u.id
LEFT JOIN (SELECT follower_id, count(*) AS n FROM user_follows GROUP BY follower_id) fg
       ON fg.follower_id = u.id;

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

CREATE FUNCTION fix_counter_drift()
RETURNS TABLE (kind text, id text, counter text, stored integer, expected integer)
LANGUAGE plpgsql AS $$
BEGIN
    -- Writers wait while the counts are recomputed, so no change lands between the count and
    -- the repair; readers go on.
    LOCK TABLE user_resonances, user_amplifications, entry_branches, user_follows IN SHARE MODE;
    RETURN QUERY SELECT * FROM counter_drift;

    INSERT INTO entry_interaction_counts AS c
           (entry_id, resonance_count, branch_count, amplification_count)
    SELECT x.entry_id, x.resonance_count, x.branch_count, x.amplification_count
    FROM entry_counts_expected x
    ON CONFLICT (entry_id) DO UPDATE
       SET resonance_count = EXCLUDED.resonance_count,
           branch_count = EXCLUDED.branch_count,
           amplification_count = EXCLUDED.amplification_count
     WHERE (c.resonance_count, c.branch_count, c.amplification_count)
           IS DISTINCT FROM
           (EXCLUDED.resonance_count, EXCLUDED.branch_count, EXCLUDED.amplification_count);

    UPDATE users u
       SET follower_count = x.follower_count,
           following_count = x.following_count
      FROM user_counts_expected x
     WHERE u.id = x.user_id
       AND (u.follower_count, u.following_count)
           IS DISTINCT FROM (x.follower_count, x.following_count);
END
$$;
