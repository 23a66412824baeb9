"""REST API of the incentives app. Each module exposes its own URL list, which
incentives/urls.py includes: SPIFFs and rewards (``spiffs.spiff_api_urls``)."""
