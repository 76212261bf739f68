"""The load: files found, parsed in worker processes (or Ray tasks), stored in whole-document batches."""
