-- Deleting a user: delete_user(id), which takes its locks in the order a concurrent follow
-- takes them.
--
-- The cascade deletes the user's follows in both directions, and the follow trigger (0002)
-- then updates the counts of every user on the other side. A follow or unfollow locks its two
-- users in id order; a delete that locked the user first and its neighbours as the cascade
-- meets them deadlocked with it (the concurrency test failed about one run in six, on all ten
-- retries). So the neighbours below the user, the user, then the neighbours above it are
-- locked in id order before the delete: whoever races with it waits instead. The user's own
-- row gets the lock a delete takes; the others the lock of a counts update, which lets
-- inserts that only reference them through a key go on.
--
-- A function, not a trigger: a row trigger on users runs once the DELETE has locked the
-- user's own row, too late to lock the neighbours below it first. Delete users with
-- `SELECT delete_user(id)`, never a bare DELETE. It returns whether a user was deleted.
--
-- depends: 0008_unfollow_rechecks

CREATE FUNCTION delete_user(p_user_id UUID) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users
    WHERE id IN (SELECT followed_id FROM user_follows WHERE follower_id = p_user_id
                 UNION SELECT follower_id FROM user_follows WHERE followed_id = p_user_id)
      AND id < p_user_id
    ORDER BY id
    FOR NO KEY UPDATE;
    PERFORM 1 FROM users WHERE id = p_user_id FOR UPDATE;
    PERFORM 1 FROM users
    WHERE id IN (SELECT followed_id FROM user_follows WHERE follower_id = p_user_id
                 UNION SELECT follower_id FROM user_follows WHERE followed_id = p_user_id)
      AND id > p_user_id
    ORDER BY id
    FOR NO KEY UPDATE;
    DELETE FROM users WHERE id = p_user_id;
    RETURN FOUND;
END
$$;
