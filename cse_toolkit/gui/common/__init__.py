"""What every part of the app shares: the seams (dialogs, workers, changes, clipboard, drafts),
small widgets, the lock, unlock and first-run forms, and the pages that belong to no one feature."""
