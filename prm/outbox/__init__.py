"""The event outbox of the platform: domain apps emit events in the transaction of the change
that caused them; handlers that apps register run after commit, once (PRODUCT.md §7)."""
