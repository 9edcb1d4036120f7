DROP FUNCTION delete_user(UUID);
