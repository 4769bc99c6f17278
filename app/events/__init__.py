"""Order events: the log's port, live fan-out within a process, and replay-then-live streams."""
