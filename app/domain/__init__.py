"""Pure order rules: the model, money arithmetic, validation and state transitions (stdlib only)."""
