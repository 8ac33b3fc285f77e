// Monitor module
