"""Workflow definitions, the event outbox, runs and approvals (the workflow engine issue)."""
