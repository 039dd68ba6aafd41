"""Ethics obligations as data: which codes of ethics and laws a clinic follows, and what each
asks of whom, by when, after a mistake. See README.md and docs/ethics.md."""
