-- The triggers notify as 0002, 0005 and 0008 made them; the outbox goes.

CREATE OR REPLACE FUNCTION notify_entry_counts() RETURNS trigger
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

CREATE OR REPLACE FUNCTION notify_user_counts() RETURNS trigger
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

CREATE OR REPLACE FUNCTION notify_entry_recheck() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('entry_counts', json_build_object('id', OLD.id, 'recheck', true)::text);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION notify_user_recheck() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('user_counts', json_build_object('id', OLD.id, 'recheck', true)::text);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION notify_unfollow_recheck() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('entry_counts', json_build_object('id', e.id, 'recheck', true)::text)
    FROM stream_entries e
    WHERE e.privacy = 'followers'
      AND e.user_id IN (SELECT DISTINCT followed_id FROM unfollowed);
    RETURN NULL;
END
$$;

DROP FUNCTION publish_change(text, text);
DROP TABLE counter_outbox;
