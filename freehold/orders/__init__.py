"""Orders: the state machine, fulfilment, refunds and returns (the buying issue)."""
