-- Unfollowing an author takes the author's followers-only entries out of the follower's view:
-- their subscribers read a fresh snapshot (as 0005 does for a deleted entry or a privacy
-- change), and the one who unfollowed, no longer allowed to see them, gets NOT_FOUND. The
-- notifications go to every followers-only entry of the author (through the author's index);
-- only the entries someone subscribes to cost a query.
--
-- Per statement, over the deleted rows: deleting a user with 100k followers deletes 100k
-- follows of one author, which is one look at that author's entries, not 100k.
--
-- depends: 0007_trending_top

CREATE FUNCTION notify_unfollow_recheck() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('entry_counts', json_build_object('id', e.id, 'recheck', true)::text)
    FROM stream_entries e
    WHERE e.privacy = 'followers'
      AND e.user_id IN (SELECT DISTINCT followed_id FROM unfollowed);
    RETURN NULL;
END
$$;

CREATE TRIGGER notify_unfollow_recheck_trigger
    AFTER DELETE ON user_follows
    REFERENCING OLD TABLE AS unfollowed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_unfollow_recheck();
