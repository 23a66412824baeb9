"""MDF funds, requests, claims and SPIFFs (the incentives issue)."""
