"""Portal pages of the incentives app, one module per area (spiffs: SPIFF rules and rewards)."""
