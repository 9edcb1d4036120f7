-- The counters' changes through an outbox, for the fan-out through NATS (issue 15).
--
-- Every pg_notify makes its transaction take one cluster-wide lock at commit, so notifying
-- commits go one at a time: with 16 writers the triggers ran at 0.31-0.44 of the same
-- triggers without it. A server started with NATS_URL sets `resonance.fanout` to 'outbox'
-- for the database (server/nats_fanout.py): the triggers then write each change to
-- counter_outbox in the writing transaction, and send nothing; one relay among the server
-- processes publishes the rows to NATS in order and deletes them (server/outbox_relay.py).
-- 'off' sends changes nowhere (a database without live counts; the write benchmark's
-- baseline, bench/writes.py). Unset, or anything else, the triggers notify as before
-- (db/listen.py).
--
-- publish_change is the one place that decides; the triggers of 0002, 0005 and 0008 call it
-- with what they sent before.
--
-- depends: 0009_delete_user

CREATE TABLE counter_outbox (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel text NOT NULL,
    payload text NOT NULL
);

CREATE FUNCTION publish_change(channel text, payload text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    CASE current_setting('resonance.fanout', true)
    WHEN 'outbox' THEN
        INSERT INTO counter_outbox (channel, payload) VALUES (channel, payload);
    WHEN 'off' THEN
        NULL;
    ELSE
        PERFORM pg_notify(channel, payload);
    END CASE;
END
$$;

CREATE OR REPLACE FUNCTION notify_entry_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM publish_change('entry_counts', json_build_object(
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
    PERFORM publish_change('user_counts', json_build_object(
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
    PERFORM publish_change('entry_counts', json_build_object('id', OLD.id, 'recheck', true)::text);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION notify_user_recheck() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM publish_change('user_counts', json_build_object('id', OLD.id, 'recheck', true)::text);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION notify_unfollow_recheck() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM publish_change('entry_counts', json_build_object('id', e.id, 'recheck', true)::text)
    FROM stream_entries e
    WHERE e.privacy = 'followers'
      AND e.user_id IN (SELECT DISTINCT followed_id FROM unfollowed);
    RETURN NULL;
END
$$;
