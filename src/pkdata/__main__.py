"""``python -m pkdata`` runs the command line."""

from pkdata.cli import main

raise SystemExit(main())
