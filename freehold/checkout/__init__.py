"""Cart, pricing pipeline and order placement (the buying issue)."""
