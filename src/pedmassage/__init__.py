"""pedmassage: run a pediatric massage therapy program safely; turn every session into evidence."""

__version__ = "0.1.0"
