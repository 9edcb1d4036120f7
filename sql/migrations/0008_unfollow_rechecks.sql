-- Unfollowing an author takes the author's followers-only entries out of the follower's view:
-- their subscribers read a fresh snapshot (as 0005 does for a deleted entry or a privacy
-- change), and the one who unfollowed, no longer allowed to see them, gets NOT_FOUND. The
-- notifications go to every followers-only entry of the author (through the author's index);
-- only the entries someone subscribes to cost a query.
--
-- depends: 0007_trending_top

CREATE FUNCTION notify_unfollow_recheck() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('entry_counts', json_build_object('id', e.id, 'recheck', true)::text)
    FROM stream_entries e
    WHERE e.user_id = OLD.followed_id AND e.privacy = 'followers';
    RETURN NULL;
END
$$;

CREATE TRIGGER notify_unfollow_recheck_trigger
    AFTER DELETE ON user_follows
    FOR EACH ROW EXECUTE FUNCTION notify_unfollow_recheck();
