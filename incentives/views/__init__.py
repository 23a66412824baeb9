"""Portal pages of the incentives app, one module per area: claims (new claim, list, claim
page), payouts (the payouts list and finance's bulk actions), roi (per program, partner and
activity, attributions), spiffs (SPIFF rules and rewards)."""
