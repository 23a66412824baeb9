"""Portal pages of MDF (the incentives issue, point 8): the partner's funds and fund
requests in ``funds`` and ``requests``, the vendor's programs, allocations and fund
ledgers in ``programs``. Each module lists its own ``urlpatterns``; they read through
incentives.scope and write through incentives.services / incentives.requests."""
