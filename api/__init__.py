"""The read-only REST API (`/api/v1/`): the search's criteria and engine, OpenAPI by drf-spectacular."""
