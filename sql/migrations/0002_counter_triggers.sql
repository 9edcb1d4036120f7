-- The trigger functions that keep every counter exact, named as in the design.
--
-- Application code never writes a counter: it inserts or deletes rows, and these triggers move
-- the counts in the same transaction. Each counter change bumps the row's version and sends
-- pg_notify on one channel per kind ('entry_counts', 'user_counts') carrying the id, the
-- version and all the new counts, so subscribers need no extra query.
--
-- depends: 0001_tables

-- Counter rows of entries being deleted in this very statement must not be written: a counts
-- row written twice in one transaction has its foreign key checked again, and the entry is
-- gone. Decrements therefore touch only rows whose entry still exists.

CREATE FUNCTION create_entry_interaction_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entry_interaction_counts (entry_id) VALUES (NEW.id)
    ON CONFLICT (entry_id) DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER create_entry_interaction_counts_trigger
    AFTER INSERT ON stream_entries
    FOR EACH ROW EXECUTE FUNCTION create_entry_interaction_counts();

-- A branch is an entry with a parent. parent_id is the source of truth; entry_branches
-- mirrors it with the next branch_order under that parent.
CREATE FUNCTION sync_entry_branch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM entry_branches WHERE child_entry_id = NEW.id;
    END IF;
    IF NEW.parent_id IS NOT NULL THEN
        -- Serialise branch creation per parent so two replies never take the same order.
        -- FOR NO KEY UPDATE does not conflict with the foreign key checks of other writers.
        PERFORM 1 FROM stream_entries WHERE id = NEW.parent_id FOR NO KEY UPDATE;
        INSERT INTO entry_branches (parent_entry_id, child_entry_id, branch_order)
        SELECT NEW.parent_id, NEW.id, COALESCE(max(b.branch_order), 0) + 1
        FROM entry_branches b
        WHERE b.parent_entry_id = NEW.parent_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER sync_entry_branch_insert_trigger
    AFTER INSERT ON stream_entries
    FOR EACH ROW WHEN (NEW.parent_id IS NOT NULL)
    EXECUTE FUNCTION sync_entry_branch();

CREATE TRIGGER sync_entry_branch_update_trigger
    AFTER UPDATE OF parent_id ON stream_entries
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION sync_entry_branch();

CREATE FUNCTION update_resonance_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE entry_interaction_counts
           SET resonance_count = resonance_count + 1
         WHERE entry_id = NEW.entry_id;
    ELSE
        UPDATE entry_interaction_counts c
           SET resonance_count = GREATEST(0, c.resonance_count - 1)
         WHERE c.entry_id = OLD.entry_id
           AND EXISTS (SELECT 1 FROM stream_entries e WHERE e.id = OLD.entry_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER resonance_count_trigger
    AFTER INSERT OR DELETE ON user_resonances
    FOR EACH ROW EXECUTE FUNCTION update_resonance_count();

CREATE FUNCTION update_amplification_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE entry_interaction_counts
           SET amplification_count = amplification_count + 1
         WHERE entry_id = NEW.entry_id;
    ELSE
        UPDATE entry_interaction_counts c
           SET amplification_count = GREATEST(0, c.amplification_count - 1)
         WHERE c.entry_id = OLD.entry_id
           AND EXISTS (SELECT 1 FROM stream_entries e WHERE e.id = OLD.entry_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER trigger_amplification_count_update
    AFTER INSERT OR DELETE ON user_amplifications
    FOR EACH ROW EXECUTE FUNCTION update_amplification_count();

CREATE FUNCTION update_branch_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE entry_interaction_counts
           SET branch_count = branch_count + 1
         WHERE entry_id = NEW.parent_entry_id;
    ELSE
        UPDATE entry_interaction_counts c
           SET branch_count = GREATEST(0, c.branch_count - 1)
         WHERE c.entry_id = OLD.parent_entry_id
           AND EXISTS (SELECT 1 FROM stream_entries e WHERE e.id = OLD.parent_entry_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER trigger_branch_count_update
    AFTER INSERT OR DELETE ON entry_branches
    FOR EACH ROW EXECUTE FUNCTION update_branch_count();

CREATE FUNCTION update_follow_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    follower UUID;
    followed UUID;
    delta    INTEGER;
BEGIN
    IF TG_OP = 'INSERT' THEN
        follower := NEW.follower_id; followed := NEW.followed_id; delta := 1;
    ELSE
        follower := OLD.follower_id; followed := OLD.followed_id; delta := -1;
    END IF;
    -- Two rows change: lock them in id order, or a follows b and b follows a deadlock.
    IF follower < followed THEN
        UPDATE users SET following_count = GREATEST(0, following_count + delta) WHERE id = follower;
        UPDATE users SET follower_count = GREATEST(0, follower_count + delta) WHERE id = followed;
    ELSE
        UPDATE users SET follower_count = GREATEST(0, follower_count + delta) WHERE id = followed;
        UPDATE users SET following_count = GREATEST(0, following_count + delta) WHERE id = follower;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER update_follow_counts_trigger
    AFTER INSERT OR DELETE ON user_follows
    FOR EACH ROW EXECUTE FUNCTION update_follow_counts();

-- Shares have no rows of their own: every call counts, in one atomic upsert.
CREATE FUNCTION record_share(p_entry_id BIGINT) RETURNS entry_interaction_counts
LANGUAGE sql AS $$
    INSERT INTO entry_interaction_counts AS c (entry_id, share_count)
    VALUES (p_entry_id, 1)
    ON CONFLICT (entry_id) DO UPDATE SET share_count = c.share_count + 1
    RETURNING c.*;
$$;

-- Versions and notifications: one place per counter table, whatever moved the counts.

CREATE FUNCTION bump_entry_counts_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.resonance_count, NEW.branch_count, NEW.amplification_count, NEW.share_count)
       IS DISTINCT FROM
       (OLD.resonance_count, OLD.branch_count, OLD.amplification_count, OLD.share_count) THEN
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER bump_entry_counts_version_trigger
    BEFORE UPDATE ON entry_interaction_counts
    FOR EACH ROW EXECUTE FUNCTION bump_entry_counts_version();

CREATE FUNCTION notify_entry_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('entry_counts', json_build_object(
        'id', NEW.entry_id,
        'version', NEW.version,
        'resonance_count', NEW.resonance_count,
        'branch_count', NEW.branch_count,
        'amplification_count', NEW.amplification_count,
        'share_count', NEW.share_count)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER notify_entry_counts_trigger
    AFTER UPDATE ON entry_interaction_counts
    FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version)
    EXECUTE FUNCTION notify_entry_counts();

CREATE FUNCTION bump_user_counts_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.follower_count, NEW.following_count)
       IS DISTINCT FROM (OLD.follower_count, OLD.following_count) THEN
        NEW.counts_version := OLD.counts_version + 1;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER bump_user_counts_version_trigger
    BEFORE UPDATE OF follower_count, following_count ON users
    FOR EACH ROW EXECUTE FUNCTION bump_user_counts_version();

CREATE FUNCTION notify_user_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('user_counts', json_build_object(
        'id', NEW.id,
        'version', NEW.counts_version,
        'follower_count', NEW.follower_count,
        'following_count', NEW.following_count)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER notify_user_counts_trigger
    AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.counts_version IS DISTINCT FROM NEW.counts_version)
    EXECUTE FUNCTION notify_user_counts();
