DROP FUNCTION fix_counter_drift();
DROP VIEW counter_drift;
DROP VIEW user_counts_expected;
DROP VIEW entry_counts_expected;
