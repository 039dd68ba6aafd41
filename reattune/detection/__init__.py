"""Reattune's detection core: plain Python, no Django import."""
