DROP TRIGGER notify_user_deleted_trigger ON users;
DROP FUNCTION notify_user_recheck();
DROP TRIGGER notify_entry_privacy_trigger ON stream_entries;
DROP TRIGGER notify_entry_deleted_trigger ON stream_entries;
DROP FUNCTION notify_entry_recheck();
