"""Imports into a Notion data source, free of Django.

`csvfile` reads a CSV file as a stream of rows with their line numbers, guesses the type of each
column from its first rows, turns one row into the page property values Notion takes (or says
what is wrong with it), and gives each row a key a resumable import can use to skip rows it has
already sent. The jobs that run an import, and its pages, live elsewhere.
"""
