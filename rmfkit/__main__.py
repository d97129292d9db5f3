"""``python -m rmfkit ...`` runs the ``rmfkit`` command."""
from rmfkit.cli.app import main

if __name__ == "__main__":
    main()
