"""Evidence behind the program: the study library, GRADE, pooled claims, plots and handouts.

Knowledge only: nothing here imports the database, the web app or the command line.
"""
