"""Imports of a CSV file into a Notion data source.

`csvfile`, free of Django, reads a CSV file as a stream of rows with their line numbers, guesses
the type of each column from its first rows, turns one row into the page property values Notion
takes (or says what is wrong with it), and gives each row a key a resumable import can use to skip
rows it has already sent. `service` plans and starts an import; `job` is the import kind of
background job, which adds the pages; `state` is what that job keeps; `views` and `forms` are the
browser's pages.
"""
