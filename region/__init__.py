"""The Region's back office (`/region/`): organisation approval, programmes, labels, outcomes and the dashboard."""
