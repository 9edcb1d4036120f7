DROP TRIGGER notify_unfollow_recheck_trigger ON user_follows;
DROP FUNCTION notify_unfollow_recheck();
