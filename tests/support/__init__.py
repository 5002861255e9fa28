"""Test helpers that run real servers on 127.0.0.1 (no mocks)."""
