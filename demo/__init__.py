"""The demo catalogue and accounts: development and tests only, never installed by the production settings."""
