"""pedmassage: run a pediatric massage therapy program safely and turn every session into evidence."""

__version__ = "0.1.0"
