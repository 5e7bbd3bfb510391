"""`python -m studyapp.engine invoke|serve ...` (the same CLI as `manage.py lambda`)."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
