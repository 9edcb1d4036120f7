-- Subscriptions re-read their snapshot when what they watch goes away or may have left their
-- view: an entry deleted or its privacy changed, a user deleted. The notification goes on the
-- row's own channel with `recheck` instead of counts; each subscriber reads its snapshot again
-- with its own audience, and a row that is gone, or that it may no longer see, ends its
-- subscription with NOT_FOUND (resolvers/subscriptions.py).
--
-- depends: 0004_trending

CREATE FUNCTION notify_entry_recheck() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('entry_counts', json_build_object('id', OLD.id, 'recheck', true)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER notify_entry_deleted_trigger
    AFTER DELETE ON stream_entries
    FOR EACH ROW EXECUTE FUNCTION notify_entry_recheck();

CREATE TRIGGER notify_entry_privacy_trigger
    AFTER UPDATE OF privacy ON stream_entries
    FOR EACH ROW WHEN (OLD.privacy IS DISTINCT FROM NEW.privacy)
    EXECUTE FUNCTION notify_entry_recheck();

CREATE FUNCTION notify_user_recheck() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('user_counts', json_build_object('id', OLD.id, 'recheck', true)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER notify_user_deleted_trigger
    AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION notify_user_recheck();
