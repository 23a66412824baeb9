"""Portal pages of MDF and incentives (the incentives issue, point 8), one module per area:
the partner's funds and fund requests in ``funds`` and ``requests``, the vendor's programs,
allocations and fund ledgers in ``programs``, claims (new claim, list, claim page),
payouts (the list and finance's bulk actions), roi (per program, partner and activity, with
attributions), spiffs (SPIFF rules and rewards). Each module lists its own
``urlpatterns``; they read through incentives.scope and write through the services."""
