"""An organisation's back office (`/espace-organisme/`), one module per subject with its forms beside it.

Every object is fetched through `request.organism` (`scope.py`): another organisation's object is a 404. Writes go
through services, which validate and audit.
"""
