"""What each field does, and the per-request dataloaders."""
