"""Outbound webhooks: subscriptions to store events, signed deliveries, retries with backoff."""
