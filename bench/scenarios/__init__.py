"""The bench scenarios, one module each; ``bench.run`` holds their registry."""
